"""One error hierarchy and one set of handlers: every error is RFC 9457 problem+json.

A problem carries ``type``, ``title``, ``status``, ``detail``, a stable ``code`` and,
for invalid input, ``errors: [{"field", "message", "code"}]``. Titles and messages
follow the request's Accept-Language (zh-CN by default, English).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.i18n import t, translate

log = logging.getLogger("yingji.errors")

PROBLEM_JSON = "application/problem+json"


@dataclass
class FieldError:
    """One bad field: where it is (dotted path) and which rule it broke."""

    field: str
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)
    message: str | None = None

    def render(self) -> dict[str, Any]:
        message = self.message or translate(self.code, **self.params) or self.code
        return {"field": self.field, "message": message, "code": self.code}


class ProblemError(Exception):
    """Base of every error the API answers with on purpose."""

    status: int = 500
    default_code: str = "internal_error"

    def __init__(
        self,
        code: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or self.default_code
        self.params = params
        self.extra = extra or {}  # more members of the problem body (e.g. the clashing rows)
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(self.code)

    def detail(self) -> str:
        return t(self.code, **self.params)


class BadRequest(ProblemError):
    status = 400
    default_code = "status_400"


class Unauthorized(ProblemError):
    status = 401
    default_code = "bad_token"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        super().__init__(code, headers={"WWW-Authenticate": "Bearer"}, **params)


class Forbidden(ProblemError):
    status = 403
    default_code = "status_403"


class NotFound(ProblemError):
    """Also what a caller gets for an object outside their scope: existence does not leak."""

    status = 404
    default_code = "not_found"

    def __init__(self, kind: str = "object", **params: Any) -> None:
        super().__init__("not_found", kind=kind, **params)


class Conflict(ProblemError):
    status = 409
    default_code = "status_409"


class Invalid(ProblemError):
    """Input that parsed but breaks a rule; each broken rule names its field."""

    status = 422
    default_code = "validation_failed"

    def __init__(self, *errors: FieldError) -> None:
        super().__init__("validation_failed", errors=list(errors), count=len(errors))

    @classmethod
    def field(cls, name: str, code: str, **params: Any) -> Invalid:
        return cls(FieldError(name, code, params))


class TooManyRequests(ProblemError):
    status = 429
    default_code = "status_429"

    def __init__(self, code: str, *, retry_after: int) -> None:
        super().__init__(code, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class ServiceUnavailable(ProblemError):
    status = 503
    default_code = "database_unavailable"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        **(extra or {}),
        "type": f"/problems/{code}",
        "title": translate(f"status_{status}") or "Error",
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> tuple[str, str]:
    """('body', 'phones', 0) -> ('body', 'phones.0'); the location kind is kept apart."""
    parts = list(loc)
    where = str(parts.pop(0)) if parts and parts[0] in ("body", "query", "path", "header") else ""
    return where, ".".join(str(p) for p in parts) or where


def _readable(value: Any) -> Any:
    """Context values as a person reads them: 90 not 90.0, lists joined."""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def validation_errors(raw: list[Any]) -> list[dict[str, Any]]:
    rendered = []
    for err in raw:
        where, path = _field_path(tuple(err.get("loc", ())))
        ctx = {k: _readable(v) for k, v in (err.get("ctx") or {}).items()}
        if err.get("type") == "value_error" and "error" in ctx:
            ctx["error"] = str(ctx["error"])
        kind = err.get("type", "invalid")
        if kind.endswith("_type") and "input" in err and err["input"] is None:
            kind = "missing"  # null for a value that must be given: "required", not "an integer"
        message = translate(kind, **ctx) or err.get("msg", "invalid")
        item = {"field": path, "message": message, "code": kind}
        if where and where != "body":
            item["in"] = where
        rendered.append(item)
    return rendered


# SQLSTATE prefixes meaning "the database cannot serve us now", not "your data is wrong"
UNAVAILABLE_SQLSTATES = ("08", "57P", "3D000", "53")
UNAVAILABLE_SQLITE = ("unable to open", "disk i/o", "database is locked", "readonly database")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return seen


def is_unavailable(exc: BaseException) -> bool:
    """Connection-level database failures: server down, database gone, pool exhausted."""
    if isinstance(exc, PoolTimeoutError | SAInterfaceError):
        return True
    if not isinstance(exc, SQLAlchemyError | ConnectionError):
        return False  # an OSError of our own code (a file, a time zone) is not an outage
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    for cause in _chain(exc):
        if isinstance(cause, ConnectionError | TimeoutError):
            return True
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(state, str) and state.startswith(UNAVAILABLE_SQLSTATES):
            return True
        if type(cause).__name__ == "OperationalError" and any(
            text in str(cause).lower() for text in UNAVAILABLE_SQLITE
        ):
            return True
        if isinstance(cause, OSError):
            return True
    return False


def install(app: FastAPI) -> None:
    """Register the handlers; nothing else in the code turns exceptions into responses."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        errors = [e.render() for e in exc.errors] if exc.errors else None
        return problem(
            exc.status,
            exc.code,
            exc.detail(),
            errors=errors,
            instance=request.url.path,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        if any(e["code"] == "json_invalid" for e in errors):
            return problem(
                400, "invalid_json", t("invalid_json"), errors=errors, instance=request.url.path
            )
        return problem(
            422,
            "validation_failed",
            t("validation_failed", count=len(errors)),
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(ValidationError)
    async def _model_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        return problem(
            422,
            "validation_failed",
            t("validation_failed", count=len(errors)),
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "route_not_found", 405: "method_not_allowed"}.get(
            exc.status_code, f"status_{exc.status_code}"
        )
        detail = translate(code) or str(exc.detail)
        return problem(
            exc.status_code,
            code,
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity conflict on %s: %s", request.url.path, exc.orig)
        return problem(
            409, "integrity_conflict", t("integrity_conflict"), instance=request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_unavailable(exc):
            log.error("database unavailable on %s: %s", request.url.path, type(exc).__name__)
            return problem(
                503,
                "database_unavailable",
                t("database_unavailable"),
                instance=request.url.path,
                headers={"Retry-After": "5"},
            )
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "internal_error", t("internal_error"), instance=request.url.path)
