"""Background work of the cases app (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from jishi.cases import exports


@task()
def export_ledger(export_id: int, language: str | None = None) -> int:
    """Write a ledger export's .xlsx in ``language``; returns the number of rows written."""
    return exports.run_export(export_id, language)
