"""Which Workflows webhook URLs Samråd posts to (SSRF), and how they appear in logs."""

from __future__ import annotations

import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.outbound_urls import (
    AddressRefused,
    GuardedResolver,
    address_refusal,
    check_workflows_url,
    loggable_url,
    redact,
)

MICROSOFT = (".logic.azure.com", ".environment.api.powerplatform.com")
WORKFLOW = (
    "https://prod-00.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=TopSecretSignature123"
)


@pytest.mark.parametrize(
    "url",
    [
        WORKFLOW,
        "https://PROD-07.NorthEurope.Logic.Azure.com/workflows/x?sig=abc",  # hosts are case-insensitive
        "https://prod-07.northeurope.logic.azure.com./workflows/x",  # a fully qualified name's dot
        "https://default1a2b.3c.environment.api.powerplatform.com:443/powerautomate/automations/direct/x",
    ],
)
def test_microsofts_workflows_hosts_are_accepted_by_the_default_suffix_rules(url: str) -> None:
    assert check_workflows_url(url, MICROSOFT) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://prod-00.westeurope.logic.azure.com/workflows/x", "must start with https://"),
        ("ftp://prod-00.westeurope.logic.azure.com/x", "must start with https://"),
        ("https://user:pw@prod-00.westeurope.logic.azure.com/x", "user name or password"),
        ("https://prod-00.westeurope.logic.azure.com@evil.example/x", "user name or password"),
        ("https://evil.example/workflows/x", "evil.example is not an allowed Workflows host"),
        ("https://logic.azure.com/x", "logic.azure.com is not an allowed"),  # the suffix itself is not below it
        ("https://evillogic.azure.com/x", "evillogic.azure.com is not an allowed"),  # not a label boundary
        ("https://prod-00.logic.azure.com.evil.example/x", "is not an allowed"),
        ("https://10.0.0.1/x", "10.0.0.1 is a private or local address"),
        ("https://127.0.0.1:8443/x", "127.0.0.1 is a private or local address"),
        ("https://[::1]/x", "::1 is a private or local address"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a private or local address"),
        ("https://100.64.0.1/x", "100.64.0.1 is a private or local address"),  # carrier-grade NAT
        ("https://[::ffff:127.0.0.1]/x", "is a private or local address"),
        ("https://8.8.8.8/x", "8.8.8.8 is not an allowed"),  # public, but no IP matches a suffix rule
        ("https://2130706433/x", "is not a host name or a plain IP address"),  # 127.0.0.1 as one number
        ("https://127.1/x", "is not a host name or a plain IP address"),
        ("https:///x", "the URL has no host"),
        ("https://prod-00.westeurope.logic.azure.com:99999/x", "not a valid URL"),
        ("https://[::1/x", "not a valid URL"),
    ],
)
def test_refused_urls_say_why_in_one_line_without_the_query(url: str, reason: str) -> None:
    refusal = check_workflows_url(url, MICROSOFT)
    assert refusal is not None and reason in refusal
    assert "\n" not in refusal and "sig" not in refusal


def test_a_private_address_is_accepted_only_when_that_exact_host_is_listed() -> None:
    assert check_workflows_url("https://127.0.0.1:8443/hook?sig=x", ("127.0.0.1",)) is None
    assert check_workflows_url("https://[::1]:8443/hook", ("::1",)) is None
    assert check_workflows_url("https://10.0.0.1/hook", ("10.0.0.2",)) is not None
    # A suffix rule never matches an address, whatever its digits end with.
    assert check_workflows_url("https://10.0.0.1/hook", (".0.0.1",)) is not None
    assert check_workflows_url("https://hooks.intranet.example/x", ("HOOKS.intranet.example",)) is None


def test_a_name_resolving_to_a_private_address_is_refused_unless_listed_exactly() -> None:
    assert address_refusal("prod-00.westeurope.logic.azure.com", ["20.38.1.1"], MICROSOFT) is None
    refusal = address_refusal("prod-00.westeurope.logic.azure.com", ["20.38.1.1", "10.1.2.3"], MICROSOFT)
    assert refusal is not None and "resolves to a private or local address (10.1.2.3)" in refusal
    assert address_refusal("hooks.intranet.example", ["10.1.2.3"], ("hooks.intranet.example",)) is None
    assert address_refusal("hooks.intranet.example", ["fe80::1%eth0"], (".intranet.example",)) is not None
    assert address_refusal("x.logic.azure.com", ["::ffff:169.254.169.254"], MICROSOFT) is not None


class StaticResolver(AbstractResolver):
    """Names to addresses, as /etc/hosts would give them."""

    def __init__(self, hosts: dict[str, str]) -> None:
        self.hosts = hosts
        self.closed = False

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.hosts:
            raise OSError(f"no such host {host}")
        return [{"hostname": host, "host": self.hosts[host], "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        self.closed = True


async def test_the_guarded_resolver_refuses_what_the_name_resolves_to_not_just_the_name() -> None:
    inner = StaticResolver({"a.logic.azure.com": "20.38.1.1", "b.logic.azure.com": "192.168.1.10"})
    resolver = GuardedResolver(MICROSOFT, inner)
    [result] = await resolver.resolve("a.logic.azure.com", 443)
    assert result["host"] == "20.38.1.1"
    with pytest.raises(AddressRefused, match=r"b\.logic\.azure\.com resolves to a private"):
        await resolver.resolve("b.logic.azure.com", 443)
    await resolver.close()
    assert inner.closed


def test_a_url_for_logs_has_no_query_and_redact_takes_the_signature_out_of_any_text() -> None:
    assert loggable_url(WORKFLOW) == (
        "https://prod-00.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
    )
    assert loggable_url("https://[::1]:8443/x?sig=1#frag") == "https://[::1]:8443/x"
    assert loggable_url("https://[::1/x") == "(an invalid URL)"
    text = f"Cannot post to {WORKFLOW}: the signature TopSecretSignature123 was refused; sp=/triggers/manual/run"
    cleaned = redact(text, WORKFLOW)
    assert "TopSecretSignature123" not in cleaned and "api-version" not in cleaned
    assert "/triggers/manual/run" not in cleaned  # a value percent-decoded is taken out too
    assert cleaned.startswith("Cannot post to https://prod-00.westeurope.logic.azure.com:443/workflows/abc/")
