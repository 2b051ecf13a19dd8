"""Background work of the cases app (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from jishi.console import exports


@task()
def export_ledger(export_id: int, language: str | None = None) -> int:
    """Write a ledger export's .xlsx (headers and words in ``language``, the language of the
    page it was asked for from); returns the number of rows written."""
    return exports.run_export(export_id, language)
