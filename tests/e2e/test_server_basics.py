"""What every gRPC tool expects of the server: standard health checking and reflection."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.mark.parametrize("service", ["", "agentconfig.v1.ConfigService"])
async def test_health_serving(config: ConfigHandle, service: str) -> None:
    stub: Any = health_pb2_grpc.HealthStub(config.channel)  # the stubs' types lack methods
    answer = await stub.Check(health_pb2.HealthCheckRequest(service=service))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_health_unknown_service_is_not_found(config: ConfigHandle) -> None:
    stub: Any = health_pb2_grpc.HealthStub(config.channel)
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
    assert exc.value.code() == grpc.StatusCode.NOT_FOUND


async def _reflect(config: ConfigHandle, request: reflection_pb2.ServerReflectionRequest,
                   ) -> reflection_pb2.ServerReflectionResponse:
    channel: Any = config.channel  # the generated stub is typed for sync channels only
    stub: Any = reflection_pb2_grpc.ServerReflectionStub(channel)
    answers = [answer async for answer in stub.ServerReflectionInfo(iter([request]))]
    assert len(answers) == 1
    answer: reflection_pb2.ServerReflectionResponse = answers[0]
    return answer


async def test_reflection_lists_the_services(config: ConfigHandle) -> None:
    answer = await _reflect(config, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in answer.list_services_response.service}
    assert {"agentconfig.v1.ConfigService", "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection"} <= names


async def test_reflection_describes_the_config_service(config: ConfigHandle) -> None:
    answer = await _reflect(config, reflection_pb2.ServerReflectionRequest(
        file_containing_symbol="agentconfig.v1.ConfigService"))
    files = answer.file_descriptor_response.file_descriptor_proto
    assert files, answer
    protos = [descriptor_pb2.FileDescriptorProto.FromString(f) for f in files]
    services = {s.name: [m.name for m in s.method] for p in protos for s in p.service}
    assert "PublishDraft" in services["ConfigService"]
