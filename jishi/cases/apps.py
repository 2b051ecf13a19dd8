from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jishi.cases"
    label = "cases"
    verbose_name = "工作台账"
