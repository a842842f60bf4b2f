"""Deltas carried in notices: the notice format round-trips, a delta is trusted only with
the signature of the service credential's key, and a malformed one is refused before it
reaches the loader."""

from __future__ import annotations

import json

import pytest

from agentconfig.bus import MalformedNotice, ProductionMove, notice_key

HASH = "ab" * 32
KEY = notice_key("service-secret")


def test_a_signed_move_round_trips_and_verifies() -> None:
    move = ProductionMove("ws-a", 3, HASH).signed('{"from":2}', KEY)
    back = ProductionMove.from_json(move.to_json())
    assert back == move and back.delta_verifies(KEY)
    assert not back.delta_verifies(notice_key("another"))
    assert not back.delta_verifies(b"")  # no credential: no delta is trusted


def test_a_signature_binds_the_version_and_hash_too() -> None:
    move = ProductionMove("ws-a", 3, HASH).signed('{"from":2}', KEY)
    moved = ProductionMove("ws-a", 4, HASH, move.delta, move.signature)
    assert not moved.delta_verifies(KEY)


def test_no_credential_no_key() -> None:
    assert notice_key("") == b""


def _notice(**fields: object) -> str:
    return json.dumps({"workspace_id": "ws-a", "version": 3, "content_hash": HASH} | fields)


@pytest.mark.parametrize("raw", [
    _notice(delta="{}"), _notice(delta="{}", signature="xyz"), _notice(delta=5, signature=HASH),
    _notice(delta="x" * 70_000, signature=HASH), _notice(signature=7),
])
def test_malformed_deltas_are_refused(raw: str) -> None:
    with pytest.raises(MalformedNotice):
        ProductionMove.from_json(raw)


def test_a_plain_notice_has_no_delta() -> None:
    assert ProductionMove.from_json(_notice()) == ProductionMove("ws-a", 3, HASH)
    assert json.loads(ProductionMove("ws-a", 3, HASH).to_json()).keys() == {
        "workspace_id", "version", "content_hash"}
