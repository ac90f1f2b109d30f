"""Mail templates: Jinja2 in a sandbox (no attribute access to Python internals, no code execution), undefined
names are errors (StrictUndefined), values are HTML-escaped. A template is rendered against a sample person when the
mailing is saved, so a broken one is refused then, not at send time.

Every mail is finished here: links (`href="http..."`) are rewritten to signed click links, an open pixel and a signed
unsubscribe link are appended, and a plain-text part is derived."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from domain.errors import BadInput

ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, auto_reload=False)
HREF = re.compile(r"""href\s*=\s*(["'])(https?://[^"'<>\s]+)\1""", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")
PERSON_FIELDS = ("id", "firstName", "lastName", "fullName", "email", "city", "country")
SAMPLE = {
    "id": "per_sample",
    "firstName": "Sam",
    "lastName": "Sample",
    "fullName": "Sam Sample",
    "email": "sam@example.com",
    "city": "Berlin",
    "country": "DE",
}
MAX_TEMPLATE = 100_000
_cache: dict[str, Any] = {}


def compiled(source: str) -> Any:
    """The compiled template (cached by source: a mailing run compiles its template once)."""
    template = _cache.get(source)
    if template is None:
        if len(_cache) > 256:
            _cache.clear()
        template = _cache[source] = ENV.from_string(source)
    return template


def person_context(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) or "" for key in PERSON_FIELDS}


def render(source: str, person: dict[str, Any], field: str = "bodyTemplate") -> str:
    try:
        template = compiled(source)
    except TemplateError as exc:
        raise BadInput(f"{field}: {exc.message or type(exc).__name__}", field=field) from exc
    return render_compiled(template, person, field)


def render_compiled(template: Any, person: dict[str, Any], field: str = "bodyTemplate") -> str:
    try:
        return str(template.render(person=person))
    except TemplateError as exc:
        raise BadInput(f"{field}: {exc.message or type(exc).__name__}", field=field) from exc


def check(source: str | None, field: str) -> str:
    if source is None or not source.strip():
        raise BadInput(f"{field} must not be empty", field=field)
    if len(source) > MAX_TEMPLATE:
        raise BadInput(f"{field} is longer than {MAX_TEMPLATE} characters", field=field)
    render(source, SAMPLE, field)
    return source


def finish(body: str, click: Callable[[str], str], pixel: str, unsubscribe: str) -> tuple[str, str]:
    """(html, text) of a rendered body: click links rewritten, unsubscribe link and open pixel appended."""
    linked = HREF.sub(lambda m: f"href={m.group(1)}{html.escape(click(html.unescape(m.group(2))))}{m.group(1)}", body)
    footer = (
        f'<p style="font-size:small"><a href="{html.escape(unsubscribe)}">Unsubscribe</a></p>'
        f'<img src="{html.escape(pixel)}" width="1" height="1" alt="">'
    )
    text = html.unescape(TAG.sub("", body)).strip()
    return f"{linked}\n{footer}", f"{text}\n\nUnsubscribe: {unsubscribe}\n"
