from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "jishi.projects"
    label = "projects"
    verbose_name = "重点项目"

    def ready(self) -> None:
        from jishi.cases import ledgers
        from jishi.projects import chain

        # A project's events are verified and checkpointed beside the cases' (cases/ledgers.py).
        ledgers.register(
            ledgers.Ledger(
                name="projects", label="重点项目", verify=chain.verify_all, heads=chain.heads
            )
        )
