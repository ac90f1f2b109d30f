"""One rule for comparing the keys duplicates are looked up by: e-mail addresses and company domains."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalize_email(email: str | None) -> str | None:
    """Trimmed and lower-cased; None or blank stays None."""
    if email is None:
        return None
    value = email.strip().lower()
    return value or None


def normalize_domain(domain: str | None) -> str | None:
    """`https://www.Example.com/` -> `example.com`: lower case, scheme, `www.`, path and trailing dots dropped."""
    if domain is None:
        return None
    value = _SCHEME.sub("", domain.strip().lower())
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    if value.startswith("www."):
        value = value[4:]
    return value or None
