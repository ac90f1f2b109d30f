"""Domain errors; each carries the `extensions.code` the API reports."""

from __future__ import annotations


class CrmError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadInput(CrmError):
    code = "BAD_USER_INPUT"


class NotFound(CrmError):
    code = "NOT_FOUND"


class Forbidden(CrmError):
    code = "FORBIDDEN"


class Unauthenticated(CrmError):
    code = "UNAUTHENTICATED"


class Conflict(CrmError):
    code = "CONFLICT"


class RateLimited(CrmError):
    code = "RATE_LIMITED"


class Unavailable(CrmError):
    code = "SERVICE_UNAVAILABLE"
