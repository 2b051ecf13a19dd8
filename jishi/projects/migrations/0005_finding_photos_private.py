"""A finding's photos leave the public folder: new ones are stored under ``findings/`` with a
generated name (``models.photo_path``), and the ones already uploaded are moved there too, so
no finding photo stays reachable at its old public address."""

import uuid

from django.core.files.storage import default_storage
from django.db import migrations, models

import jishi.projects.models


def move_finding_photos(apps, schema_editor):
    Photo = apps.get_model("projects", "Photo")
    for photo in Photo.objects.filter(finding__isnull=False).exclude(image__startswith="findings/"):
        old = photo.image.name
        ext = old.rsplit(".", 1)[-1].lower() if "." in old.rsplit("/", 1)[-1] else "bin"
        if not ext.isalnum() or len(ext) > 5:
            ext = "bin"
        new = f"findings/legacy/{uuid.uuid4().hex}.{ext}"
        if default_storage.exists(old):
            with default_storage.open(old, "rb") as source:
                new = default_storage.save(new, source)
            default_storage.delete(old)
        photo.image.name = new
        photo.save(update_fields=["image"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_project_fk_indexes_covered"),
    ]

    operations = [
        migrations.AlterField(
            model_name="photo",
            name="image",
            field=models.FileField(upload_to=jishi.projects.models.photo_path, verbose_name="照片"),
        ),
        migrations.RunPython(move_finding_photos, migrations.RunPython.noop),
    ]
