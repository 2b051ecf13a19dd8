from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "jishi.routing"
    label = "routing"
    verbose_name = "分类与派单"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from jishi.orgs.models import Unit
        from jishi.routing import lexicon

        # A renamed or new unit should reach the segmenter without waiting for the periodic
        # check (in this process; other processes notice within the check interval).
        post_save.connect(lexicon.on_unit_changed, sender=Unit, dispatch_uid="routing-lexicon")
        post_delete.connect(
            lexicon.on_unit_changed, sender=Unit, dispatch_uid="routing-lexicon-delete"
        )
