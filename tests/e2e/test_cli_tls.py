"""agentctl over TLS and mTLS (issue 5): certificates made at test time with the `openssl`
command line (a CA, a server certificate for localhost, 127.0.0.1 and config.internal, a
client certificate), a config service and a runtime that require client certificates, and
the real ``agentctl`` executable given the files by flag, environment or config file."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from tests.e2e.test_cli import EXAMPLES, Cli, Run
from tests.harness.servers import RedisServer
from tests.harness.services import (
    ConfigHandle,
    RuntimeHandle,
    start_config_service,
    start_runtime_service,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.skipif(shutil.which("openssl") is None,
                                 reason="needs the openssl command line")]


async def openssl(*args: str, cwd: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        "openssl", *args, cwd=cwd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, f"openssl {' '.join(args)}\n{out.decode()}{err.decode()}"


async def signed(name: str, subject: str, extensions: str, d: Path) -> None:
    """``name.key`` and ``name.pem``, signed by the CA in ``d``."""
    (d / f"{name}.ext").write_text(extensions)
    await openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
                  "-out", f"{name}.csr", "-subj", subject, cwd=d)
    await openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                  "-CAcreateserial", "-days", "2", "-sha256", "-out", f"{name}.pem",
                  "-extfile", f"{name}.ext", cwd=d)


@dataclass
class Pki:
    dir: Path

    def __getitem__(self, name: str) -> str:
        return str(self.dir / name)


async def make_pki(d: Path) -> Pki:
    await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                  "-out", "ca.pem", "-days", "2", "-subj", "/CN=agentconfig test CA", cwd=d)
    await signed("server", "/CN=localhost",
                 "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:config.internal\n"
                 "extendedKeyUsage=serverAuth\n", d)
    await signed("client", "/CN=agentctl", "extendedKeyUsage=clientAuth\n", d)
    # a second CA, which signed nothing the servers trust
    await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key",
                  "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=another CA", cwd=d)
    return Pki(d)


@dataclass
class Deployment:
    pki: Pki
    config: ConfigHandle
    runtime: RuntimeHandle

    @property
    def config_addr(self) -> str:
        return f"localhost:{self.config.server.port}"

    @property
    def runtime_addr(self) -> str:
        return f"localhost:{self.runtime.server.port}"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def tls(postgres_url: str, redis_server: RedisServer, pg_engine: object,
              tmp_path_factory: Any) -> AsyncIterator[Deployment]:
    pki = await make_pki(Path(tmp_path_factory.mktemp("pki")))
    server: dict[str, Any] = {
        "tls_cert_file": pki["server.pem"], "tls_key_file": pki["server.key"],
        "tls_client_ca_file": pki["ca.pem"],
        "client_tls": (pki["ca.pem"], pki["client.pem"], pki["client.key"])}
    config = await start_config_service(postgres_url, redis_server.url, **server)
    runtime = await start_runtime_service(
        config.address, redis_server.url, str(tmp_path_factory.mktemp("tls-runtime")),
        config_tls_ca_file=pki["ca.pem"], config_tls_cert_file=pki["client.pem"],
        config_tls_key_file=pki["client.key"], **server)
    yield Deployment(pki, config, runtime)
    await runtime.stop()
    await config.stop()


def client_flags(pki: Pki, *, cert: bool = True) -> list[str]:
    flags = ["--tls-ca", pki["ca.pem"]]
    if cert:
        flags += ["--tls-cert", pki["client.pem"], "--tls-key", pki["client.key"]]
    return flags


def one_error_line(run: Run) -> str:
    assert run.err.startswith("error: ") and run.err.count("\n") == 1, run
    return run.err


@pytest.fixture
def cli(tls: Deployment, ws_id: str, tmp_path: Path) -> Cli:
    runner = Cli(tls.config_addr, ws_id, tmp_path / "home")
    runner.env["AGENTCTL_RUNTIME_ADDR"] = tls.runtime_addr
    return runner


async def test_mtls_to_both_services(tls: Deployment, cli: Cli, ws_id: str) -> None:
    flags = client_flags(tls.pki)
    await cli.ok(*flags, "workspace", "create", ws_id)
    listed = await cli.data(*flags, "--config-addr", tls.config_addr, "workspace", "list")
    assert ws_id in [w["workspace_id"] for w in listed]
    await cli.ok(*flags, "apply", "-f", str(EXAMPLES))
    await cli.ok(*flags, "publish", "-m", "over mTLS", "--yes", "--no-wait")
    # status asks the runtime too: its channel uses the same certificates
    status = await cli.data(*flags, "status")
    [found] = status
    assert found["production_version"] == 1
    assert found["runtime"]["address"] == tls.runtime_addr
    assert found["runtime"].get("version") == 1, found
    chat = await cli.ok(*flags, "chat", "support", "-m", "Hello")
    assert chat.out.strip(), chat


async def test_tls_settings_from_environment_and_config_file(tls: Deployment, cli: Cli,
                                                             ws_id: str) -> None:
    env = {"AGENTCTL_TLS_CA": tls.pki["ca.pem"], "AGENTCTL_TLS_CERT": tls.pki["client.pem"],
           "AGENTCTL_TLS_KEY": tls.pki["client.key"]}
    created = await cli("workspace", "create", ws_id, env=env)
    assert created.code == 0, created
    config_file = cli.home / "agentctl.yaml"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(yaml.safe_dump({
        "tls_ca": tls.pki["ca.pem"], "tls-cert": tls.pki["client.pem"],
        "tls_key": tls.pki["client.key"], "tls_server_name": "config.internal"}))
    by_file = await cli("--config-addr", f"127.0.0.1:{tls.config.server.port}", "workspace",
                        "list", "-o", "json", env={"AGENTCTL_CONFIG": str(config_file)})
    assert by_file.code == 0, by_file
    assert ws_id in by_file.out


async def test_server_name_override(tls: Deployment, cli: Cli) -> None:
    by_ip = f"127.0.0.1:{tls.config.server.port}"
    flags = client_flags(tls.pki)
    await cli.ok(*flags, "--config-addr", by_ip, "--tls-server-name", "config.internal",
                 "workspace", "list")
    wrong = await cli(*flags, "--config-addr", by_ip, "--tls-server-name", "other.example",
                      "workspace", "list")
    assert wrong.code == 6, wrong
    assert f"cannot reach the config service at {by_ip}" in one_error_line(wrong)


async def test_without_client_certificate_fails_with_one_line(tls: Deployment,
                                                              cli: Cli) -> None:
    refused = await cli(*client_flags(tls.pki, cert=False), "workspace", "list")
    assert refused.code == 6, refused
    line = one_error_line(refused)
    assert f"cannot reach the config service at {tls.config_addr}" in line
    assert "--tls-cert" in line, line


async def test_untrusted_server_fails_with_one_line(tls: Deployment, cli: Cli) -> None:
    untrusted = await cli("--tls-ca", tls.pki["other-ca.pem"], "--tls-cert",
                          tls.pki["client.pem"], "--tls-key", tls.pki["client.key"],
                          "workspace", "list")
    assert untrusted.code == 6, untrusted
    assert "the TLS handshake failed" in one_error_line(untrusted)


async def test_plaintext_against_tls_server_fails_with_one_line(tls: Deployment,
                                                                cli: Cli) -> None:
    plain = await cli("workspace", "list")
    assert plain.code == 6, plain
    line = one_error_line(plain)
    assert f"cannot reach the config service at {tls.config_addr}" in line
    assert "--tls-ca" in line, line


async def test_tls_usage_mistakes_exit_2(tls: Deployment, cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ca.pem"
    unreadable = await cli("--tls-ca", str(missing), "workspace", "list")
    assert unreadable.code == 2, unreadable
    assert f"cannot read the TLS file {missing} (--tls-ca" in one_error_line(unreadable)
    by_env = await cli("workspace", "list", env={
        "AGENTCTL_TLS_CA": tls.pki["ca.pem"], "AGENTCTL_TLS_CERT": str(missing),
        "AGENTCTL_TLS_KEY": tls.pki["client.key"]})
    assert by_env.code == 2 and str(missing) in one_error_line(by_env), by_env
    half = await cli("--tls-ca", tls.pki["ca.pem"], "--tls-cert", tls.pki["client.pem"],
                     "workspace", "list")
    assert half.code == 2 and "--tls-key" in one_error_line(half), half
    no_ca = await cli("--tls-cert", tls.pki["client.pem"], "--tls-key",
                      tls.pki["client.key"], "workspace", "list")
    assert no_ca.code == 2 and "need --tls-ca" in one_error_line(no_ca), no_ca
