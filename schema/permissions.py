"""Permission classes put on fields."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from domain.auth import ADMIN_ONLY, FEED_ROLES
from schema.context import Info


class IsAuthenticated(BasePermission):
    message = "sign in: send Authorization: Bearer <token or API key>"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        _ = info.context.who  # raises the precise Unauthenticated error
        return True


class IsAdmin(BasePermission):
    message = "only an ADMIN may do this"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.who.allows(ADMIN_ONLY)


class IsAdminOrIntegration(BasePermission):
    message = "only ADMIN and INTEGRATION may subscribe to every change"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.who.allows(FEED_ROLES)


AUTHED: list[type[BasePermission]] = [IsAuthenticated]
ADMIN: list[type[BasePermission]] = [IsAuthenticated, IsAdmin]
