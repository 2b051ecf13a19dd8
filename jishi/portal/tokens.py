"""Signed callback (回访) links, safe to send by SMS.

The token carries the case's id and code, not its version: the same link stays good while
the case waits for the citizen's answer, and whether an answer is still wanted is decided by
the case's state when the link is used, not by the token.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from jishi.cases.models import Case

SALT = "jishi.portal.callback"
MAX_AGE_SECONDS = 30 * 24 * 3600


class BadToken(Exception):
    """The link is malformed, tampered with or expired; ``expired`` tells which."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "bad signature")
        self.expired = expired


def callback_token(case: Case) -> str:
    return signing.dumps({"id": case.pk, "code": case.code}, salt=SALT, compress=False)


def callback_path(case: Case) -> str:
    """The path of the citizen's callback page; prefix it with the site's address for SMS."""
    return reverse("portal:callback", args=[callback_token(case)])


def read_token(token: str) -> tuple[int, str]:
    """The (case id, case code) a token names, or ``BadToken``."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise BadToken(expired=True) from None
    except signing.BadSignature:
        raise BadToken(expired=False) from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise BadToken(expired=False)
    return data["id"], str(data.get("code", ""))


# --- the tracking link on the receipt ------------------------------------------------------

TRACK_SALT = "jishi.portal.track-link"


def track_token(case: Case) -> str:
    """The secret part of the receipt's tracking link. It names the case and proves the
    holder got the receipt, like the PIN printed beside it; it does not expire (the case's
    ledger outlives any session)."""
    return signing.Signer(salt=TRACK_SALT).sign_object({"id": case.pk, "code": case.code})


def track_link_path(case: Case) -> str:
    return reverse("portal:track_link", args=[track_token(case)])


def read_track_token(token: str) -> tuple[int, str]:
    """The (case id, case code) a tracking link names, or ``BadToken``."""
    try:
        data = signing.Signer(salt=TRACK_SALT).unsign_object(token)
    except signing.BadSignature:
        raise BadToken(expired=False) from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise BadToken(expired=False)
    return data["id"], str(data.get("code", ""))
