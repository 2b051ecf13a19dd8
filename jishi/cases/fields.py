"""The category picker, read from the in-memory category table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jishi.cases import display
from jishi.cases.models import Category
from jishi.cases.selectors import category_table
from jishi.common.fields import SnapshotChoiceField


class CategoryField(SnapshotChoiceField[Category]):
    """A category, in the pickers' order and the reader's script; only active ones unless
    ``active_only=False``."""

    def __init__(self, *, active_only: bool = True, **kwargs: Any) -> None:
        self.active_only = active_only
        queryset = Category.objects.all()
        super().__init__(
            queryset=queryset.filter(active=True) if active_only else queryset, **kwargs
        )

    def rows(self) -> Sequence[Category]:
        ordered = category_table().ordered
        return [c for c in ordered if c.active] if self.active_only else ordered

    def remembered(self, pk: int) -> Category | None:
        category = category_table().by_pk.get(pk)
        if category is None or (self.active_only and not category.active):
            return None
        return category

    def label_from_instance(self, obj: Category) -> str:
        return display.category_name(obj)
