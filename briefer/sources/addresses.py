"""Which addresses briefer may fetch from: resolve a host, and judge each address it resolves to.

Only globally routable unicast addresses are public. IPv4 hidden inside IPv6
(mapped, compatible, 6to4, the NAT64 prefix) is judged as the IPv4 address it
carries, so ``[::ffff:127.0.0.1]`` is loopback.
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the default resolver)."""
    return list(dict.fromkeys(str(i[4][0]) for i in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def is_public_ip(ip: IPAddress) -> bool:
    """True for a globally routable unicast address; IPv4 embedded in IPv6 is judged as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped or ip.sixtofour or ip in _NAT64 or int(ip) >> 32 == 0:  # last: ::a.b.c.d, ::, ::1
            return is_public_ip(ip.ipv4_mapped or ip.sixtofour or ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local:
            return False
    special = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
    return ip.is_global and not (special or ip.is_unspecified)
