"""A finding's photos leave the public folder: new ones are stored under ``findings/`` with a
generated name (``models.photo_path``), re-encoded without their metadata, and the ones
already uploaded are moved there the same way, so no finding photo stays reachable at its
old public address or keeps its GPS position.

The migration runs in a transaction that can still roll back after a photo is copied (a
storage error on a later photo, a kill): the rows would then name the old files again. So
the old files are deleted only once the transaction has committed, and a row whose file is
missing is left as it is (its name is the only clue for a restore from backup)."""

import uuid
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models, transaction

import jishi.projects.models


def _private_copy(old: str) -> tuple[bytes, str]:
    """The bytes to keep and their extension: the photo re-encoded as a case's attachment is
    (``cases.services.check_image``); a file that is no readable image is kept as it was
    (there is no picture to re-encode), served only as a download."""
    from jishi.cases.services import Upload, check_image
    from jishi.common.errors import InvalidInput

    with default_storage.open(old, "rb") as source:
        data = source.read()
    try:
        image = check_image(Upload(old.rsplit("/", 1)[-1], data))
    except InvalidInput:
        return data, "bin"
    return image.data, "png" if image.format == "PNG" else "jpg"


def move_finding_photos(apps, schema_editor):
    Photo = apps.get_model("projects", "Photo")
    for photo in Photo.objects.filter(finding__isnull=False).exclude(image__startswith="findings/"):
        old = photo.image.name
        if not old or not default_storage.exists(old):
            continue
        data, ext = _private_copy(old)
        photo.image.name = default_storage.save(
            f"findings/legacy/{uuid.uuid4().hex}.{ext}", ContentFile(data)
        )
        photo.save(update_fields=["image"])
        transaction.on_commit(partial(default_storage.delete, old), robust=True)


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
