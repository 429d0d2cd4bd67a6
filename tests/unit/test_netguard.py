"""The SSRF guard: which addresses are refused, resolve-once, and the allow list."""

from __future__ import annotations

import ipaddress

import pytest

from storyline.errors import ConfigError, SourceError
from storyline.ingest.netguard import (
    ALLOW_ENV,
    BlockedAddressError,
    NetPolicy,
    address_problem,
    parse_networks,
)


@pytest.mark.parametrize(
    ("address", "word"),
    [
        ("127.0.0.1", "loopback"),
        ("127.5.5.5", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_named(address: str, word: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None and word in problem


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def _resolver(table: dict[str, list[str]], calls: list[str]):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return table[host]

    return resolve


def test_vet_resolves_once_and_returns_the_vetted_address() -> None:
    calls: list[str] = []
    policy = NetPolicy(resolver=_resolver({"news.example": ["93.184.216.34"]}, calls))
    target = policy.vet("https://news.example/feed.xml?x=1")
    assert calls == ["news.example"]
    assert (target.address, target.host, target.port, target.path) == (
        "93.184.216.34",
        "news.example",
        443,
        "/feed.xml?x=1",
    )


def test_a_name_with_any_private_address_is_refused() -> None:
    """DNS rebinding hedges by answering a public and a private address; refuse the name."""
    calls: list[str] = []
    policy = NetPolicy(resolver=_resolver({"evil.example": ["93.184.216.34", "127.0.0.1"]}, calls))
    with pytest.raises(BlockedAddressError) as info:
        policy.vet("http://evil.example/")
    assert "evil.example (127.0.0.1) is a loopback address" in str(info.value)
    assert ALLOW_ENV in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/feed",
        "http://[::1]/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://[::ffff:192.168.0.1]/",
    ],
)
def test_literal_private_urls_are_refused(url: str) -> None:
    with pytest.raises(BlockedAddressError, match="refused"):
        NetPolicy().vet(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x/"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(BlockedAddressError, match="only http and https"):
        NetPolicy().vet(url)


def test_allowed_networks_opt_in() -> None:
    policy = NetPolicy.allowing("127.0.0.1/32")
    assert policy.vet("http://127.0.0.1:9/feed").address == "127.0.0.1"
    with pytest.raises(BlockedAddressError):
        policy.vet("http://127.0.0.2/feed")
    assert NetPolicy.allowing("private").vet("http://192.168.4.4/").port == 80


def test_allow_list_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_ENV, "loopback, 192.168.1.0/24")
    policy = NetPolicy.from_env()
    assert policy.vet("http://127.0.0.1/").address == "127.0.0.1"
    assert policy.vet("http://192.168.1.7/").address == "192.168.1.7"
    with pytest.raises(BlockedAddressError):
        policy.vet("http://192.168.2.7/")
    monkeypatch.setenv(ALLOW_ENV, "not-a-network")
    with pytest.raises(ConfigError, match="not-a-network"):
        NetPolicy.from_env()
    assert parse_networks("") == []


def test_unresolvable_names_are_a_source_error() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    with pytest.raises(SourceError, match=r"cannot resolve nowhere\.invalid"):
        NetPolicy(resolver=fail).vet("http://nowhere.invalid/feed")
