"""Sign-in: the form and the lockout after repeated wrong passwords (the locked-out page is
the console's, ``jishi.console.views_shell.locked_out``).

Lockout is django-axes: failures are counted in the database (so every worker shares the
count) per user name and per address, and either locks at ``AXES_FAILURE_LIMIT`` for
``AXES_COOLOFF_TIME``. An admin unlocks at once in the admin (访问尝试, delete the row) or
with ``manage.py axes_reset_username NAME`` / ``axes_reset_ip ADDRESS``.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

USERNAME_MAX = 150


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, for sign-ins that come over HTTP. ``authenticate`` without a request
    (a management command, a test's ``Client.login``) cannot be guessed at from outside and
    is left to the model backend instead of failing."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is forgeable unless a trusted proxy rewrites it,
    # and the deployment's proxy sets REMOTE_ADDR for us.
    return str(request.META.get("REMOTE_ADDR") or "")


class LoginForm(AuthenticationForm):
    """Django's sign-in form, with the user name's length checked before the database
    sees it (Django sets ``max_length`` on the field too late for its validator)."""

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        assert isinstance(username, forms.CharField)
        username.max_length = USERNAME_MAX
        username.validators.append(
            MaxLengthValidator(
                USERNAME_MAX,
                message=_("用户名最多 %(limit_value)d 个字符") % {"limit_value": USERNAME_MAX},
            )
        )
        username.error_messages["required"] = _("请填写用户名")
        self.fields["password"].error_messages["required"] = _("请填写密码")
