"""A secured deployment for the access tests: config service and runtime with
authentication on, an operator key, the runtime's service credential, two workspaces with
published content, and one key per role in workspace A."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio

from agentconfig.v1 import config_service_pb2 as cpb
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import (
    ConfigHandle,
    RuntimeHandle,
    start_config_service,
    start_runtime_service,
)

OPERATOR = "operator-" + uuid.uuid4().hex
SERVICE = "service-" + uuid.uuid4().hex
ROLES = {"viewer": cpb.ROLE_VIEWER, "editor": cpb.ROLE_EDITOR,
         "publisher": cpb.ROLE_PUBLISHER, "admin": cpb.ROLE_ADMIN, "channel": cpb.ROLE_CHANNEL}


def auth(key: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {key}"),)


@dataclass
class Secured:
    config: ConfigHandle
    runtime: RuntimeHandle
    own: str
    other: str
    keys: dict[str, str]  # role -> secret, in workspace `own`

    async def key(self, role: str, ws: str | None = None, **extra: Any) -> str:
        created = await self.config.stub.CreateApiKey(cpb.CreateApiKeyRequest(
            workspace_id=ws or self.own, role=ROLES[role], display_name=f"{role} key",
            **extra), metadata=auth(OPERATOR))
        return created.secret


async def _workspace(config: ConfigHandle, ws: str) -> None:
    """Seeded with the operator key, the same way an operator bootstraps a tenant."""
    stub: Any = config.stub

    class Keyed:
        def __getattr__(self, name: str) -> Any:
            method = getattr(stub, name)
            return lambda request: method(request, metadata=auth(OPERATOR))

    await workspace.seed(Keyed(), ws)  # type: ignore[arg-type]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def secured(postgres_url: str, redis_server: RedisServer, pg_engine: object,
                  tmp_path_factory: Any) -> AsyncIterator[Secured]:
    config = await start_config_service(postgres_url, redis_server.url, auth_required=True,
                                        operator_key=OPERATOR, service_key=SERVICE)
    runtime = await start_runtime_service(
        config.address, redis_server.url, str(Path(tmp_path_factory.mktemp("secured"))),
        auth_required=True, service_key=SERVICE)
    own, other = f"own-{uuid.uuid4().hex[:8]}", f"other-{uuid.uuid4().hex[:8]}"
    for ws in (own, other):
        await _workspace(config, ws)
    handle = Secured(config, runtime, own, other, {})
    handle.keys = {role: await handle.key(role) for role in ROLES}
    yield handle
    await runtime.stop()
    await config.stop()
