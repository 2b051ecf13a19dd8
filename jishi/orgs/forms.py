"""Unit pickers that read the in-memory unit table instead of the database, and the picker
of people."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from jishi.common.datalist import Picklist, pick_key
from jishi.common.fields import SnapshotChoiceField
from jishi.common.text import is_traditional
from jishi.orgs.display import unit_name
from jishi.orgs.models import Post, Unit, UnitKind, User
from jishi.orgs.selectors import unit_table

# Names that repeat across the county (every township has a 新村; every hall a 1号窗口) are
# shown with their parent's.
_NAMED_WITH_PARENT = frozenset({UnitKind.VILLAGE, UnitKind.WINDOW})
PICK_INVALID = _("「%(value)s」不在单位列表中，请从列表中选择")


def pick_label(unit: Unit, *, traditional: bool | None = None) -> str:
    """A unit as a searchable picker shows it: 城关镇 / 东街社区 for a village."""
    if traditional is None:
        traditional = is_traditional()

    def named(u: Unit) -> str:
        return (u.name_traditional or u.name) if traditional else u.name

    parent = unit_table().get(unit.parent_id) if unit.parent_id else None
    if unit.kind in _NAMED_WITH_PARENT and parent is not None:
        return f"{named(parent)} / {named(unit)}"
    return named(unit)


def unit_picklist(list_id: str, units: Iterable[Unit]) -> Picklist:
    return Picklist(list_id, ((u.pk, pick_label(u)) for u in units))


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

    def find(self, text: str) -> Unit | None:
        """The unit a picker's text names: its picker label in either script, its code, or
        its bare name when no other unit of these kinds shares it."""
        wanted = pick_key(text)
        by_name: dict[str, list[Unit]] = {}
        for unit in self.rows():
            if wanted in {
                pick_key(pick_label(unit, traditional=False)),
                pick_key(pick_label(unit, traditional=True)),
                pick_key(unit.code),
            }:
                return unit
            for name in {unit.name, unit.name_traditional}:
                by_name.setdefault(pick_key(name), []).append(unit)
        named = by_name.get(wanted, [])
        return named[0] if len(named) == 1 else None


class UnitsField(forms.Field):
    """Several units from searchable pickers (one input each, same name) or a multiple
    ``<select>``: empty inputs are skipped and a unit named twice counts once."""

    widget = forms.SelectMultiple

    def __init__(self, *, kinds: Iterable[str], **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.one = UnitField(
            kinds=kinds, empty_label=None, error_messages={"invalid_choice": PICK_INVALID}
        )
        # As a multiple <select> (the case page), its options are the one-unit field's, read
        # from the unit table at each render (the iterator keeps no rows of its own).
        self.widget.choices = cast(Any, self.one.choices)

    def to_python(self, value: Any) -> list[Unit]:
        if value in self.empty_values:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        units: list[Unit] = []
        errors: list[ValidationError] = []
        for item in value:
            try:
                unit = self.one.to_python(item)
            except ValidationError as exc:
                errors.extend(exc.error_list)
                continue
            if unit is not None and unit not in units:
                units.append(unit)
        if errors:
            raise ValidationError(errors)
        return units


def _with_units(people: QuerySet[User]) -> QuerySet[User]:
    posts = Post.objects.filter(active=True, unit__active=True).select_related("unit")
    return people.prefetch_related(
        Prefetch("posts", queryset=posts.order_by("unit__path"), to_attr="label_posts")
    )


class _OfferedPeople(ModelChoiceIterator):
    """The options: the field's ``offered`` people when it has them, else its queryset,
    with the units of their posts for the labels (read when the options are rendered)."""

    def __init__(self, field: PeopleField) -> None:
        super().__init__(field)
        people = field.offered if field.offered is not None else field.queryset
        if people is not None:
            self.queryset = _with_units(people)


class PeopleField(forms.ModelChoiceField[User]):
    """One person from the candidates a form gives (``queryset``, e.g. ``people_in(units)``;
    never every user of the county), each labelled with their name and the units of their
    active posts, so two 王芳 are told apart. Someone with no post (a branch secretary who is
    not staff) shows their account name instead.

    ``offer(people)`` narrows the options shown without narrowing what is accepted, for a
    form whose service checks the person with a more precise message than "not a choice"."""

    iterator = _OfferedPeople
    offered: QuerySet[User] | None = None

    def offer(self, people: QuerySet[User]) -> None:
        self.offered = people
        self.widget.choices = self.choices

    def label_from_instance(self, obj: User) -> str:
        name = obj.full_name or obj.username
        units = dict.fromkeys(unit_name(p.unit) for p in getattr(obj, "label_posts", []))
        if not units:
            return name if name == obj.username else f"{name} ({obj.username})"
        return f"{name}（{'、'.join(units)}）"
