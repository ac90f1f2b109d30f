"""Enums of the API."""

from __future__ import annotations

from enum import Enum

import strawberry

__all__ = ["ChangeOp", "EntityType", "Role"]

from domain.auth import Role

strawberry.enum(Role, name="Role")


@strawberry.enum
class EntityType(Enum):
    USER = "USER"
    COMPANY = "COMPANY"
    UNIT = "UNIT"
    PERSON = "PERSON"
    OPPORTUNITY = "OPPORTUNITY"
    LEAD = "LEAD"
    ACTIVITY = "ACTIVITY"
    CAMPAIGN = "CAMPAIGN"
    MAILING = "MAILING"
    SEGMENT = "SEGMENT"
    EVENT = "EVENT"
    ORDER = "ORDER"
    TICKET = "TICKET"
    WEBHOOK = "WEBHOOK"
    PROJECT = "PROJECT"
    DOCUMENT = "DOCUMENT"


@strawberry.enum
class ChangeOp(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
