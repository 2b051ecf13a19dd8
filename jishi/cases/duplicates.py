"""Duplicates on intake: open cases that say the same thing about the same place.

A new message is compared with the open cases of the last 30 days in the same township (or,
when both sides carry coordinates, within :data:`RADIUS_M` metres), by the text similarity
of :mod:`jishi.routing.duplicates`.

Speed: the candidate set comes from one indexed query (``case_township_state``; state open,
accepted in the window, newest :data:`CANDIDATE_CAP`); each case's features are cached per
process by its id.

The threshold (:data:`THRESHOLD`) was chosen on the public ``hot_messages.csv`` set; see
``bench/duplicates.py --calibrate`` for the procedure and the figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import FloatField, Q
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.cases.models import OPEN_STATES, Case, State
from jishi.cases.selectors import cases_visible_to
from jishi.common import clock
from jishi.orgs.models import Unit
from jishi.routing import text as pipeline
from jishi.routing.duplicates import TEXT_CHARS, distance_m, text_similarity

WINDOW_DAYS = 30
CANDIDATE_CAP = 500
RADIUS_M = 500.0
# Mean of the character-bigram and word cosines at or above which a case is shown as a
# likely duplicate. Chosen on hot_messages.csv (bench/duplicates.py): six groups of
# messages from many citizens about one matter (one compound's bundled parking spaces, one
# lending fraud …) against 4,168 unrelated messages. From 0.20 up no lookup among 500
# unrelated messages raised a false alarm (0.175: 4.9 %, 0.15: 8.1 %); 0.25 keeps a margin
# above that edge and still passes 40 % of same-matter pairs (50 % at 0.225). The pairs
# missed are mostly different grievances about the same compound, which a dispatcher would
# not merge anyway. A short paraphrase of one report ("东街路灯不亮" / "文化广场路灯坏了")
# scores about 0.33.
THRESHOLD = 0.25
# A shared village, or a location within NEAR_M metres, is evidence too; it lowers the bar
# by this much (never below the floor: the text must still be about the same thing).
PLACE_BONUS = 0.05
NEAR_M = 150.0


@dataclass(frozen=True)
class Match:
    case: Case
    score: float
    reasons: list[str] = field(default_factory=list)


def _pk(value: Unit | Case | int | None) -> int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else value.pk


def _float(value: Decimal | float | str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class _Candidate:
    pk: int
    title: str
    head: str  # the first TEXT_CHARS characters of the text: all the features look at
    township_id: int | None
    village_id: int | None
    latitude: float | None
    longitude: float | None
    recency: int  # 0 = the newest candidate


def _candidates(
    *,
    township_id: int | None,
    village_id: int | None,
    lat: float | None,
    lon: float | None,
    exclude: Iterable[int],
    since: datetime,
    same_township_only: bool,
) -> list[_Candidate]:
    """The open cases to compare with, newest first, as plain tuples: building 500 model
    instances, and fetching whole texts of which only the start is used, cost more than
    the comparison itself."""
    place = Q()
    if township_id is not None:
        place |= Q(township_id=township_id)
    elif village_id is not None:
        place |= Q(village_id=village_id)
    if lat is not None and lon is not None and not same_township_only:
        # A bounding box (cheap, and a superset of the circle); the exact distance is
        # checked in Python on the few rows that come back.
        dlat = RADIUS_M / 111_320.0
        dlon = RADIUS_M / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
        place |= Q(
            latitude__gte=lat - dlat,
            latitude__lte=lat + dlat,
            longitude__gte=lon - dlon,
            longitude__lte=lon + dlon,
        )
    if not place:
        return []
    qs = (
        Case.objects.filter(place, state__in=OPEN_STATES, accepted_at__gte=since)
        .exclude(pk__in=list(exclude))
        .order_by("-accepted_at", "-id")
    )
    # Only what the comparison needs, and no column whose conversion costs more than it
    # tells: aware datetimes and Decimals for 500 rows take longer than the query (the
    # order of the rows already says which is newer); coordinates only when the new
    # message has some, and then as floats.
    columns: list[Any] = ["id", "title", Substr("text", 1, TEXT_CHARS), "township_id", "village_id"]
    with_coords = lat is not None and lon is not None
    if with_coords:
        columns += [Cast("latitude", FloatField()), Cast("longitude", FloatField())]
    found = []
    for rank, row in enumerate(qs.values_list(*columns)[:CANDIDATE_CAP]):
        la, lo = (row[5], row[6]) if with_coords else (None, None)
        found.append(_Candidate(row[0], row[1], row[2] or "", row[3], row[4], la, lo, rank))
    return found


def similar_open_cases(
    *,
    title: str,
    text: str,
    township: Unit | int | None = None,
    village: Unit | int | None = None,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    exclude: Case | int | Iterable[Case | int] | None = None,
    limit: int = 5,
    threshold: float = THRESHOLD,
    same_township_only: bool = False,
) -> list[Match]:
    """Open cases of the last 30 days that are probably the same report, best first.

    Candidates are in the same township (or village, when no township is given) or, when
    coordinates are given, within :data:`RADIUS_M` metres. With no place at all nothing is
    returned: the same words about different places are different problems.
    ``same_township_only`` drops the coordinate route (used for what citizens may see).
    """
    if not (title or "").strip() and not (text or "").strip():
        return []
    if exclude is None:
        excluded: list[int] = []
    elif isinstance(exclude, Case | int):
        excluded = [_pk(exclude) or 0]
    else:
        excluded = [_pk(e) or 0 for e in exclude]
    township_id, village_id = _pk(township), _pk(village)
    lat, lon = _float(latitude), _float(longitude)
    since = clock.now() - timedelta(days=WINDOW_DAYS)
    cands = _candidates(
        township_id=township_id,
        village_id=village_id,
        lat=lat,
        lon=lon,
        exclude=excluded,
        since=since,
        same_township_only=same_township_only,
    )
    if not cands:
        return []

    distances: list[float | None] = []
    kept: list[_Candidate] = []
    for cand in cands:
        d = None
        if (
            lat is not None
            and lon is not None
            and cand.latitude is not None
            and cand.longitude is not None
        ):
            d = distance_m(lat, lon, cand.latitude, cand.longitude)
        same_place = township_id is not None and cand.township_id == township_id
        if not same_place and village_id is not None and cand.village_id == village_id:
            same_place = True
        # Reached through the bounding box only: keep it when really within the radius.
        if not same_place and (d is None or d > RADIUS_M):
            continue
        kept.append(cand)
        distances.append(d)
    if not kept:
        return []

    sims = text_similarity(
        (title or "", text or ""),
        [(c.title, c.head) for c in kept],
        keys=[c.pk for c in kept],
    )
    scored: list[tuple[float, _Candidate, list[str]]] = []
    for cand, sim, d in zip(kept, sims, distances, strict=True):
        sim = float(sim)
        bonus = 0.0
        reasons = [_("内容相似度 %(percent)d%%") % {"percent": round(sim * 100)}]
        if village_id is not None and cand.village_id == village_id:
            reasons.append(_("同一村(社区)"))
            bonus = PLACE_BONUS
        elif township_id is not None and cand.township_id == township_id:
            reasons.append(_("同一乡镇"))
        if d is not None:
            reasons.append(_("相距约 %(metres)d 米") % {"metres": round(d)})
            if d <= NEAR_M:
                bonus = PLACE_BONUS
        score = min(1.0, sim + bonus)
        if score >= threshold:
            scored.append((round(score, 4), cand, reasons))
    scored.sort(key=lambda x: (-x[0], x[1].recency))
    scored = scored[:limit]
    if not scored:
        return []
    # Whole cases only for the few that are shown.
    cases = Case.objects.select_related("township", "village").in_bulk([c.pk for _, c, _ in scored])
    return [
        Match(case=cases[c.pk], score=score, reasons=reasons)
        for score, c, reasons in scored
        if c.pk in cases
    ]


@dataclass(frozen=True)
class PublicHint:
    """What a citizen may see of another citizen's open case: nothing that identifies
    them, nothing internal."""

    code: str
    title: str
    status: str
    accepted_on: date


def public_duplicate_hints(
    *,
    title: str,
    text: str,
    township: Unit | int | None,
    village: Unit | int | None = None,
    limit: int = 3,
) -> list[PublicHint]:
    """Hints for the citizen submitting a message: "already reported — follow it instead?"

    Only cases of the same township, never through coordinates (which would cross
    township lines), and only the tracking code, the title with numbers masked, the
    public status and the acceptance date. Without a township there are no hints.
    """
    if township is None:
        return []
    matches = similar_open_cases(
        title=title,
        text=text,
        township=township,
        village=village,
        limit=limit,
        same_township_only=True,
    )
    township_id = _pk(township)
    return [
        PublicHint(
            code=m.case.code,
            title=pipeline.normalize(m.case.title),
            status=str(State(m.case.state).label),
            accepted_on=timezone.localdate(m.case.accepted_at),
        )
        for m in matches
        if m.case.township_id == township_id
    ]


def duplicates_for(user: Any, case: Case, *, limit: int = 5) -> list[Match]:
    """For staff looking at ``case``: likely duplicates among the cases this user may see
    (a merge needs both cases in view). Through :func:`cases_visible_to`, so a township
    handler is never shown a neighbour's case found through coordinates."""
    matches = similar_open_cases(
        title=case.title,
        text=case.text,
        township=case.township_id,
        village=case.village_id,
        latitude=case.latitude,
        longitude=case.longitude,
        exclude=case.pk,
        limit=limit * 2,
    )
    if not matches:
        return []
    visible = set(
        cases_visible_to(user)
        .filter(pk__in=[m.case.pk for m in matches])
        .values_list("pk", flat=True)
    )
    return [m for m in matches if m.case.pk in visible][:limit]
