"""Channel addresses: validate them, and mask the secrets they carry before showing them.

A WeCom robot URL carries its key (``?key=``), a DingTalk one its ``access_token``, and a
generic webhook may carry a token in its query, its user info or a long path segment;
anyone holding the full URL can post to the group. So addresses are shown masked:
query values become ``***``, user info is dropped, token-like path segments are masked.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pydantic_core import PydanticCustomError

from service.notify.models import ChannelKind
from service.schemas import normalize_phone

MASK = "***"
MAX_ADDRESS = 1000
# a path segment this long, of letters and digits both, is treated as a token
TOKEN_SEGMENT = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-.~%=]{16,}$")
SIGNED_KINDS = frozenset({ChannelKind.webhook, ChannelKind.dingtalk})


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host, or a ``url_invalid`` field error."""
    raw = value.strip()
    try:
        parts = urlsplit(raw)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
        parts = None
    if (
        parts is None
        or not port_ok
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or len(raw) > MAX_ADDRESS
        or any(c.isspace() or ord(c) < 32 for c in raw)
        or parts.fragment
    ):
        raise PydanticCustomError("url_invalid", "not an http(s) URL")
    return raw


def check_address(kind: ChannelKind, value: str) -> str:
    """The address in its stored form: E.164 for SMS, the URL otherwise."""
    if kind == ChannelKind.sms:
        return normalize_phone(value)
    return check_url(value)


def _mask_segment(segment: str) -> str:
    return MASK if TOKEN_SEGMENT.match(segment) else segment


def redact(kind: ChannelKind | str, address: str) -> str:
    """The address as it may be shown, logged and stored beside a delivery."""
    if kind == ChannelKind.sms:
        return address
    try:
        parts = urlsplit(address)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return MASK
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    path = "/".join(_mask_segment(s) for s in parts.path.split("/"))
    query = "&".join(f"{k}={MASK}" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def secrets_in(kind: ChannelKind | str, address: str, secret: str | None) -> list[str]:
    """Every secret part of an address (and the channel secret), for scrubbing text."""
    found = [secret] if secret else []
    if kind != ChannelKind.sms:
        try:
            parts = urlsplit(address)
            password = parts.password
        except ValueError:
            return [*found, address]
        found += [v for _, v in parse_qsl(parts.query, keep_blank_values=True) if len(v) >= 4]
        found += [s for s in parts.path.split("/") if TOKEN_SEGMENT.match(s)]
        if password:
            found.append(password)
    return found


def scrub(text: str, secrets: list[str], *, limit: int = 300) -> str:
    """``text`` with every secret masked, cut to ``limit`` characters."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def target_key(kind: ChannelKind | str, address: str) -> str:
    """Identifies a target for the rate limit without storing its secrets twice."""
    return hashlib.sha256(f"{kind}:{address}".encode()).hexdigest()
