import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The head count becomes a list of entries (added to, never overwritten); a check-in keeps
    its name as identity compares it. Filled by 0003; the old column and the new constraint
    follow in 0004, each step in its own transaction."""

    dependencies = [
        ("outreach", "0001_sites_series_talks_checkins"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HeadCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("count", models.IntegerField(verbose_name="人数")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                ("created_at", models.DateTimeField()),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "talk",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="head_counts",
                        to="outreach.talk",
                    ),
                ),
            ],
            options={
                "verbose_name": "现场补录",
                "verbose_name_plural": "现场补录",
                "ordering": ["created_at", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("count", 0), _negated=True),
                        name="head_count_not_zero",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="checkin",
            name="name_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
    ]
