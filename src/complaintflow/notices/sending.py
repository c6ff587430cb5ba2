"""One guarded HTTP POST to a subscriber: HTTPS (plain HTTP only to this machine), no redirects
followed, bounded in time and in what is read back, and, where the council forbids it, never to a
private, link-local or otherwise internal address.

The host is resolved once and the address checked is the address connected to, so a name cannot
be pointed at an internal address between the check and the request.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from complaintflow.errors import ComplaintflowError
from complaintflow.notices.subscriptions import check_url, is_loopback_name

#: Seconds a whole delivery may take, from connecting to the last byte read.
TIMEOUT_SECONDS = 10.0
#: Bytes of a subscriber's answer read at most; the rest is never read.
MAX_ANSWER_BYTES = 64 * 1024


class DeliveryFailed(ComplaintflowError):
    """A delivery that did not land; the reason names no payload."""


@dataclass(frozen=True)
class Limits:
    """How a delivery is bounded, and whether internal addresses may be sent to."""

    timeout: float = TIMEOUT_SECONDS
    max_answer_bytes: int = MAX_ANSWER_BYTES
    allow_private: bool = True


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def _address(host: str, port: int, limits: Limits) -> tuple[socket.AddressFamily, str]:
    """The address to connect to, checked against the council's rule on internal addresses."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise DeliveryFailed("the host name does not resolve") from None
    for family, _, _, _, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if _internal(address) and not limits.allow_private:
            raise DeliveryFailed("the host is at a private or internal address, which this council forbids")
        return family, str(address)
    raise DeliveryFailed("the host name does not resolve")  # pragma: no cover - getaddrinfo raises first


def post(url: str, body: bytes, headers: dict[str, str], limits: Limits) -> int:
    """POST `body` and return the HTTP status; raise `DeliveryFailed` for anything else."""
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    if not https and not is_loopback_name(host):  # pragma: no cover - check_url refuses it first
        raise DeliveryFailed("HTTPS is required, except to this machine (loopback)")
    port = parts.port or (443 if https else 80)
    family, address = _address(host, port, limits)
    started = time.monotonic()
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(limits.timeout)
        sock.connect((address, port))
        if https:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        connection = http.client.HTTPConnection(host, port, timeout=limits.timeout)
        connection.sock = sock  # connected to the address checked above
        try:
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            connection.request("POST", path, body=body, headers={**headers, "Connection": "close"})
            answer = connection.getresponse()
            read = 0
            while read <= limits.max_answer_bytes:
                if time.monotonic() - started > limits.timeout:
                    raise DeliveryFailed(f"no whole answer within {limits.timeout:g} seconds")
                chunk = answer.read1(16_384)
                if not chunk:
                    break
                read += len(chunk)
            status = answer.status
        finally:
            connection.close()
    except TimeoutError:
        raise DeliveryFailed(f"no answer within {limits.timeout:g} seconds") from None
    except ssl.SSLError as error:
        raise DeliveryFailed(f"TLS failed ({type(error).__name__})") from None
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryFailed(f"the connection failed ({type(error).__name__})") from None
    if 300 <= status < 400:
        raise DeliveryFailed(f"answered {status}, a redirect; redirects are not followed")
    return status
