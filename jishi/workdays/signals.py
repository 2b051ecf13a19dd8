"""Signals the workdays app sends.

``calendar_changed`` is sent after the transaction that changed the calendar commits, with
``years: set[int]`` naming the years whose working days (or known status) may have changed.
Receivers (the cases app) recompute open deadlines in those years, above all the estimated
ones. Receivers take ``sender, years, **kwargs``; ``get_calendar()`` already returns the new
calendar when they run.
"""

from __future__ import annotations

from django.dispatch import Signal

calendar_changed = Signal()
