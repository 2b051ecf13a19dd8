"""Unit pickers that read the in-memory unit table instead of the database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jishi.common.fields import SnapshotChoiceField
from jishi.common.templatetags.jishi_ui import is_traditional, unit_name
from jishi.orgs.models import Unit
from jishi.orgs.selectors import unit_table


class UnitField(SnapshotChoiceField[Unit]):
    """A unit of the given kinds, in tree order, named in the reader's script; only active
    units unless ``active_only=False``."""

    def __init__(self, *, kinds: Iterable[str], active_only: bool = True, **kwargs: Any) -> None:
        self.kinds = frozenset(kinds)
        self.active_only = active_only
        queryset = Unit.objects.filter(kind__in=self.kinds).order_by("path")
        if active_only:
            queryset = queryset.filter(active=True)
        super().__init__(queryset=queryset, **kwargs)

    def _allowed(self, unit: Unit) -> bool:
        return unit.kind in self.kinds and (unit.active or not self.active_only)

    def rows(self) -> Sequence[Unit]:
        return [unit for unit in unit_table().values() if self._allowed(unit)]

    def remembered(self, pk: int) -> Unit | None:
        unit = unit_table().get(pk)
        return unit if unit is not None and self._allowed(unit) else None

    def labels(self, rows: Sequence[Unit]) -> list[str]:
        # The language is looked up once per list, not once per unit (a county has ~400).
        if is_traditional():
            return [unit.name_traditional or unit.name for unit in rows]
        return [unit.name for unit in rows]

    def label_from_instance(self, obj: Unit) -> str:
        return unit_name(obj)
