"""Types of the [field] section: projects and documents (served by compiled reads only)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.compiler import page_key
from schema.compiled import compiled
from schema.enums import ProjectStatus
from schema.types.common import Connection, Node, Row
from schema.types.core import Company, Person, User
from schema.types.service import Ticket

if TYPE_CHECKING:
    from schema.types.sales import Activity, Opportunity


@strawberry.enum
class TranscriptStatus(Enum):
    NONE = strawberry.enum_value("NONE", description="not audio, or no speech-to-text engine configured")
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"


def _row(obj: object) -> Row:
    row = compiled(obj)
    assert row is not None, "projects and documents are read by compiled statements"
    return row


@strawberry.type(
    description="A customer project (an installation, a roll-out) that visits, tickets, opportunities and "
    "documents belong to."
)
class Project(Node):
    id: strawberry.ID
    name: str
    status: ProjectStatus
    company: Company
    contact: Person | None = strawberry.field(description="The customer's lead contact for the project.")
    owner: User | None
    starts_on: date | None
    ends_on: date | None
    opportunity: Annotated[Opportunity, strawberry.lazy("schema.types.sales")] | None
    created_at: datetime

    @strawberry.field
    def tickets(self, first: int | None = 50, after: str | None = None) -> Connection[Ticket]:
        return _row(self)[page_key("tickets", first, after)]  # type: ignore[no-any-return]

    @strawberry.field
    def documents(self, first: int | None = 50, after: str | None = None) -> Connection[Document]:
        return _row(self)[page_key("documents", first, after)]  # type: ignore[no-any-return]

    @strawberry.field(description="Visit reports, calls and notes about the project, newest first.")
    def timeline(
        self, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.types.sales")]]:
        return _row(self)[page_key("timeline", first, after)]  # type: ignore[no-any-return]


@strawberry.type(
    description="A file kept for a project, ticket, company or activity: service reports, photos, offers, voice "
    "notes. Uploaded with POST /documents (multipart, bearer token); the bytes never travel through GraphQL."
)
class Document(Node):
    id: strawberry.ID
    name: str
    content_type: str = strawberry.field(description="Told by the content, not by the file name.")
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: User | None
    download_path: str = strawberry.field(
        description="GET it with the same bearer token; answers 404 to whoever may not see the document."
    )
    project: Project | None
    ticket: Ticket | None
    company: Company | None
    activity: Annotated[Activity, strawberry.lazy("schema.types.sales")] | None
    transcript_status: TranscriptStatus
    transcript: str | None = strawberry.field(description="Speech-to-text of an audio document.")
