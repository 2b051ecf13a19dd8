"""Long option lists rendered in Python.

Django renders every ``<option>`` of a ``<select>`` through its own template: about 0.1 ms
each. A county has ~400 units, and the ledger filter, the case page and the dispatcher queue
show several unit pickers per page, so option templates alone cost more than the page's
SQL. :class:`FormRenderer` keeps Django's choice logic (``optgroups``: grouping, selected
values, the empty choice — everything a widget's ``get_context`` decides) and replaces only
the ``select.html``/``select_option.html`` templates with string building that produces the
same markup. Any other template, or a widget with its own option template, goes the normal
way.

Measured against Django's own renderer (``bench/fastpaths.py forms``, same markup): a
dispatcher's case page (about 900 options) is served 2.1–2.5× faster; the 台账, whose unit
pickers are ``ListSelect``, 1.2–1.4×.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    # The rules of django/forms/widgets/attrs.html: False drops, True is a bare name.
    out = []
    for name, value in attrs.items():
        if value is False or value is None:
            continue
        out.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    return "".join(out)


def option_html(value: Any, label: Any, selected: bool) -> str:
    """One ``<option>``; value and label escaped."""
    marker = " selected" if selected else ""
    return f'<option value="{escape(value)}"{marker}>{escape(label)}</option>'


class OptionList:
    """A fixed list of ``<option>`` elements, rendered once and reused for many selects.

    The dispatcher queue shows four unit pickers per row and twenty rows: each select costs
    a string join instead of 400 escapes.
    """

    def __init__(self, choices: Iterable[tuple[Any, Any]]) -> None:
        self._options = [
            (str(value), option_html(value, label, False), option_html(value, label, True))
            for value, label in choices
        ]
        self._plain = mark_safe("".join(o[1] for o in self._options))  # noqa: S308 (escaped)

    def __len__(self) -> int:
        return len(self._options)

    def html(self, selected: Any = None) -> SafeString:
        if selected in (None, ""):
            return self._plain
        chosen = str(selected)
        return mark_safe(  # noqa: S308 (options escaped by option_html)
            "".join(on if value == chosen else off for value, off, on in self._options)
        )


_option_lists: dict[tuple[tuple[Any, str], ...], OptionList] = {}


class ListSelect(forms.Select):
    """A ``<select>`` for long, rarely changing lists (units, villages).

    The choices are still read on every render (from the in-memory unit table, so a renamed
    unit shows within seconds in every process), but their ``<option>`` markup is built once
    per distinct list and reused. Choices must be plain ``(value, label)`` pairs.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = tuple((v, str(label)) for v, label in self.choices)
        options = _option_lists.get(choices)
        if options is None:
            if len(_option_lists) > 64:  # a handful of lists × languages; never unbounded
                _option_lists.clear()
            options = _option_lists[choices] = OptionList(choices)
        selected = self.format_value(value)
        final = self.build_attrs(self.attrs, attrs)
        return mark_safe(  # noqa: S308 (name and attributes escaped, options prebuilt)
            f'<select name="{escape(name)}"{_attrs(final)}>'
            f"{options.html(selected[0] if selected else None)}</select>"
        )


def select_html(widget: dict[str, Any]) -> str | None:
    """``select.html`` rendered from a widget context, or None when an option uses a
    template of its own (then the caller renders the normal way)."""
    parts: list[str] = []
    for group_name, group_choices, _index in widget["optgroups"]:
        inner: list[str] = []
        for option in group_choices:
            if option.get("template_name") != OPTION_TEMPLATE:
                return None
            inner.append(
                f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{escape(option['label'])}</option>"
            )
        if group_name:
            parts.append(f'<optgroup label="{escape(group_name)}">{"".join(inner)}</optgroup>')
        else:
            parts.append("".join(inner))
    opening = f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{opening}{''.join(parts)}</select>"


class FormRenderer(DjangoTemplates):
    """The project's form renderer (``FORM_RENDERER``): selects without per-option templates."""

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        if template_name == SELECT_TEMPLATE:
            html = select_html(context["widget"])
            if html is not None:
                return mark_safe(html)  # noqa: S308 (select_html escapes every part)
        return super().render(template_name, context, request)
