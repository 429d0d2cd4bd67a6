"""The SSRF guard: user-supplied URLs may not reach this machine or its private network.

A feed URL comes from a user, an OPML file or a feed's own redirect, so without a guard
Storyline could be made to fetch ``http://127.0.0.1:6379/``, a router's admin page or a
cloud metadata service (``169.254.169.254``). The rules follow OWASP's SSRF prevention cheat
sheet:

* only ``http`` and ``https``;
* the host name is resolved **once**, every address it resolves to is checked, and the
  connection is then made to the vetted address (the ``Host`` header and TLS name stay the
  host name). A second lookup, which a DNS-rebinding attacker could answer differently, never
  happens;
* every redirect target is vetted again by the same rules (the fetcher calls :meth:`vet` for
  each hop).

Refused unless allowed: loopback, private (RFC 1918, unique-local), link-local, shared
address space (CGNAT), multicast, reserved and unspecified addresses, and IPv4-mapped or
NAT64 forms of them. The user allows networks in config (``STORYLINE_ALLOW_NETWORKS``, a
comma-separated list of CIDR blocks such as ``192.168.1.0/24``, or the words ``loopback``
and ``private``); tests allow ``127.0.0.1/32`` for their own fixture server.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from storyline.errors import ConfigError, SourceError

__all__ = [
    "ALLOW_ENV",
    "BlockedAddressError",
    "NetPolicy",
    "Target",
    "address_problem",
    "join_url",
]

ALLOW_ENV = "STORYLINE_ALLOW_NETWORKS"


def join_url(base: str, link: str) -> str | None:
    """``link`` resolved against ``base``, or ``None`` when either is not a URL.

    Links come from feeds, sitemaps and redirect headers, i.e. from other people's servers;
    ``urljoin`` raises ``ValueError`` on some of them (``http://[oops/``, an unclosed IPv6
    bracket), which must become a refused link, not a crash.
    """
    try:
        return urljoin(base, link)
    except ValueError:
        return None


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``getaddrinfo``-like: host, port -> addresses (tests may swap in a fake resolver).
Resolver = Callable[[str, int], list[str]]

_WORDS: dict[str, tuple[str, ...]] = {
    "loopback": ("127.0.0.0/8", "::1/128"),
    "private": ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "100.64.0.0/10"),
    "link-local": ("169.254.0.0/16", "fe80::/10"),
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddressError(SourceError):
    """A URL (or a redirect) points at an address the guard refuses."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the order the system gives them."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address behind IPv4-mapped (``::ffff:a.b.c.d``) and NAT64 IPv6 forms."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_problem(address: IPAddress) -> str | None:
    """Why an address may not be fetched by default (``"a loopback address"``), or None."""
    address = _unwrap(address)
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address (e.g. a cloud metadata service)"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or (
        isinstance(address, ipaddress.IPv4Address)
        and address in ipaddress.ip_network("100.64.0.0/10")
    ):
        return "a private network address"
    if not address.is_global:
        return "a reserved address"
    return None


def parse_networks(text: str) -> list[IPNetwork]:
    """``"loopback, 10.0.0.0/8"`` -> networks; a bad entry is a :class:`ConfigError`."""
    networks: list[IPNetwork] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        for block in _WORDS.get(part.lower(), (part,)):
            try:
                networks.append(ipaddress.ip_network(block, strict=False))
            except ValueError as error:
                raise ConfigError(
                    f"{ALLOW_ENV}: {part!r} is not a network; use CIDR blocks such as "
                    "192.168.1.0/24 or the words loopback, private, link-local"
                ) from error
    return networks


@dataclass(frozen=True, slots=True)
class Target:
    """A vetted URL: connect to ``address`` on ``port``; ``host`` goes in Host and TLS SNI."""

    url: str
    scheme: str
    host: str
    port: int
    address: str
    path: str


@dataclass(frozen=True, slots=True)
class NetPolicy:
    """Which addresses user-supplied URLs may reach; the default refuses all non-public ones."""

    allowed: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_env(cls, extra: Iterable[IPNetwork] = ()) -> NetPolicy:
        """The policy from ``STORYLINE_ALLOW_NETWORKS`` plus ``extra`` networks."""
        allowed = parse_networks(os.environ.get(ALLOW_ENV, ""))
        return cls(allowed=(*allowed, *extra))

    @classmethod
    def allowing(cls, *blocks: str) -> NetPolicy:
        """A policy that also allows these networks (``NetPolicy.allowing("127.0.0.1/32")``)."""
        return cls(allowed=tuple(parse_networks(",".join(blocks))))

    def is_allowed(self, address: IPAddress) -> bool:
        unwrapped = _unwrap(address)
        return any(address in net or unwrapped in net for net in self.allowed)

    def vet(self, url: str) -> Target:
        """Check a URL and resolve its host once; raises :class:`BlockedAddressError`.

        Every address the name resolves to must pass (a name that resolves to one public and
        one private address is refused: that is how rebinding attacks hedge). The first
        address is the one to connect to.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise BlockedAddressError(url, f"only http and https URLs are fetched, not {scheme!r}")
        host = parts.hostname
        if not host:
            raise BlockedAddressError(url, "the URL has no host name")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as error:
            raise BlockedAddressError(url, f"bad port: {error}") from error
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = self.resolver(host.rstrip("."), port)
            except (OSError, UnicodeError) as error:
                reason = getattr(error, "strerror", None) or str(error)
                raise SourceError(url, f"cannot resolve {host}: {reason}") from error
            if not addresses:
                raise SourceError(url, f"cannot resolve {host}: no addresses")
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            problem = address_problem(address)
            if problem is not None and not self.is_allowed(address):
                what = host if host == str(address) else f"{host} ({address})"
                raise BlockedAddressError(
                    url,
                    f"refused: {what} is {problem}; Storyline does not fetch "
                    f"non-public addresses unless you allow them (set {ALLOW_ENV}, "
                    "e.g. 192.168.1.0/24)",
                )
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return Target(url, scheme, host, port, addresses[0], path)
