"""Resolvers of the [field] section: projects and documents (reads compiled from the selection)."""

from __future__ import annotations

from typing import Any, cast

import strawberry

from domain import documents, projects, reads
from domain.errors import NotFound
from graph.compiler import Sel
from schema.compiled import selection
from schema.context import Info
from schema.enums import ProjectStatus
from schema.inputs.projects import CreateProjectInput, UpdateProjectInput
from schema.types.common import Connection, plain
from schema.types.projects import Document, Project


async def _read(info: Info, type_name: str, node_id: str, sub: list[Sel] | None = None) -> Any:
    return await reads.node(
        info.context.deps, info.context.who, type_name, node_id, selection(info) if sub is None else sub
    )


async def project(info: Info, id: strawberry.ID) -> Project | None:
    return cast(Project | None, await _read(info, "Project", id))


async def projects_(
    info: Info,
    first: int | None = 50,
    after: str | None = None,
    company_id: strawberry.ID | None = None,
    status: ProjectStatus | None = None,
) -> Connection[Project]:
    flt = {"companyId": company_id, "status": status.value if status else None}
    page = await reads.projects(info.context.deps, info.context.who, selection(info), first, after, flt)
    return cast(Connection[Project], page)


async def document(info: Info, id: strawberry.ID) -> Document | None:
    return cast(Document | None, await _read(info, "Document", id))


async def _answer(info: Info, type_name: str, node_id: str) -> Any:
    found = await _read(info, type_name, node_id)
    if found is None:  # deleted right after the write
        raise NotFound(f"no {type_name.lower()} {node_id!r}")
    return found


async def create_project(info: Info, input: CreateProjectInput) -> Project:
    project_id = await projects.create(info.context.deps, info.context.who, plain(input))
    return cast(Project, await _answer(info, "Project", project_id))


async def update_project(info: Info, id: strawberry.ID, input: UpdateProjectInput) -> Project:
    await projects.update(info.context.deps, info.context.who, id, plain(input))
    return cast(Project, await _answer(info, "Project", id))


async def attach_document(
    info: Info,
    document_id: strawberry.ID,
    project_id: strawberry.ID | None = None,
    ticket_id: strawberry.ID | None = None,
    company_id: strawberry.ID | None = None,
    activity_id: strawberry.ID | None = None,
) -> Document:
    targets = {"projectId": project_id, "ticketId": ticket_id, "companyId": company_id, "activityId": activity_id}
    await documents.attach(info.context.deps, info.context.who, document_id, targets)
    return cast(Document, await _answer(info, "Document", document_id))


async def delete_document(info: Info, id: strawberry.ID) -> strawberry.ID:
    await documents.delete(info.context.deps, info.context.who, id)
    return id
