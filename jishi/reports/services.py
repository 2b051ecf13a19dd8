"""Writes of the reports app: a bulletin generated (its draft), issued and corrected.

Issuing and correcting are for the supervision office (inspector posts). An issued version is
frozen with the SHA-256 of its content; a correction is a new version with a reason."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.orgs.access import has_role
from jishi.orgs.models import Role, User
from jishi.reports import bulletin
from jishi.reports.models import Bulletin, BulletinVersion
from jishi.reports.selectors import DateRange

NEXT_STEPS_MAX = 4000
REASON_MAX = 1000


def may_issue(user: User | AnonymousUser | None) -> bool:
    return user is not None and has_role(user, Role.INSPECTOR)


def _clean(text: str, *, field: str, label: str, limit: int, required: bool) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise InvalidInput(f"请填写{label}", errors={field: [f"请填写{label}"]})
    if len(text) > limit:
        raise InvalidInput(f"{label}过长", errors={field: [f"{label}最多 {limit} 字"]})
    return text


def bulletin_generate(*, actor: User | None, dates: DateRange) -> Bulletin:
    """Compute the draft of the period's bulletin (made if new, recomputed if not). Anyone
    who may open the reports may ask for it; issuing is the supervision office's."""
    with transaction.atomic():
        found = Bulletin.objects.select_for_update().filter(first=dates.first, last=dates.last)
        draft = found.first()
        content = bulletin.build(dates, draft.next_steps if draft else "")
        if draft is None:
            draft = Bulletin.objects.create(
                first=dates.first,
                last=dates.last,
                title=bulletin.title_for(dates),
                content=content,
                generated_at=clock.now(),
                created_by=actor,
            )
        else:
            draft.content, draft.generated_at = content, clock.now()
            draft.save(update_fields=["content", "generated_at"])
    return draft


def _issue(actor: User, draft: Bulletin, next_steps: str, reason: str) -> BulletinVersion:
    dates = DateRange(draft.first, draft.last)
    draft.next_steps = next_steps
    draft.content = bulletin.build(dates, next_steps)
    draft.generated_at = clock.now()
    draft.save(update_fields=["next_steps", "content", "generated_at"])
    number = (draft.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    content = {**draft.content, "version": number, "reason": reason}
    return BulletinVersion.objects.create(
        bulletin=draft,
        number=number,
        content=content,
        sha256=bulletin.content_hash(content),
        reason=reason,
        issued_by=actor,
        issued_at=clock.now(),
    )


def bulletin_issue(*, actor: User, bulletin_id: int, next_steps: str) -> BulletinVersion:
    """Issue the first version: the content computed now, with the next steps, frozen."""
    if not may_issue(actor):
        raise PermissionDenied("只有督查室可以发布通报")
    next_steps = _clean(
        next_steps, field="next_steps", label="下一步工作", limit=NEXT_STEPS_MAX, required=True
    )
    with transaction.atomic():
        draft = Bulletin.objects.select_for_update().get(pk=bulletin_id)
        if draft.versions.exists():
            raise InvalidTransition("通报已发布；如需修改，请发布更正版本")
        return _issue(actor, draft, next_steps, "")


def bulletin_correct(
    *, actor: User, bulletin_id: int, reason: str, next_steps: str | None = None
) -> BulletinVersion:
    """A new version of an issued bulletin, with the reason; the old ones stay as issued."""
    if not may_issue(actor):
        raise PermissionDenied("只有督查室可以更正通报")
    reason = _clean(reason, field="reason", label="更正理由", limit=REASON_MAX, required=True)
    with transaction.atomic():
        draft = Bulletin.objects.select_for_update().get(pk=bulletin_id)
        if not draft.versions.exists():
            raise InvalidTransition("通报尚未发布，不能更正")
        steps = draft.next_steps if next_steps is None else next_steps
        steps = _clean(
            steps, field="next_steps", label="下一步工作", limit=NEXT_STEPS_MAX, required=True
        )
        return _issue(actor, draft, steps, reason)
