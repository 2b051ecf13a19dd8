from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jishi.reports"
    label = "reports"
    verbose_name = "统计与通报"
