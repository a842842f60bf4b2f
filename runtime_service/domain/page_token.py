"""Opaque page tokens for the runtime's lists (AIP-158), as the config service makes them: a
cursor bound by a checksum to the query it came from, so a token from another query, a
damaged or an altered one is INVALID_ARGUMENT (BAD_PAGE_TOKEN) rather than misread. The
checksum is not a secret: the cursor's shape is still checked."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from agentconfig.errors import invalid

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_size(requested: int) -> int:
    if requested < 0:
        raise invalid("page_size", "must not be negative", "BAD_PAGE_SIZE")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


def encode(cursor: Any, query: Any) -> str:
    raw = json.dumps({"c": cursor, "q": _fingerprint([cursor, query])}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _refused(why: str = "is not a token this API issued") -> Exception:
    return invalid("page_token", why, "BAD_PAGE_TOKEN")


def time_and_id(token: str, query: Any) -> tuple[int, str] | None:
    """The (time, id) of the last item of the previous page; None for the first page."""
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor, fingerprint = data["c"], data["q"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _refused() from None
    if fingerprint != _fingerprint([cursor, query]):
        raise _refused("belongs to a different query or was altered")
    if not (isinstance(cursor, list) and len(cursor) == 2 and type(cursor[0]) is int
            and isinstance(cursor[1], str)):
        raise _refused()
    return cursor[0], cursor[1]
