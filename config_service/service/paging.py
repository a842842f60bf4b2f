"""Opaque page tokens (AIP-158): a cursor bound to the query it came from by a checksum over
both, so a token from another query or a tampered one is refused as INVALID_ARGUMENT rather
than misread. (The checksum is not a secret: use cases still check the cursor's shape.)"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from agentconfig.errors import InvalidArgument, invalid
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


def _foreign() -> InvalidArgument:
    return invalid("page_token", "is not a token this API issued", "BAD_PAGE_TOKEN")


def offset(token: str, query: Any) -> int:
    """A position in a list (0 for the first page)."""
    cursor = decode(token, query)
    if cursor is None:
        return 0
    if not isinstance(cursor, int) or cursor < 0:
        raise _foreign()
    return cursor


def after_id(token: str, query: Any) -> str:
    """The last id of the previous page ("" for the first page)."""
    cursor = decode(token, query)
    if cursor is None:
        return ""
    if not isinstance(cursor, str):
        raise _foreign()
    return cursor


def before_number(token: str, query: Any) -> int | None:
    """The last number of the previous page of a newest-first list (None: first page)."""
    cursor = decode(token, query)
    if cursor is not None and not isinstance(cursor, int):
        raise _foreign()
    return cursor


def after_key(token: str, query: Any) -> tuple[str, str] | None:
    """The last (kind, id) of the previous page (None: first page)."""
    cursor = decode(token, query)
    if cursor is None:
        return None
    if not (isinstance(cursor, list) and len(cursor) == 2
            and all(isinstance(c, str) for c in cursor)):
        raise _foreign()
    return cursor[0], cursor[1]
