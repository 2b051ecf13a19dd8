"""The category picker, read from the in-memory category table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from jishi.cases import display
from jishi.cases.models import Category
from jishi.cases.selectors import category_table
from jishi.common.datalist import Picklist, pick_key
from jishi.common.fields import SnapshotChoiceField
from jishi.common.text import is_traditional, to_traditional
from jishi.orgs.selectors import unit_table

CATEGORY_INVALID = _("「%(value)s」不在分类列表中，请从列表中选择")


def pick_label(category: Category, *, traditional: bool | None = None) -> str:
    """A category as the searchable picker shows it, in the reader's script unless told:
    城市管理 / 路灯照明（城关镇）."""
    label = f"{category.parent.name} / {category.name}" if category.parent else category.name
    owner = unit_table().get(category.owning_unit_id) if category.owning_unit_id else None
    if owner is not None:
        label = f"{label}（{owner.name}）"
    if traditional is None:
        traditional = is_traditional()
    return to_traditional(label) if traditional else label


def category_picklist(list_id: str, categories: Sequence[Category]) -> Picklist:
    return Picklist(list_id, ((c.pk, pick_label(c)) for c in categories))


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

    def find(self, text: str) -> Category | None:
        """The category a picker's text names: its picker label, its code, or its bare name
        when no other category shares it."""
        wanted = pick_key(text)
        named: list[Category] = []
        for category in self.rows():
            labels = {pick_label(category, traditional=t) for t in (False, True)}
            if wanted in {pick_key(label) for label in labels} | {pick_key(category.code)}:
                return category
            if wanted in {pick_key(category.name), pick_key(to_traditional(category.name))}:
                named.append(category)
        return named[0] if len(named) == 1 else None

    def remembered(self, pk: int) -> Category | None:
        category = category_table().by_pk.get(pk)
        if category is None or (self.active_only and not category.active):
            return None
        return category

    def label_from_instance(self, obj: Category) -> str:
        return display.category_name(obj)
