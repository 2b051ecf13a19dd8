"""The bulletin's sections, each contributed by a source.

A source is a function from the bulletin's period to a ``Section`` (or None when it has
nothing to say). The ledger's sources are registered in ``bulletin``; an app that lands later
(projects' red lights, accountability records, outreach talks) registers its own from its
``AppConfig.ready`` without reports knowing it::

    from jishi.reports.sources import Source, register
    register(Source("projects", "红灯项目", 65, projects_section))

A section is plain data (JSON), so an issued bulletin is frozen as data and rendered the same
way to HTML, PDF and XLSX. A cell is ``{"t": text, "h": link}``; every number in a section
should carry the link to the rows behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Cell = dict[str, str]


def cell(text: Any, href: str = "") -> Cell:
    return {"t": "—" if text is None else str(text), "h": href}


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    svg: str = ""  # a chart drawn on the server (no script), safe markup made by us
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "paragraphs": self.paragraphs,
            "columns": self.columns,
            "rows": self.rows,
            "svg": self.svg,
            "note": self.note,
        }


@dataclass(frozen=True)
class Context:
    """What every source is given: the period (a ``selectors.DateRange``) and the next
    steps the supervision office wrote."""

    dates: Any
    next_steps: str = ""


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    order: int
    build: Callable[[Context], Section | None]


_REGISTRY: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add (or replace) a source; sections appear in ``order``."""
    _REGISTRY[source.key] = source


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def registered() -> list[Source]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))
