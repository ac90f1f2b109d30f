"""Input checks shared by the use cases; each failure is a BadInput naming the field."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from config.settings import get_settings
from domain.errors import BadInput

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# Input limits (README "Input limits"); every write checks its input against these before it writes.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200  # dates and times (times in UTC)
MAX_AMOUNT = Decimal("999999999999.99")  # money: 0 <= amount < 10^12, at most 2 decimals
AMOUNT_PLACES = 2
MAX_ITEMS = {"tags": 20, "phones": 10, "externalIds": 10, "personIds": 50, "documentIds": 20}
MAX_TAG_LEN = 50
# Characters that show nothing: controls, format characters (zero-width space, joiners, BOM, ...), separators.
INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
LINE_BREAKS = frozenset("\t\n\r")


def text(value: str | None, field: str, *, required: bool = False, max_len: int = 500) -> str | None:
    """Trimmed text or None; no control characters but tab and line breaks; only invisible characters count as empty."""
    if value is None:
        if required:
            raise BadInput(f"{field} is required", field=field)
        return None
    value = value.strip()
    if len(value) > max_len:
        raise BadInput(f"{field} is longer than {max_len} characters", field=field)
    categories = [unicodedata.category(ch) for ch in value]
    if any((c == "Cc" and ch not in LINE_BREAKS) or c == "Cs" for ch, c in zip(value, categories, strict=True)):
        raise BadInput(f"{field} contains control characters", field=field)
    if all(c in INVISIBLE for c in categories):
        if required:
            raise BadInput(f"{field} must not be empty", field=field)
        return None
    return value


def items(values: list[Any] | None, field: str) -> list[Any] | None:
    """A list input within its size limit (MAX_ITEMS)."""
    limit = MAX_ITEMS[field]
    if values is not None and len(values) > limit:
        raise BadInput(f"{field}: at most {limit} items", field=field)
    return values


def moment(value: datetime, field: str = "") -> datetime:
    """A point in time within EARLIEST_YEAR..LATEST_YEAR, as an aware UTC datetime (naive means UTC; Neo4j
    takes no offsets with seconds, which ISO 8601 allows)."""
    when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        utc = when.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise BadInput(f"{field or 'a time'} must lie in the years {EARLIEST_YEAR}..{LATEST_YEAR}", field=field)
    return utc


def day(value: date, field: str = "") -> date:
    """A calendar date within EARLIEST_YEAR..LATEST_YEAR."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise BadInput(f"{field or 'a date'} must lie in the years {EARLIEST_YEAR}..{LATEST_YEAR}", field=field)
    return value


def money(value: Any, field: str = "amount") -> str:
    """An amount of money as a string with two decimals: 0 <= amount <= MAX_AMOUNT, at most two decimals given."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise BadInput(f"{field} is not a number", field=field) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise BadInput(f"{field} must be a number from 0 to {MAX_AMOUNT}", field=field)
    cents = amount.quantize(Decimal("0.01"))
    if cents != amount:
        raise BadInput(f"{field} has more than {AMOUNT_PLACES} decimals", field=field)
    return str(cents.copy_abs())


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
    items(values, "phones")
    out: list[str] = []
    for value in values:
        normalised = phone(value, field)
        if normalised not in out:
            out.append(normalised)
    return out


def tags(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    items(values, "tags")
    out: list[str] = []
    for value in values:
        tag = text(value, "tags", required=True, max_len=MAX_TAG_LEN)
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
    items(values, "externalIds")
    for item in values or []:
        system = text(item.get("system"), "externalIds.system", required=True, max_len=100)
        value = text(item.get("value"), "externalIds.value", required=True, max_len=200)
        pair = {"system": str(system), "value": str(value)}
        if pair in out:
            raise BadInput("externalIds lists the same id twice", field="externalIds")
        out.append(pair)
    return out
