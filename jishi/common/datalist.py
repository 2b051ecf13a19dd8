"""Searchable pickers that share one list per page.

A ``<select>`` carries its options with it: the dispatcher queue's four unit pickers and one
category picker per row, fifty rows, made pages of a megabyte. An ``<input list=…>`` names a
``<datalist>`` instead, so a page carries each list once however many rows use it; the
browser filters it as the dispatcher types (any part of the name matches), and it needs no
script. The input submits the option's text, so fields that take it resolve a label back to
its row (see ``SnapshotChoiceField.find``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from jishi.common.text import fold


def pick_key(text: str) -> str:
    """How typed text is compared with a list's labels: width, dashes and spacing folded."""
    return " ".join(fold(text).split())


class Picklist:
    """One ``<datalist>`` (``html``) and the label each row's id is shown as (``label``)."""

    def __init__(self, list_id: str, entries: Iterable[tuple[Any, str]]) -> None:
        self.id = list_id
        self._labels = {str(pk): label for pk, label in entries}
        options = "".join(f'<option value="{escape(label)}">' for label in self._labels.values())
        self.html: SafeString = mark_safe(  # noqa: S308 (every label escaped above)
            f'<datalist id="{escape(list_id)}">{options}</datalist>'
        )

    def __len__(self) -> int:
        return len(self._labels)

    def label(self, pk: Any) -> str:
        """The text an input shows for this row id ('' when it is not in the list)."""
        return self._labels.get(str(pk), "") if pk not in (None, "") else ""
