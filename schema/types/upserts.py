"""Results of synchronisation batches."""

from __future__ import annotations

import strawberry

from schema.types.common import ExternalId, Row


@strawberry.type
class UpsertRowResult:
    index: int
    external_id: ExternalId
    id: strawberry.ID
    created: bool

    @classmethod
    def of(cls, row: Row) -> UpsertRowResult:
        return cls(
            index=row["index"], external_id=ExternalId(**row["externalId"]), id=row["id"], created=row["created"]
        )


@strawberry.type
class UpsertResult:
    created_count: int
    updated_count: int
    results: list[UpsertRowResult]

    @classmethod
    def of(cls, rows: list[Row]) -> UpsertResult:
        created = sum(1 for r in rows if r["created"])
        return cls(
            created_count=created, updated_count=len(rows) - created, results=[UpsertRowResult.of(r) for r in rows]
        )
