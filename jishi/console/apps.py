from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """What staff see: the shell and navigation, my work, the dispatch queue, the case page,
    台账 and its exports, the routing pages. It holds no models: it reads through the
    domain apps' selectors and writes through their services."""

    name = "jishi.console"
    label = "console"
    verbose_name = "工作台"
