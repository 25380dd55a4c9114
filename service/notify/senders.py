"""The HTTP side of sending: one shared client per process, and one request per kind.

Nothing here touches the database. ``send`` never raises: every outcome, good or bad,
comes back as an ``Outcome`` whose error text has the target's secrets masked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import httpx

from service import __version__
from service.notify import addresses
from service.notify.models import ChannelKind
from service.settings import Settings

WECOM_MAX_BYTES = 4096  # a WeCom robot's markdown content is at most 4096 bytes of UTF-8
USER_AGENT = f"Yingji/{__version__}"


class Runtime:
    """The process's settings for sending and its shared HTTP client (made on first use).

    ``configure`` is called by the app's lifespan; ``close`` on shutdown.
    """

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def configure(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings()
        return self._settings

    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client.is_closed or self._loop is not loop:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.notify_timeout_s),
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            )
            self._loop = loop
        return self._client

    async def close(self) -> None:
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            await client.aclose()


RUNTIME = Runtime()


@dataclass(frozen=True)
class Job:
    """What one attempt needs: the full address and secret live only here, in memory."""

    delivery_id: int
    kind: ChannelKind
    address: str
    secret: str | None = field(repr=False)
    title: str
    text: str
    ref: str
    attempts: int
    problem: str | None = None  # why it cannot be sent at all

    @property
    def target(self) -> str:
        return addresses.redact(self.kind, self.address)

    @property
    def target_key(self) -> str:
        return addresses.target_key(self.kind, self.address)

    @property
    def secrets(self) -> list[str]:
        return addresses.secrets_in(self.kind, self.address, self.secret)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    final: bool = False  # retrying cannot help
    counted: bool = True  # an attempt was made (a request went out)


@dataclass
class Request:
    url: str
    body: bytes
    headers: dict[str, str]
    robot: bool = False  # WeCom/DingTalk: success also needs errcode 0
    secrets: list[str] = field(default_factory=list)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _cut_utf8(text: str, limit: int) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[: limit - 3].decode(errors="ignore") + "…"


def _webhook(job: Job) -> Request:
    body = _json(
        {
            "title": job.title,
            "text": job.text,
            "ref": job.ref,
            "delivery_id": job.delivery_id,
            "sent_at": datetime.now(UTC).isoformat(),
        }
    )
    timestamp = str(int(time.time()))
    headers = {"X-Yingji-Timestamp": timestamp, "X-Yingji-Delivery": str(job.delivery_id)}
    if job.secret:
        digest = hmac.new(job.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        headers["X-Yingji-Signature"] = f"sha256={digest.hexdigest()}"
    return Request(job.address, body, headers)


def _wecom(job: Job) -> Request:
    content = _cut_utf8(f"**{job.title}**\n\n{job.text}", WECOM_MAX_BYTES)
    body = _json({"msgtype": "markdown", "markdown": {"content": content}})
    return Request(job.address, body, {}, robot=True)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(digest.digest()).decode())


def _dingtalk(job: Job) -> Request:
    text = f"#### {job.title}\n\n{job.text}"
    body = _json({"msgtype": "markdown", "markdown": {"title": job.title, "text": text}})
    url, extra = job.address, []
    if job.secret:
        timestamp = int(time.time() * 1000)
        sign = dingtalk_sign(job.secret, timestamp)
        url += f"{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
        extra = [sign]
    return Request(url, body, {}, robot=True, secrets=extra)


def _json_escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def sms_body(template: str, phone: str, text: str) -> bytes:
    """The gateway's JSON body: ``{phone}`` and ``{text}`` replaced, JSON-escaped."""
    return (
        template.replace("{phone}", _json_escaped(phone))
        .replace("{text}", _json_escaped(text))
        .encode()
    )


def _sms(job: Job, settings: Settings) -> Request:
    assert settings.sms_gateway_url is not None
    headers: dict[str, str] = {}
    token = settings.sms_gateway_token.get_secret_value() if settings.sms_gateway_token else None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = sms_body(settings.sms_body_template, job.address, f"{job.title}\n{job.text}")
    return Request(settings.sms_gateway_url, body, headers, secrets=[token] if token else [])


def unsendable(job: Job, settings: Settings) -> str | None:
    """Why the job cannot be sent however often it is tried, if so."""
    if job.problem:
        return job.problem
    if job.kind == ChannelKind.sms and not settings.sms_gateway_url:
        return "no SMS gateway is configured (YINGJI_SMS_GATEWAY_URL)"
    return None


def build(job: Job, settings: Settings) -> Request:
    if job.kind == ChannelKind.sms:
        return _sms(job, settings)
    if job.kind == ChannelKind.wecom:
        return _wecom(job)
    if job.kind == ChannelKind.dingtalk:
        return _dingtalk(job)
    return _webhook(job)


def _robot_error(response: httpx.Response) -> str | None:
    """WeCom and DingTalk answer 200 with ``errcode`` != 0 when they refuse a message."""
    try:
        answer = response.json()
    except ValueError:
        return "the robot's answer is not JSON"
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        code = answer.get("errcode") if isinstance(answer, dict) else None
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        return f"errcode {code}: {message}"
    return None


async def send(job: Job, settings: Settings, client: httpx.AsyncClient) -> Outcome:
    problem = unsendable(job, settings)
    if problem:
        return Outcome(ok=False, error=problem, final=True, counted=False)
    request = build(job, settings)
    secrets = [*job.secrets, *request.secrets]
    headers = {"Content-Type": "application/json; charset=utf-8", **request.headers}
    try:
        # httpx's timeout bounds each phase (connect, write, read); this bounds the whole
        async with asyncio.timeout(settings.notify_timeout_s):
            response = await client.post(request.url, content=request.body, headers=headers)
    except TimeoutError:
        return Outcome(ok=False, error=f"no answer within {settings.notify_timeout_s:g} s")
    except httpx.HTTPError as exc:
        return Outcome(ok=False, error=addresses.scrub(f"{type(exc).__name__}: {exc}", secrets))
    status = response.status_code
    if not response.is_success:
        snippet = response.text[:200]
        return Outcome(
            ok=False, status=status, error=addresses.scrub(f"HTTP {status} {snippet}", secrets)
        )
    if request.robot and (refusal := _robot_error(response)):
        return Outcome(ok=False, status=status, error=addresses.scrub(refusal, secrets))
    return Outcome(ok=True, status=status)
