"""The demo county: organisation, citizen texts and the ``seed_demo`` command."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jishi.demo"
    label = "demo"
    verbose_name = "演示县"
