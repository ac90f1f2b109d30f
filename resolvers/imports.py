"""[b2c] contact imports: importContacts, importJob, importProgress."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from domain import imports
from schema.context import Info
from schema.types.imports import ImportJob, ImportMatchKey


async def import_contacts(info: Info, csv: str, match_on: ImportMatchKey = ImportMatchKey.EMAIL) -> ImportJob:
    job = await imports.create_from_text(info.context.deps, info.context.who, csv, match_on.value)
    return ImportJob.of(job)


async def import_job(info: Info, id: strawberry.ID) -> ImportJob | None:
    job = await imports.get(info.context.deps, id)
    return ImportJob.of(job) if job else None


async def import_progress(info: Info, job_id: strawberry.ID) -> AsyncGenerator[ImportJob, None]:
    async for job in imports.follow(info.context.deps, job_id):
        yield ImportJob.of(job)
