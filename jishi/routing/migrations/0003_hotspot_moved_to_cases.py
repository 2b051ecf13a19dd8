# Hotspots are the ledger's (they link cases): the model moves to the cases app, whose
# migration 0014 takes over the table. Here only the model state goes; the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0002_hotspots"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Hotspot")],
            database_operations=[],
        ),
    ]
