"""Which webhook URLs Samråd may POST to (a business's Teams Workflows URL, say), and how such a URL is
shown in logs. Shared by every adapter that posts to an address someone typed in.

A contact's `teams_webhook_url` comes from a CSV an official imports, so it is untrusted input that makes
the server send requests: without a check it could point Samråd at the municipality's own network (a
server-side request forgery). A URL is accepted only when:

- it is `https`, has a host and no `user:password@`;
- its host is allowed by `SAMRAD_TEAMS_WEBHOOK_HOSTS`: an entry matches that host exactly (letter case
  aside), and an entry starting with a dot matches any name below it (`.logic.azure.com` allows
  `prod-00.westeurope.logic.azure.com`, not `logic.azure.com` itself, and never an IP address);
- it is not an IP address in a private, loopback, link-local or otherwise non-public range, unless that
  exact address is listed (a test installation posting to 127.0.0.1);
- when sent, its name does not resolve to such an address, unless the name is listed exactly. This is
  checked by the resolver the HTTP client connects with (`GuardedResolver`), so the address checked is
  the address connected to: a name cannot pass the check and then resolve elsewhere.

The query string of a Workflows URL carries its signature (`sig=`): whoever has it can post to that
chat. `loggable_url` and `redact` keep it out of logs and error messages.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

__all__ = [
    "AddressRefused",
    "GuardedResolver",
    "address_refusal",
    "check_workflows_url",
    "host_allowed",
    "listed_exactly",
    "loggable_url",
    "redact",
]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Numbers only (`2130706433`, `127.1`, `0x7f.1`): forms that some resolvers read as an IP address.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+))*\.?$")


class AddressRefused(OSError):
    """A webhook host resolved to an address Samråd does not post to. An OSError, so the HTTP client
    reports it as a failed connection, with this as its cause."""


def _normalised(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _public(address: IpAddress) -> bool:
    # is_global is False for private, loopback, link-local (169.254.169.254, the cloud metadata service),
    # shared (100.64/10), reserved and unspecified addresses; IPv4-mapped IPv6 addresses count as their IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def listed_exactly(host: str, allowed_hosts: Sequence[str]) -> bool:
    host = _normalised(host)
    return any(_normalised(entry) == host for entry in allowed_hosts if not entry.strip().startswith("."))


def host_allowed(host: str, allowed_hosts: Sequence[str]) -> bool:
    """`host` is listed exactly, or (a name, not an IP address) lies below a `.suffix` entry."""
    host = _normalised(host)
    if listed_exactly(host, allowed_hosts):
        return True
    if _ip(host) is not None:
        return False
    suffixes = [_normalised(entry) for entry in allowed_hosts if entry.strip().startswith(".")]
    return any(host.endswith(suffix) and len(host) > len(suffix) for suffix in suffixes)


def check_workflows_url(url: str, allowed_hosts: Sequence[str]) -> str | None:
    """None when Samråd may POST to `url`; otherwise why not, in one line (without the URL's query)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018  (reading it validates it: a port out of range raises ValueError)
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() != "https":
        return "a Teams webhook URL must start with https://"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "a Teams webhook URL must not contain a user name or password"
    if not host:
        return "the URL has no host"
    host = _normalised(host)
    address = _ip(host)
    if address is None and _NUMERIC_HOST.match(host):
        return f"{host} is not a host name or a plain IP address"
    if address is not None and not _public(address) and not listed_exactly(host, allowed_hosts):
        return f"{host} is a private or local address; Samråd posts there only when it is listed exactly in SAMRAD_TEAMS_WEBHOOK_HOSTS"
    if not host_allowed(host, allowed_hosts):
        return f"{host} is not an allowed Workflows host (SAMRAD_TEAMS_WEBHOOK_HOSTS)"
    return None


def address_refusal(host: str, addresses: Sequence[str], allowed_hosts: Sequence[str]) -> str | None:
    """Why the addresses `host` resolved to may not be posted to, or None. A host listed exactly may
    resolve anywhere (the operator named it); any other must resolve to public addresses only."""
    if listed_exactly(host, allowed_hosts):
        return None
    for text in addresses:
        address = _ip(text.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is not part of the address
        if address is None or not _public(address):
            return f"{_normalised(host)} resolves to a private or local address ({text}); list the host exactly in SAMRAD_TEAMS_WEBHOOK_HOSTS to allow it"
    return None


class GuardedResolver(AbstractResolver):
    """The resolver for the Teams channel's HTTP client: resolves with `inner` (aiohttp's own by default)
    and refuses, with AddressRefused, a name whose addresses `address_refusal` refuses."""

    def __init__(self, allowed_hosts: Sequence[str], inner: AbstractResolver) -> None:
        self._allowed = tuple(allowed_hosts)
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        reason = address_refusal(host, [result["host"] for result in results], self._allowed)
        if reason is not None:
            raise AddressRefused(reason)
        return results

    async def close(self) -> None:
        await self._inner.close()


def loggable_url(url: str) -> str:
    """`scheme://host[:port]/path`: the URL without its query (the signature) or fragment, for logs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an invalid URL)"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def redact(text: str, url: str) -> str:
    """`text` (an error message) with `url`, its query and every value in its query taken out."""
    parts = urlsplit(url)
    values = [pair.partition("=")[2] for pair in parts.query.split("&")]
    secrets = {url, parts.query, *values, *(unquote(value) for value in values)}
    for secret in sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True):
        text = text.replace(secret, "[redacted]" if secret != url else loggable_url(url))
    return text
