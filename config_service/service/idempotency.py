"""Request ids (AIP-155) of PublishDraft and RollbackToVersion: a retry with the id of an
earlier call gets that call's version instead of a second one.

An id names one request, not a slot any request may take: the version keeps a fingerprint
of the request that created it (the RPC and its parameters), and a request that reuses the
id with another RPC or other parameters is refused, as Stripe does, rather than answered
with a version the caller did not ask for. Versions stored before fingerprints were kept
have none and answer any retry with their id, as they always did.
"""

from __future__ import annotations

import hashlib

from agentconfig.canonical import stable_json
from agentconfig.errors import FieldViolation, InvalidArgument
from config_service.domain.model import OriginType, Version

PUBLISH = "PublishDraft"
ROLLBACK = "RollbackToVersion"
_PARAMS = {PUBLISH: "parameters (reviewed_revision, message, author)",
           ROLLBACK: "parameters (version, message, author)"}


def fingerprint(rpc: str, **params: str | int) -> str:
    """Hex SHA-256 of the canonical JSON of the RPC's name and parameters: the same request
    gives the same fingerprint in every process and release (it is stored)."""
    return hashlib.sha256(stable_json({"rpc": rpc, **params}).encode()).hexdigest()


def replay(earlier: Version, request_id: str, rpc: str, request_fingerprint: str,
           ) -> Version:
    """The version ``earlier`` again when this is the request that created it; otherwise
    INVALID_ARGUMENT REQUEST_ID_REUSED, naming the RPC and version the id belongs to."""
    if not earlier.request_fingerprint or earlier.request_fingerprint == request_fingerprint:
        return earlier
    first_rpc = ROLLBACK if earlier.origin == OriginType.ROLLBACK else PUBLISH
    what = first_rpc if first_rpc != rpc else f"a {rpc} with other {_PARAMS[rpc]}"
    description = (f"was already used for {what}, which created v{earlier.number}; a retry "
                   f"must repeat that request exactly: give this {rpc} a new request id")
    raise InvalidArgument(
        f"request_id {request_id!r} {description}", reason="REQUEST_ID_REUSED",
        violations=[FieldViolation("request_id", description, "REQUEST_ID_REUSED")],
        metadata={"first_rpc": first_rpc, "first_version": str(earlier.number)})
