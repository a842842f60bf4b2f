"""GetCaller: every authenticated caller learns who it is (its key, workspace, role and a
channel key's channels) and nothing about anyone else; a missing or revoked key is
UNAUTHENTICATED as for any call. The console and `agentctl whoami` rely on it."""

from __future__ import annotations

import grpc
import pytest

from agentconfig.v1 import config_service_pb2 as cpb
from tests.e2e.access_setup import OPERATOR, ROLES, SERVICE, Secured, auth, secured

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["secured"]


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_a_key_learns_its_own_role(secured: Secured, role: str) -> None:
    answer = await secured.config.stub.GetCaller(cpb.GetCallerRequest(),
                                                 metadata=auth(secured.keys[role]))
    assert (answer.kind, answer.workspace_id, answer.role) == ("key", secured.own, ROLES[role])
    assert answer.key_id and answer.name == f"key:{answer.key_id} ({role} key)"


async def test_the_operator_the_runtime_and_a_channel_key(secured: Secured) -> None:
    stub = secured.config.stub
    operator = await stub.GetCaller(cpb.GetCallerRequest(), metadata=auth(OPERATOR))
    assert (operator.kind, operator.workspace_id, operator.role) == (
        "operator", "", cpb.ROLE_ADMIN)
    runtime = await stub.GetCaller(cpb.GetCallerRequest(), metadata=auth(SERVICE))
    assert (runtime.kind, runtime.role) == ("service", cpb.ROLE_UNSPECIFIED)
    key = await secured.key("channel", channel_ids=["web"])
    channel = await stub.GetCaller(cpb.GetCallerRequest(), metadata=auth(key))
    assert (channel.role, list(channel.channel_ids)) == (cpb.ROLE_CHANNEL, ["web"])


@pytest.mark.parametrize("key", ["", "agc_nope_nope", "not a key"])
async def test_no_valid_key_is_unauthenticated(secured: Secured, key: str) -> None:
    metadata = auth(key) if key else ()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await secured.config.stub.GetCaller(cpb.GetCallerRequest(), metadata=metadata)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
