from django.db import migrations, models


class Migration(migrations.Migration):
    """After 0003: the head count lives in its entries only, and the same name from the same
    phone is one check-in per talk."""

    dependencies = [("outreach", "0003_fill_head_counts_and_identity")]

    operations = [
        migrations.RemoveField(model_name="talk", name="head_count"),
        migrations.AddConstraint(
            model_name="checkin",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("name_key", ""), _negated=True),
                    models.Q(("device_key", ""), _negated=True),
                ),
                fields=("talk", "name_key", "device_key"),
                name="checkin_once_per_name_and_phone",
            ),
        ),
    ]
