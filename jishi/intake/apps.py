from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "jishi.intake"
    label = "intake"
    verbose_name = "走访与调研"
