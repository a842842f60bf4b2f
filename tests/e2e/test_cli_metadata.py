"""What agentctl sends and how it reads answers the real service rarely gives, checked
against a small recording ConfigService servicer on port 0 (the generated base class, a
real aio server): the key and user as metadata, and server errors as one line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest_asyncio

from agentconfig import errors
from agentconfig.rpc_status import internal_status, to_status
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from tests.e2e.test_cli import Cli

Ctx = grpc.aio.ServicerContext[Any, Any]


class Recording(cgrpc.ConfigServiceServicer):
    def __init__(self) -> None:
        self.metadata: list[dict[str, str]] = []

    async def ListWorkspaces(self, request: cpb.ListWorkspacesRequest, context: Ctx,
                             ) -> cpb.ListWorkspacesResponse:
        self.metadata.append({k: str(v) for k, v in context.invocation_metadata() or ()})
        return cpb.ListWorkspacesResponse(workspaces=[cpb.Workspace(workspace_id="seen")])

    async def GetWorkspace(self, request: cpb.GetWorkspaceRequest, context: Ctx,
                           ) -> cpb.GetWorkspaceResponse:
        await context.abort_with_status(to_status(errors.PermissionDenied(
            "the key may not read this workspace")))
        raise AssertionError("unreachable")

    async def ListVersions(self, request: cpb.ListVersionsRequest, context: Ctx,
                           ) -> cpb.ListVersionsResponse:
        return cpb.ListVersionsResponse()

    async def ValidateDraft(self, request: cpb.ValidateDraftRequest, context: Ctx,
                            ) -> cpb.ValidateDraftResponse:
        await context.abort_with_status(internal_status("abc123"))
        raise AssertionError("unreachable")


@pytest_asyncio.fixture(loop_scope="session")
async def recorder() -> AsyncIterator[tuple[Recording, str]]:
    servicer = Recording()  # type: ignore[abstract]  # the rest answer UNIMPLEMENTED
    server = grpc.aio.server()
    cgrpc.add_ConfigServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield servicer, f"127.0.0.1:{port}"
    await server.stop(0)


async def test_key_and_user_travel_as_metadata(recorder: tuple[Recording, str],
                                               tmp_path: Path) -> None:
    servicer, address = recorder
    cli = Cli(address, "ws", tmp_path)
    listed = await cli.data("--key", "k-123", "--user", "ann", "workspace", "list")
    assert [w["workspace_id"] for w in listed] == ["seen"]
    await cli.ok("workspace", "list", stdin="")
    cli.env |= {"AGENTCTL_KEY": "from-env", "AGENTCTL_USER": "bob"}
    await cli.ok("workspace", "list")
    sent = [(m.get("authorization"), m.get("x-agentconfig-user")) for m in servicer.metadata]
    assert sent == [("Bearer k-123", "ann"), (None, None), ("Bearer from-env", "bob")]


async def test_server_errors_are_one_line(recorder: tuple[Recording, str],
                                          tmp_path: Path) -> None:
    _, address = recorder
    cli = Cli(address, "ws", tmp_path)
    denied = await cli("history")
    assert denied.code == 1, denied
    assert denied.err == ("error: the key may not read this workspace (PERMISSION_DENIED) - "
                          "check --key / AGENTCTL_KEY\n")
    internal = await cli("validate")
    assert internal.code == 1, internal
    assert internal.err == "error: internal error (incident abc123)\n"
    unknown = await cli("export")  # the base servicer raises: the server answers UNKNOWN
    assert unknown.code == 1 and unknown.err.count("\n") == 1, unknown
    assert "Method not implemented" in unknown.err
