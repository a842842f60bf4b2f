"""Issue 9, conversations: a conversation token verifies only for the workspace and
conversation it was signed for, with a secret this deployment holds; anything else is
refused as INVALID_ARGUMENT (BAD_CONVERSATION_TOKEN), never trusted."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from agentconfig.errors import InvalidArgument
from runtime_service.domain.conversation import (
    ConversationState,
    MalformedState,
    from_fields,
    to_fields,
    to_json,
)
from runtime_service.domain.conversation_token import MAX_TOKEN, TokenSigner

STATE = ConversationState("ws-a", "conv-1", 3, "a" * 64, "billing", 2, 1_700_000_000.25)
SIGNER = TokenSigner([b"secret-1"])
TOKEN = SIGNER.sign(STATE)


def _payload(token: str) -> dict[str, object]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # type: ignore[no-any-return]


def _with_payload(token: str, **changes: object) -> str:
    raw = json.dumps(_payload(token) | changes, separators=(",", ":")).encode()
    head, _, signature = token.split(".")
    return f"{head}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}.{signature}"


def test_a_token_round_trips_and_says_what_the_state_says() -> None:
    assert SIGNER.verify(TOKEN, "ws-a", "conv-1") == STATE
    assert len(TOKEN) < 300
    assert _payload(TOKEN) == {"w": "ws-a", "c": "conv-1", "v": 3, "h": "a" * 64,
                               "a": "billing", "n": 2, "t": 1_700_000_000.25}


@pytest.mark.parametrize("state", [
    STATE, ConversationState("ws", 'quo"te\\ \u00e9\n', 0, "", "", 0, 0.0),
    ConversationState("ws", "c", 1, "b" * 64, "x", 2**31 - 1, 1_700_000_000.0005)])
def test_the_written_out_json_is_json_dumps(state: ConversationState) -> None:
    assert to_json(state) == json.dumps(to_fields(state), separators=(",", ":"))
    assert from_fields(json.loads(to_json(state))).conversation_id == state.conversation_id


def test_rotation_the_first_secret_signs_any_verifies() -> None:
    rotated = TokenSigner([b"secret-2", b"secret-1"])
    assert rotated.verify(TOKEN, "ws-a", "conv-1") == STATE
    with pytest.raises(InvalidArgument):
        SIGNER.verify(rotated.sign(STATE), "ws-a", "conv-1")


REFUSED: list[tuple[str, Callable[[], str], str, str]] = [
    ("another workspace", lambda: TOKEN, "ws-b", "conv-1"),
    ("another conversation", lambda: TOKEN, "ws-a", "conv-2"),
    ("signed with another secret", lambda: TokenSigner([b"other"]).sign(STATE), "ws-a",
     "conv-1"),
    ("payload altered (version)", lambda: _with_payload(TOKEN, v=1), "ws-a", "conv-1"),
    ("payload altered (speaker)", lambda: _with_payload(TOKEN, a="support"), "ws-a",
     "conv-1"),
    ("payload altered to another workspace", lambda: _with_payload(TOKEN, w="ws-b"), "ws-b",
     "conv-1"),
    ("signature cut short", lambda: TOKEN[:-4], "ws-a", "conv-1"),
    ("a stray character in the signature", lambda: TOKEN + "!", "ws-a", "conv-1"),
    ("no signature", lambda: TOKEN.rsplit(".", 1)[0], "ws-a", "conv-1"),
    ("empty signature", lambda: TOKEN.rsplit(".", 1)[0] + ".", "ws-a", "conv-1"),
    ("other prefix", lambda: "c2" + TOKEN[2:], "ws-a", "conv-1"),
    ("not base64", lambda: "c1.%%%.###", "ws-a", "conv-1"),
    ("garbage", lambda: "hello", "ws-a", "conv-1"),
    ("too long", lambda: "c1." + "A" * MAX_TOKEN + ".x", "ws-a", "conv-1"),
    ("a page token", lambda: "eyJjIjowLCJxIjoiYWJjIn0", "ws-a", "conv-1"),
]


@pytest.mark.parametrize(("name", "token", "ws", "conversation"), REFUSED,
                         ids=[r[0] for r in REFUSED])
def test_refused(name: str, token: Callable[[], str], ws: str, conversation: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        SIGNER.verify(token(), ws, conversation)
    assert refused.value.reason == "BAD_CONVERSATION_TOKEN"
    assert [v.field for v in refused.value.violations] == ["conversation_token"]


def test_without_a_shared_secret_another_replicas_token_is_ignored_not_trusted() -> None:
    mine = TokenSigner([b"random-a"], shared=False)
    theirs = TokenSigner([b"random-b"], shared=False).sign(STATE)
    assert mine.verify(theirs, "ws-a", "conv-1") is None
    assert mine.verify(mine.sign(STATE), "ws-a", "conv-1") == STATE
    with pytest.raises(InvalidArgument):  # malformed is still refused
        mine.verify("hello", "ws-a", "conv-1")


def test_no_secret_no_signer() -> None:
    with pytest.raises(ValueError):
        TokenSigner([])
    with pytest.raises(ValueError):
        TokenSigner([b""])


@pytest.mark.parametrize("fields", [
    None, [], {"w": "ws"},
    {"w": "ws", "c": "c", "v": 1, "h": "", "a": "", "n": 0, "t": 1.0},  # pinned, no hash
    {"w": "ws", "c": "c", "v": 0, "h": "a" * 64, "a": "", "n": 0, "t": 1.0},  # hash, no pin
    {"w": "ws", "c": "c", "v": -1, "h": "", "a": "", "n": 0, "t": 1.0},
    {"w": "ws", "c": "c", "v": True, "h": "", "a": "", "n": 0, "t": 1.0},
    {"w": "ws", "c": "c", "v": 0, "h": "", "a": "", "n": 0, "t": float("nan")},
    {"w": "ws", "c": "c" * 101, "v": 0, "h": "", "a": "", "n": 0, "t": 1.0},
    {"w": "ws", "c": "c", "v": 0, "h": "", "a": 7, "n": 0, "t": 1.0},
], ids=lambda f: json.dumps(f, default=str)[:40])
def test_malformed_state_fields(fields: object) -> None:
    with pytest.raises(MalformedState):
        from_fields(fields)
