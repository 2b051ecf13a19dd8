"""Only counted check-ins are unique per talk: a struck-out prank in a real member's name (or
from a phone later used for real) no longer blocks that person's own check-in. Partial
unique indexes, on SQLite and PostgreSQL alike."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_site_visits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="checkin",
            name="checkin_once_per_person",
        ),
        migrations.RemoveConstraint(
            model_name="checkin",
            name="checkin_once_per_name_and_phone",
        ),
        migrations.AddConstraint(
            model_name="checkin",
            constraint=models.UniqueConstraint(
                condition=models.Q(("struck_at__isnull", True)),
                fields=("talk", "person_key"),
                name="checkin_once_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="checkin",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("name_key", ""), _negated=True),
                    models.Q(("device_key", ""), _negated=True),
                    ("struck_at__isnull", True),
                ),
                fields=("talk", "name_key", "device_key"),
                name="checkin_once_per_name_and_phone",
            ),
        ),
    ]
