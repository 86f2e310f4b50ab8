"""The client's address behind trusted reverse proxies (DESIGN.md §9), for throttling.

REMOTE_ADDR is the peer of this process. When that peer is one of TRUSTED_PROXIES, the
client is the right-most hop of X-Forwarded-For that is not a trusted proxy: each proxy
appends the peer it saw, so everything left of that hop was written by the client itself
and may be forged. With TRUSTED_PROXIES empty (the default) the header is never read.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# A key for the cache, not a thing to parse: an address is never longer than this.
_MAX_HOP = 64


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _is_trusted(hop: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(hop)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address throttling counts against: the client's, never a trusted proxy's."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    networks = trusted_networks()
    if not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:_MAX_HOP]
    # Every hop is one of ours (or there is no header): the left-most is the farthest seen.
    return hops[0][:_MAX_HOP] if hops else remote
