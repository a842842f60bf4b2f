"""The API key format both services must agree on: ``agc_<key_id>_<secret>``, of which only
the SHA-256 of the secret part is ever stored (the secret is 32 random bytes, so a fast hash
is enough and a stolen table reveals no key)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "agc"


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """(key_id, full key to show once, sha256 of its secret part)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}", sha256(secret)


def split_key(presented: str) -> tuple[str, str] | None:
    """(key_id, secret) of a well-formed key, else None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(sha256(secret), digest)
