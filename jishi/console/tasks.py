"""Background work of the console (run by ``manage.py db_worker``): the 台账's Excel exports."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import translation
from django_tasks import task

from jishi.cases.models import LedgerExport
from jishi.console import exports
from jishi.orgs.models import User


@task()
def export_ledger(export_id: int, language: str | None = None) -> int:
    """Write a ledger export's .xlsx (headers and words in ``language``, the language of the
    page it was asked for from); returns the number of rows written."""
    return exports.run_export(export_id, language)


def start_export(user: User, params: Mapping[str, list[str]]) -> LedgerExport:
    """Record a background export and queue it (the immediate backend runs it right away),
    in the language of the page it was asked for from."""
    export = LedgerExport.objects.create(user=user, filters=exports.export_params(params))
    export_ledger.enqueue(export.pk, translation.get_language())
    export.refresh_from_db()
    return export
