"""The address a request came from, believing ``X-Forwarded-For`` only from our own proxies.

Anyone can send the header, so it is read only when the request reached us from an address in
``TRUSTED_PROXIES`` (addresses or networks of the reverse proxies in front of the site; none by
default). The header is then read from the right, each proxy having appended the address it
was called from, and the first address that is not one of our proxies is the client's: entries
to its left were written by the client and are not believed.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]


def _is_proxy(address: str, proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_ip(request) -> str | None:
    """The client's address: the connection's, or as forwarded by a chain of trusted proxies."""
    address = request.META.get("REMOTE_ADDR")
    proxies = _networks()
    if not proxies or not _is_proxy(address or "", proxies):
        return address
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbled: keep the last address a proxy of ours vouched for
        address = hop
        if not _is_proxy(hop, proxies):
            break
    return address
