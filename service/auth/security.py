"""Password hashing (argon2), access tokens (JWT, HS256) and API tokens (random, SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from service.db import utcnow

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"
API_TOKEN_PREFIX = "yj_"  # noqa: S105  (a marker, not a secret)
# a real hash to verify against when the user does not exist, so timing does not tell
_DUMMY_HASH = _hasher.hash("not-a-password-" + secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def create_access_token(user_id: int, secret: str, minutes: int) -> tuple[str, datetime]:
    expires = utcnow() + timedelta(minutes=minutes)
    payload = {"sub": str(user_id), "exp": expires, "iat": utcnow(), "typ": "access"}
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM), expires


def decode_access_token(token: str, secret: str) -> int | None:
    """The user id of a valid, unexpired access token; None otherwise."""
    claims = access_claims(token, secret)
    return claims[0] if claims else None


def access_claims(token: str, secret: str) -> tuple[int, datetime] | None:
    """(user id, expiry) of a valid, unexpired access token; None otherwise."""
    try:
        payload = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["sub", "exp"]}
        )
        if payload.get("typ") != "access":
            return None
        return int(payload["sub"]), datetime.fromtimestamp(int(payload["exp"]), UTC)
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return None


def new_api_token() -> tuple[str, str, str]:
    """(the token shown once, its display prefix, its stored hash)."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[:10], hash_api_token(token)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)
