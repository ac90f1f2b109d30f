"""[field] Fields of types read outside the compiler: a company's projects, an activity's documents."""

from __future__ import annotations

from typing import cast

from strawberry.types.nodes import SelectedField

from domain import reads
from graph.compiler import Sel
from schema.compiled import selection
from schema.context import Info
from schema.enums import ProjectStatus
from schema.types.common import Connection
from schema.types.projects import Document, Project


def _field(info: Info) -> list[Sel]:
    """The current field itself (with its arguments and selection), to read it over its parent's node."""
    return [Sel(f.name, f.arguments, selection(info)) for f in info.selected_fields if isinstance(f, SelectedField)]


async def company_projects(
    info: Info, company_id: str, status: ProjectStatus | None, first: int | None, after: str | None
) -> Connection[Project]:
    """Company.projects of a company that was not read by a compiled statement."""
    flt = {"companyId": company_id, "status": status.value if status else None}
    page = await reads.projects(info.context.deps, info.context.who, selection(info), first, after, flt)
    return cast(Connection[Project], page)


async def activity_documents(info: Info, activity_id: str) -> list[Document]:
    """Activity.documents of an activity that was not read by a compiled statement."""
    found = await reads.node(info.context.deps, info.context.who, "Activity", activity_id, _field(info))
    return cast(list[Document], found[info.python_name] if found else [])
