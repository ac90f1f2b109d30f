"""vCard 4.0 (RFC 6350): one person written as a card, and cards (4.0, 3.0, and 2.1 without encodings) read back.

The writer escapes text (backslash, comma, semicolon, line breaks), folds lines at 75 octets without splitting a
UTF-8 character and ends lines with CRLF. The parser unfolds, accepts property groups (`item1.EMAIL`) and parameters,
and returns the fields a person has; anything else on a card is ignored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CRLF = "\r\n"
_UNFOLD = re.compile(r"\r?\n[ \t]")


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on lines starting with a space (never inside a UTF-8 sequence)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    current = ""
    size = 0
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with one space
        current += ch
        size += width
    parts.append(current)
    return (CRLF + " ").join(parts)


def _uid(person_id: str) -> str:
    _, _, rest = person_id.partition("_")
    try:
        return "urn:uuid:" + str(uuid.UUID(hex=rest))
    except ValueError:
        return "urn:x-graph-crm:" + person_id


def _stamp(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")


def write(person: Mapping[str, Any]) -> str:
    """One person row (id, firstName, lastName, fullName, email, phones, jobTitle, company, city, country,
    location {lat, lon}, tags, updatedAt in epoch ms) as a vCard 4.0 text ending in CRLF."""
    last, first = person.get("lastName") or "", person.get("firstName") or ""
    full = person.get("fullName") or f"{first} {last}".strip() or str(person["id"])
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:{_uid(str(person['id']))}", "KIND:individual"]
    lines.append("FN:" + _escape(full))
    lines.append(f"N:{_escape(last)};{_escape(first)};;;")
    if person.get("company"):
        lines.append("ORG:" + _escape(str(person["company"])))
    if person.get("jobTitle"):
        lines.append("TITLE:" + _escape(str(person["jobTitle"])))
    if person.get("email"):
        lines.append("EMAIL;TYPE=work;PREF=1:" + _escape(str(person["email"])))
    for index, phone in enumerate(person.get("phones") or []):
        pref = ";PREF=1" if index == 0 else ""
        lines.append(f"TEL;VALUE=uri;TYPE=voice{pref}:tel:{phone}")
    if person.get("city") or person.get("country"):
        lines.append(f"ADR;TYPE=work:;;;{_escape(person.get('city') or '')};;;{_escape(person.get('country') or '')}")
    location = person.get("location")
    if location:
        lines.append(f"GEO:geo:{float(location['lat']):.6f},{float(location['lon']):.6f}")
    if person.get("tags"):
        lines.append("CATEGORIES:" + ",".join(_escape(str(tag)) for tag in person["tags"]))
    rev = _stamp(person.get("updatedAt"))
    if rev:
        lines.append("REV:" + rev)
    lines.append("END:VCARD")
    return "".join(_fold(line) + CRLF for line in lines)


# ---- reading


@dataclass
class Card:
    """What a card says about a person (texts still unvalidated)."""

    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organisation: str | None = None
    job_title: str | None = None
    city: str | None = None
    country: str | None = None
    tags: list[str] = field(default_factory=list)
    uid: str | None = None


class VCardError(ValueError):
    """The text is no sequence of BEGIN:VCARD ... END:VCARD blocks."""


def _split(value: str, sep: str) -> list[str]:
    """Splits at unescaped `sep` and unescapes each part."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            current.append("\n" if nxt in "nN" else nxt)
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    return _split(value, "\x00")[0]


def _property(line: str) -> tuple[str, dict[str, list[str]], str]:
    """NAME;PARAM=a,b;PARAM2="x":value -> (NAME without group, params in upper case, raw value)."""
    head, colon, value = _colon_split(line)
    if not colon:
        raise VCardError(f"a content line without a colon: {line[:60]!r}")
    items = _param_split(head)
    name = items[0].rsplit(".", 1)[-1].upper()
    params: dict[str, list[str]] = {}
    for item in items[1:]:
        key, eq, val = item.partition("=")
        if not eq:  # vCard 2.1: ;WORK;PREF
            params.setdefault("TYPE", []).append(key.lower())
            continue
        params.setdefault(key.upper(), []).extend(v.strip('"').lower() for v in val.split(","))
    return name, params, value


def _colon_split(line: str) -> tuple[str, str, str]:
    quoted = False
    for index, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:index], ":", line[index + 1 :]
    return line, "", ""


def _param_split(head: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in head:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _preferred(params: dict[str, list[str]]) -> bool:
    return "pref" in params.get("TYPE", []) or params.get("PREF", ["100"])[0] == "1"


def _blocks(text: str) -> Iterator[list[str]]:
    lines = [line for line in _UNFOLD.sub("", text).splitlines() if line.strip()]
    block: list[str] | None = None
    for line in lines:
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if block is not None:
                raise VCardError("BEGIN:VCARD inside a card")
            block = []
        elif upper == "END:VCARD":
            if block is None:
                raise VCardError("END:VCARD without BEGIN:VCARD")
            yield block
            block = None
        elif block is None:
            raise VCardError(f"text outside a card: {line[:60]!r}")
        else:
            block.append(line)
    if block is not None:
        raise VCardError("a card without END:VCARD")


def parse(text: str) -> list[Card]:
    """Every card of the text, in order."""
    cards = []
    for block in _blocks(text):
        card = Card()
        preferred_email: str | None = None
        for line in block:
            name, params, raw = _property(line)
            if "ENCODING" in params:
                raise VCardError(f"{name}: encoded values (vCard 2.1 quoted-printable/base64) are not read")
            if name == "N":
                parts = [*_split(raw, ";"), "", ""]
                card.last_name, card.first_name = parts[0].strip() or None, parts[1].strip() or None
            elif name == "FN":
                card.full_name = _unescape(raw).strip() or None
            elif name == "EMAIL":
                email = _unescape(raw).strip()
                if email.lower().startswith("mailto:"):
                    email = email[7:]
                if email:
                    card.emails.append(email)
                    if _preferred(params) and preferred_email is None:
                        preferred_email = email
            elif name == "TEL":
                phone = _unescape(raw).strip()
                if phone.lower().startswith("tel:"):
                    phone = phone[4:]
                if phone:
                    card.phones.append(phone)
            elif name == "ORG":
                card.organisation = _split(raw, ";")[0].strip() or None
            elif name == "TITLE":
                card.job_title = _unescape(raw).strip() or None
            elif name == "ADR" and card.city is None and card.country is None:
                parts = [*_split(raw, ";"), "", "", "", "", "", "", ""]
                card.city, card.country = parts[3].strip() or None, parts[6].strip() or None
            elif name == "CATEGORIES":
                card.tags.extend(tag.strip() for tag in _split(raw, ",") if tag.strip())
            elif name == "UID":
                card.uid = _unescape(raw).strip() or None
        if preferred_email is not None:
            card.emails.remove(preferred_email)
            card.emails.insert(0, preferred_email)
        cards.append(card)
    return cards
