from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "jishi.routing"
    label = "routing"
    verbose_name = "分类与派单"
