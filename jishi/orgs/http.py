"""The request of a signed-in member of staff (a view behind ``login_required``)."""

from __future__ import annotations

from jishi.common.http import HtmxRequest
from jishi.orgs.models import User


class StaffRequest(HtmxRequest):
    """``request.user`` is a ``User``, never anonymous: ``login_required`` turned the anonymous
    away before the view runs."""

    user: User
