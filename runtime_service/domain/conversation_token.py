"""Conversation tokens: a conversation's state after a turn, signed with HMAC-SHA256, that
the gateway sends back with the next turn. Any replica holding the secret reads the state
from it without memory of the conversation or a look-up in the shared record, so the pin
and a squad's current speaker hold whichever replica answers.

A token is never trusted unless it verifies: a bad signature, a token of another workspace
or conversation, or anything malformed is refused as INVALID_ARGUMENT
(BAD_CONVERSATION_TOKEN). The token is signed, not encrypted: it holds nothing a gateway
does not see in the response anyway.

Format: ``c1.<payload>.<signature>``, base64url without padding; the payload is the JSON of
domain/conversation.py's fields, the signature the HMAC-SHA256 of ``c1.<payload>``. Several
secrets may be configured for rotation: the first signs, any of them verifies.

Without a configured secret each process makes its own (``shared=False``): a token another
replica signed cannot be told from a forged one, so it is ignored rather than refused, and
the turn reads the conversation from memory or the shared record instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence

from agentconfig.errors import FieldViolation, InvalidArgument
from runtime_service.domain.conversation import (
    ConversationState,
    MalformedState,
    from_fields,
    to_json,
)

PREFIX = "c1."
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
MAX_TOKEN = 1024  # longer than any token a runtime signs: refused before any work


def bad_token(why: str) -> InvalidArgument:
    return InvalidArgument(f"conversation_token: {why}", reason="BAD_CONVERSATION_TOKEN",
                           violations=[FieldViolation("conversation_token", why,
                                                      "BAD_CONVERSATION_TOKEN")])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    """Strict about the alphabet (the decoder alone skips stray characters)."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, secrets: Sequence[bytes], *, shared: bool = True) -> None:
        if not secrets or not all(secrets):
            raise ValueError("at least one non-empty secret is needed")
        self._secrets = tuple(secrets)
        self.shared = shared  # every replica holds the secrets

    def _mac(self, secret: bytes, signed: str) -> bytes:
        return hmac.digest(secret, signed.encode(), hashlib.sha256)

    def sign(self, state: ConversationState) -> str:
        payload = _b64(to_json(state).encode())
        signed = PREFIX + payload
        return f"{signed}.{_b64(self._mac(self._secrets[0], signed))}"

    def verify(self, token: str, workspace_id: str, conversation_id: str,
               ) -> ConversationState | None:
        """The state inside ``token``, once it is shown to be one this deployment signed
        for this workspace and conversation; None for a well-formed token whose signature
        does not verify when the secret is not shared (another replica's, or forged)."""
        if len(token) > MAX_TOKEN or not token.startswith(PREFIX) or token.count(".") != 2:
            raise bad_token("is not a conversation token")
        signed, _, signature = token.rpartition(".")
        try:
            mac = _unb64(signature)
            payload = _unb64(signed[len(PREFIX):])
        except ValueError:
            raise bad_token("is not a conversation token") from None
        if not any(hmac.compare_digest(mac, self._mac(s, signed)) for s in self._secrets):
            if not self.shared:
                return None
            raise bad_token("does not verify (altered, or signed with another secret)")
        try:
            state = from_fields(json.loads(payload))
        except (MalformedState, ValueError):  # signed by us, so only a runtime bug lands here
            raise bad_token("is not a conversation token") from None
        if (state.workspace_id, state.conversation_id) != (workspace_id, conversation_id):
            raise bad_token("belongs to another conversation")
        return state
