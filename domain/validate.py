"""Input checks shared by the use cases; each failure is a BadInput naming the field."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers

from config.settings import get_settings
from domain.errors import BadInput

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def text(value: str | None, field: str, *, required: bool = False, max_len: int = 500) -> str | None:
    if value is None:
        if required:
            raise BadInput(f"{field} is required", field=field)
        return None
    value = value.strip()
    if not value:
        if required:
            raise BadInput(f"{field} must not be empty", field=field)
        return None
    if len(value) > max_len:
        raise BadInput(f"{field} is longer than {max_len} characters", field=field)
    return value


def sort_key(value: str) -> str:
    """How names sort and match: accents folded, case folded ("Ärzte" next to "Arzt", "Straße" = "strasse")."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    return " ".join(folded.casefold().split())


def email(value: str | None, field: str = "email") -> str | None:
    value = text(value, field, max_len=254)
    if value is not None and not EMAIL.match(value):
        raise BadInput(f"{field} is not an email address", field=field)
    return value


def phone(value: str, field: str = "phones", region: str | None = None) -> str:
    """Normalises any notation to E.164 with the phonenumbers library: '030 1234567', '+49 30 1234567',
    '0049-30-123 45 67' and '(030) 123 45 67' are all '+49301234567' (national numbers are read in
    `region`, by default CRM_DEFAULT_REGION, DE)."""
    try:
        parsed = phonenumbers.parse(value.strip(), region or get_settings().default_region)
    except phonenumbers.NumberParseException as exc:
        raise BadInput(f"{field}: {value!r} is not a phone number", field=field) from exc
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_possible_number(parsed) or not E164.match(e164):
        raise BadInput(f"{field}: {value!r} is not a phone number", field=field)
    return e164


def phones(values: list[str] | None, field: str = "phones") -> list[str] | None:
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        normalised = phone(value, field)
        if normalised not in out:
            out.append(normalised)
    return out


def tags(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        tag = text(value, "tags", required=True, max_len=100)
        if tag and tag not in out:
            out.append(tag)
    return out


def geo(value: dict[str, Any] | None, field: str) -> dict[str, float] | None:
    if value is None:
        return None
    lat, lon = float(value["lat"]), float(value["lon"])
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise BadInput(f"{field} is outside the globe (lat -90..90, lon -180..180)", field=field)
    return {"lat": lat, "lon": lon}


def unit_interval(value: float | None, field: str) -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise BadInput(f"{field} must be between 0 and 1", field=field)
    return value


def external_ids(values: list[dict[str, str]] | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in values or []:
        system = text(item.get("system"), "externalIds.system", required=True, max_len=100)
        value = text(item.get("value"), "externalIds.value", required=True, max_len=200)
        pair = {"system": str(system), "value": str(value)}
        if pair in out:
            raise BadInput("externalIds lists the same id twice", field="externalIds")
        out.append(pair)
    return out
