"""Page tokens (AIP-158): opaque, bound to their query; anything else is INVALID_ARGUMENT
on field page_token."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from agentconfig.errors import InvalidArgument
from config_service.domain import limits as L
from config_service.service import paging

QUERY = ["versions", "ws-a"]


def test_round_trip() -> None:
    token = paging.encode(7, QUERY)
    assert paging.decode(token, QUERY) == 7
    assert paging.decode("", QUERY) is None


def _tampered() -> str:
    raw = base64.urlsafe_b64decode(paging.encode(7, QUERY) + "==")
    data = json.loads(raw) | {"c": 1000}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _forged_fingerprint() -> str:
    return base64.urlsafe_b64encode(b'{"c":3,"q":"000000000000"}').decode()


@pytest.mark.parametrize("token", [
    "not-a-token", "!!!", "e30", base64.urlsafe_b64encode(b"[1,2]").decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(), base64.urlsafe_b64encode(b'{"c":1}').decode(),
    paging.encode(7, ["versions", "ws-b"]), paging.encode(7, ["channels", "ws-a"]),
    _forged_fingerprint(), paging.encode(7, QUERY)[:-2], _tampered(),
])
def test_bad_foreign_or_damaged_tokens(token: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        paging.decode(token, QUERY)
    assert [(v.field, v.reason) for v in exc.value.violations] == [
        ("page_token", "BAD_PAGE_TOKEN")]


@pytest.mark.parametrize(("requested", "expected"), [
    (0, L.DEFAULT_PAGE_SIZE), (1, 1), (L.MAX_PAGE_SIZE, L.MAX_PAGE_SIZE),
    (L.MAX_PAGE_SIZE + 1, L.MAX_PAGE_SIZE), (10**9, L.MAX_PAGE_SIZE)])
def test_page_size(requested: int, expected: int) -> None:
    assert paging.page_size(requested) == expected


@pytest.mark.parametrize("requested", [-1, -500])
def test_negative_page_size(requested: int) -> None:
    with pytest.raises(InvalidArgument) as exc:
        paging.page_size(requested)
    assert [v.field for v in exc.value.violations] == ["page_size"]


def test_defaults_match_the_documented_numbers() -> None:
    documented: dict[str, Any] = {"DEFAULT_PAGE_SIZE": 50, "MAX_PAGE_SIZE": 500}
    assert {k: getattr(L, k) for k in documented} == documented
