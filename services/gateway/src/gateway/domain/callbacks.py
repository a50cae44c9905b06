"""Which callback addresses the gateway refuses to deliver to.

A subscriber chooses the URL the gateway POSTs to; left unchecked, a caller could make the
gateway reach into the network it runs in (its database, metadata endpoints, admin ports).
So, unless ``GATEWAY_ALLOW_PRIVATE_CALLBACKS`` is set (development and tests), a callback
may not be, or resolve to, a loopback, private, link-local, shared (CGNAT), multicast,
reserved or unspecified address. Checked when subscribing (literal addresses and
``localhost``) and again before every delivery (every address the host name resolves to),
which then connects to the addresses checked (:func:`gateway.adapters.webhooks.pinned`).
"""

import ipaddress

LOCAL_NAMES = ("localhost", "localhost.localdomain")


def internal_address(address: str) -> bool:
    """Whether ``address`` (an IP literal) is not a public address of the internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def internal_name(host: str) -> bool:
    """A host name that means this machine, or an IP literal that is internal."""
    name = host.strip("[]").rstrip(".").lower()
    return name in LOCAL_NAMES or name.endswith(".localhost") or internal_address(name)
