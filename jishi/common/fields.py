"""Form fields every app uses: a date as people type it, and choice fields over small
tables held in memory (see ``jishi.common.snapshots``).

A ``ModelChoiceField`` queries its table to render its options and again to validate the
submitted value. For units and categories, which nearly every page and submission names,
these fields read the in-memory snapshot instead; a value the snapshot does not know (a row
added in another process moments ago) is still looked up through the field's queryset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from jishi.common.text import search_key

M = TypeVar("M", bound=models.Model)


class LocalDateField(forms.DateField):
    """A date as a phone's picker gives it or a person types it: full-width digits from a
    Chinese input method (２０２６/１/５), slashes or dots for dashes. A date out of range
    is a form error, not a server error."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        # The caller's messages (a field's own "请填写走访日期") win over these defaults.
        messages = {"invalid": _("日期格式应为 2026-11-28"), "required": _("请填写日期")}
        messages.update(kwargs.pop("error_messages", None) or {})
        super().__init__(error_messages=messages, **kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str):
            value = search_key(value).strip().replace("/", "-").replace(".", "-")
        try:
            result: dt.date | None = super().to_python(value)
        except (OverflowError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return result


class _SnapshotChoices(ModelChoiceIterator):
    """Plain ``(id, label)`` pairs: what ``ListSelect`` caches its markup by."""

    field: SnapshotChoiceField[Any]

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.field.rows()
        for row, label in zip(rows, self.field.labels(rows), strict=True):
            yield row.pk, label

    def __len__(self) -> int:
        return len(self.field.rows()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.field.rows())


class SnapshotChoiceField(forms.ModelChoiceField[M], Generic[M]):
    """Subclasses say which rows are choices (``rows``) and how to find one by id
    (``remembered``); the ``queryset`` they pass must select the same rows, for the
    database fallback."""

    iterator = _SnapshotChoices

    def rows(self) -> Sequence[M]:
        raise NotImplementedError

    def remembered(self, pk: int) -> M | None:
        """The row with this id if it is a valid choice, from memory; None to ask the
        database."""
        raise NotImplementedError

    def labels(self, rows: Sequence[M]) -> list[str]:
        return [self.label_from_instance(row) for row in rows]

    def find(self, text: str) -> M | None:
        """The choice a searchable picker's text names (see ``jishi.common.datalist``), or
        None; fields whose pickers are all ``<select>``s need not say."""
        return None

    def to_python(self, value: Any) -> M | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            pk = int(text)  # full-width digits are digits to int(), as to the ORM
        except ValueError:
            found = self.find(text)
            if found is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text},
                ) from None
            return found
        row = self.remembered(pk)
        return row if row is not None else super().to_python(pk)
