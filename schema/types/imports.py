"""[b2c] contact imports: jobs, their status and row errors."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain import imports
from domain.errors import BadInput
from domain.pagination import Page, page_args
from schema.context import Info
from schema.selection import wants_total
from schema.types.common import Connection, Node, Row, ms


@strawberry.enum
class ImportStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@strawberry.enum
class ImportMatchKey(Enum):
    EMAIL = "EMAIL"
    EXTERNAL_ID = "EXTERNAL_ID"
    NONE = "NONE"


@strawberry.type
class ImportRowError:
    row: int = strawberry.field(description="The record's number in the file; the header is row 1.")
    message: str


@strawberry.type
class ImportJob(Node):
    id: strawberry.ID
    status: ImportStatus
    total_rows: int | None = strawberry.field(description="Rows in the file, when known")
    processed_count: int
    created_count: int
    updated_count: int
    rejected_count: int
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Row) -> ImportJob:
        return cls(
            id=strawberry.ID(row["id"]),
            status=ImportStatus(row["status"]),
            total_rows=row.get("totalRows"),
            processed_count=int(row.get("processed") or 0),
            created_count=int(row.get("created") or 0),
            updated_count=int(row.get("updated") or 0),
            rejected_count=int(row.get("rejected") or 0),
            started_at=ms(row.get("startedAt")),
            finished_at=ms(row.get("finishedAt")),
        )

    @strawberry.field(description="Rejected rows in file order, each with its number and reason.")
    async def errors(self, info: Info, first: int | None = 100, after: str | None = None) -> Connection[ImportRowError]:
        args = page_args(first, after, with_total=wants_total(info), default=100)
        after_row = 0
        if args.after is not None:
            if len(args.after) != 1 or not isinstance(args.after[0], int):
                raise BadInput("invalid cursor", argument="after")
            after_row = args.after[0]
        rows, total = await imports.errors_page(info.context.deps, self.id, args.first, after_row, args.with_total)
        page = Page(
            rows=rows[: args.first],
            keys=[[r["row"]] for r in rows[: args.first]],
            has_next=len(rows) > args.first,
            has_previous=args.after is not None,
            total=total,
        )
        return Connection[ImportRowError].of(page, lambda r: ImportRowError(row=r["row"], message=r["message"]))
