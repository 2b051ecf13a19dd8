from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "jishi.routing"
    label = "routing"
    verbose_name = "分类与派单"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from jishi.orgs.models import Unit
        from jishi.routing import lexicon
        from jishi.routing.ledger_data import category_names

        # A renamed or new unit should reach the segmenter without waiting for the periodic
        # check (in this process; other processes notice within the check interval).
        post_save.connect(lexicon.on_unit_changed, sender=Unit, dispatch_uid="routing-lexicon")
        post_delete.connect(
            lexicon.on_unit_changed, sender=Unit, dispatch_uid="routing-lexicon-delete"
        )
        # A model saved (activated, deactivated) or deleted here is noticed at once; the
        # commit hook covers a reader that looked between the save and the commit.
        from jishi.routing.models import RouterModel
        from jishi.routing.selectors import forget_active_models

        def forget(**_: object) -> None:
            forget_active_models()
            transaction.on_commit(forget_active_models)

        post_save.connect(forget, sender=RouterModel, dispatch_uid="routing-active", weak=False)
        post_delete.connect(
            forget, sender=RouterModel, dispatch_uid="routing-active-delete", weak=False
        )
        # Category names join the user dictionary once the cases app provides them.
        lexicon.register_source(category_names)
