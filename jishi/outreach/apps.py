from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "jishi.outreach"
    label = "outreach"
    verbose_name = "宣讲"
