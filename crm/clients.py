"""The client's address: the TCP peer, or what a trusted proxy says in X-Forwarded-For."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Parses CRM_TRUSTED_PROXIES entries (IPs or CIDRs); a bad entry is a configuration error."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str | None:
    """The peer, unless the peer is a trusted proxy: then the right-most X-Forwarded-For entry that is no trusted
    proxy (entries further left were written by the client itself and prove nothing)."""
    if peer is None or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop[:64]
    return hops[0] if hops else peer
