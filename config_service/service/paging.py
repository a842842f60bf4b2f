"""Opaque page tokens (AIP-158): a cursor bound to the query it came from by a checksum over
both, so a token from another query or a tampered one is refused as INVALID_ARGUMENT rather
than misread. (The checksum is not a secret: use cases still check the cursor's shape.)"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from agentconfig.errors import invalid
from config_service.domain import limits as L


def page_size(requested: int) -> int:
    if requested < 0:
        raise invalid("page_size", "must not be negative", "BAD_PAGE_SIZE")
    if requested == 0:
        return L.DEFAULT_PAGE_SIZE
    return min(requested, L.MAX_PAGE_SIZE)


def _fingerprint(query: Any) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:12]


def encode(cursor: Any, query: Any) -> str:
    raw = json.dumps({"c": cursor, "q": _fingerprint([cursor, query])}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, query: Any) -> Any:
    """The cursor inside ``token``; None for an empty token (the first page)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor, fingerprint = data["c"], data["q"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise invalid("page_token", "is not a token this API issued",
                      "BAD_PAGE_TOKEN") from None
    if fingerprint != _fingerprint([cursor, query]):
        raise invalid("page_token", "belongs to a different query or was altered",
                      "BAD_PAGE_TOKEN")
    return cursor
