from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "jishi.common"
    label = "common"
    verbose_name = "通用"
