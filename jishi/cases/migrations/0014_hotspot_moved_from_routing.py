# The Hotspot model moves here from the routing app (routing is a library that knows no
# case). The state takes over routing's table as it is, then the table and its link table
# are renamed to this app's names; no row is copied.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_case_waiting_index"),
        ("routing", "0003_hotspot_moved_to_cases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Hotspot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("period_start", models.DateTimeField(verbose_name="统计起始")),
                        ("period_end", models.DateTimeField(verbose_name="统计截止")),
                        ("rank", models.PositiveSmallIntegerField(verbose_name="排名")),
                        ("title", models.CharField(max_length=80, verbose_name="热点标题")),
                        ("keywords", models.JSONField(default=list, verbose_name="关键词")),
                        ("score", models.FloatField(verbose_name="热度")),
                        ("size", models.PositiveIntegerField(verbose_name="事项数")),
                        ("citizens", models.PositiveIntegerField(verbose_name="群众人数")),
                        ("likes", models.PositiveIntegerField(default=0, verbose_name="附议数")),
                        (
                            "growth",
                            models.FloatField(blank=True, null=True, verbose_name="环比增长"),
                        ),
                        ("places", models.JSONField(default=list, verbose_name="涉及地点")),
                        (
                            "first_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="最早"),
                        ),
                        (
                            "last_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="最晚"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="生成时间"),
                        ),
                        (
                            "cases",
                            models.ManyToManyField(
                                related_name="hotspots", to="cases.case", verbose_name="事项"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "热点",
                        "verbose_name_plural": "热点",
                        "ordering": ["-period_end", "rank"],
                        "indexes": [
                            models.Index(fields=["-period_end", "rank"], name="hotspot_period_rank")
                        ],
                        "db_table": "routing_hotspot",
                    },
                ),
            ],
            database_operations=[],
        ),
        # Renames routing_hotspot → cases_hotspot and routing_hotspot_cases → cases_hotspot_cases.
        migrations.AlterModelTable(name="hotspot", table=None),
    ]
