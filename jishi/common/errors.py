"""Errors raised by services; views and the API turn them into clear messages.

Messages are Chinese by default (the UI's language); ``code`` is stable for programs and
``status`` is the HTTP status an error that no view handles gets from
``jishi.common.middleware.ErrorMiddleware`` (the one place errors become responses).
"""

from __future__ import annotations


class JishiError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(JishiError):
    """The object does not exist *or* the user may not see it (we never say which)."""

    code = "not_found"
    status = 404


class PermissionDenied(JishiError):
    """The user may see the object but not take this action."""

    code = "permission_denied"
    status = 403


class InvalidTransition(JishiError):
    """The action is not allowed from the case's current state."""

    code = "invalid_transition"
    status = 409


class Conflict(JishiError):
    """Someone else changed the object since the user looked at it."""

    code = "conflict"
    status = 409


class InvalidInput(JishiError):
    """Input that fails validation; ``errors`` maps field names to messages."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class TooLarge(JishiError):
    """The request is larger than the site accepts (the upload cap)."""

    code = "too_large"
    status = 413
