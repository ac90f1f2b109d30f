"""Enums of the API."""

from __future__ import annotations

from enum import Enum

import strawberry

__all__ = [
    "ActivityType",
    "AlertKind",
    "CampaignStatus",
    "ChangeOp",
    "Channel",
    "EntityType",
    "FilterOp",
    "LeadStatus",
    "OpportunityStage",
    "Priority",
    "ProjectStatus",
    "Role",
    "SegmentField",
    "TicketStatus",
]

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


@strawberry.enum
class OpportunityStage(Enum):
    PROSPECTING = "PROSPECTING"
    QUALIFICATION = "QUALIFICATION"
    PROPOSAL = "PROPOSAL"
    NEGOTIATION = "NEGOTIATION"
    CLOSED_WON = "CLOSED_WON"
    CLOSED_LOST = "CLOSED_LOST"


@strawberry.enum
class AlertKind(Enum):
    STALE = "STALE"
    CLOSE_DATE_PASSED = "CLOSE_DATE_PASSED"
    NEXT_STEP_OVERDUE = "NEXT_STEP_OVERDUE"
    NO_DECISION_MAKER = "NO_DECISION_MAKER"
    SINGLE_THREADED = "SINGLE_THREADED"
    STAGE_REGRESSION = "STAGE_REGRESSION"


@strawberry.enum
class ActivityType(Enum):
    CALL = "CALL"
    MEETING = "MEETING"
    VISIT = "VISIT"
    EMAIL = "EMAIL"
    NOTE = "NOTE"
    RESEARCH = "RESEARCH"
    TASK = "TASK"


@strawberry.enum
class LeadStatus(Enum):
    NEW = "NEW"
    WORKING = "WORKING"
    QUALIFIED = "QUALIFIED"
    DISQUALIFIED = "DISQUALIFIED"
    CONVERTED = "CONVERTED"


@strawberry.enum
class Channel(Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PHONE = "PHONE"
    POST = "POST"


@strawberry.enum(description="PLANNED -> ACTIVE -> COMPLETED; PLANNED or ACTIVE -> CANCELLED. Other steps: CONFLICT.")
class CampaignStatus(Enum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@strawberry.enum
class ProjectStatus(Enum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    ON_HOLD = "ON_HOLD"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@strawberry.enum
class Priority(Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


@strawberry.enum
class TicketStatus(Enum):
    OPEN = "OPEN"
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


@strawberry.enum(description="Which operators each field accepts: README, Segments.")
class FilterOp(Enum):
    EQ = "EQ"
    NEQ = "NEQ"
    IN = "IN"
    CONTAINS = "CONTAINS"
    GT = "GT"
    GTE = "GTE"
    LT = "LT"
    LTE = "LTE"
    EXISTS = "EXISTS"
    WITHIN_DAYS = "WITHIN_DAYS"


@strawberry.enum
class SegmentField(Enum):
    CITY = "CITY"
    COUNTRY = "COUNTRY"
    TAGS = "TAGS"
    SOURCE = "SOURCE"
    CREATED_AT = "CREATED_AT"
    ORDER_COUNT = "ORDER_COUNT"
    TOTAL_SPENT = "TOTAL_SPENT"
    LAST_ORDER_AT = "LAST_ORDER_AT"
    EMAIL_DOMAIN = "EMAIL_DOMAIN"
