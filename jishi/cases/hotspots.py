"""The ledger's hotspots: the clustering of :mod:`jishi.routing.hotspots` run over the cases
of a period, stored as :class:`~jishi.cases.models_hotspots.Hotspot` rows, refreshed in the
background when someone looks at stale ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from jishi.cases.models import Case, State
from jishi.cases.models_hotspots import Hotspot
from jishi.common import clock
from jishi.routing.hotspots import MAX_DOCS, Doc, find_hotspots

DEFAULT_DAYS = 30
# Earlier computations are kept this long (to compare), then dropped.
KEEP_COMPUTATIONS = timedelta(days=7)


def docs_from_cases(cases: Iterable[Any]) -> list[Doc]:
    """Cases → documents. Distinct citizens are told apart by the phone's blind index
    (never the phone itself); a case merged into another counts as one more "me too"."""
    return [
        Doc(
            id=c.pk,
            time=c.accepted_at,
            title=c.title,
            text=c.text,
            place=(c.village.name if c.village_id else None)
            or (c.township.name if c.township_id else None),
            likes=0,
            citizen=c.citizen_phone_index or None,
        )
        for c in cases
    ]


def refresh_hotspots(
    *, days: int = DEFAULT_DAYS, top: int = 10, end: datetime | None = None
) -> int:
    """Recompute the hotspots of the ``days`` before ``end`` (now by default) from the
    ledger, with the ``days`` before that as the previous period; replace the stored ones
    of the same period. Returns the number stored."""
    end = end or clock.now()
    start = end - timedelta(days=days)
    before = start - timedelta(days=days)
    fields = ("id", "title", "text", "accepted_at", "township", "village", "citizen_phone_index")

    def period(a: datetime, b: datetime) -> list[Doc]:
        qs = (
            Case.objects.filter(accepted_at__gte=a, accepted_at__lt=b)
            .exclude(state=State.REJECTED)
            .select_related("township", "village")
            .only(*fields, "township__name", "village__name")
            .order_by("-accepted_at")[:MAX_DOCS]
        )
        return docs_from_cases(qs)

    found = find_hotspots(period(start, end), previous=period(before, start), top=top)
    with transaction.atomic():
        Hotspot.objects.filter(period_start=start, period_end=end).delete()
        for rank, h in enumerate(found, 1):
            row = Hotspot.objects.create(
                period_start=start,
                period_end=end,
                rank=rank,
                title=h.title[:80],
                keywords=h.keywords,
                score=h.score,
                size=h.size,
                citizens=h.citizens,
                likes=h.likes,
                growth=h.growth,
                places=h.places,
                first_at=h.first_at,
                last_at=h.last_at,
            )
            row.cases.add(*[int(i) for i in h.doc_ids])
        # Earlier computations are kept a week (to compare), then dropped: an hourly refresh
        # would otherwise grow the table by ten rows an hour for ever.
        Hotspot.objects.filter(period_end__lt=end - KEEP_COMPUTATIONS).delete()
    return len(found)
