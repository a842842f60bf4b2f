"""agentctl against a secured config service (issue 5): the operator bootstraps a workspace
and its first admin key, the admin hands out keys per role, each refusal reads as one line
naming what is missing, a revoked key stops working at once, the audit log shows who did
what, and the two-person rule refuses a publisher publishing their own edit."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.test_cli import EXAMPLES, Cli, Run
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, start_config_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

OPERATOR = "operator-" + uuid.uuid4().hex
SERVICE = "service-" + uuid.uuid4().hex
NEEDS_KEY = "error: the server wants an API key: pass --key or set AGENTCTL_KEY"
STORE_NOW = "store this secret now: it cannot be shown again"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def secured(postgres_url: str, redis_server: RedisServer, pg_engine: object,
                  ) -> AsyncIterator[ConfigHandle]:
    handle = await start_config_service(postgres_url, redis_server.url, auth_required=True,
                                        operator_key=OPERATOR, service_key=SERVICE)
    yield handle
    await handle.stop()


@pytest.fixture
def cli(secured: ConfigHandle, ws_id: str, tmp_path: Path) -> Cli:
    return Cli(secured.address, ws_id, tmp_path / "home")


def one_line(run: Run) -> str:
    assert run.err.startswith("error: ") and run.err.count("\n") == 1, run
    return run.err.rstrip("\n")


async def new_key(cli: Cli, by: str, role: str, *extra: str) -> str:
    """A key made by ``agentctl keys create`` as a script would: the secret is stdout."""
    made = await cli.ok("--key", by, "keys", "create", "--role", role, "--name",
                        f"{role} key", *extra)
    secret = made.out.strip()
    assert made.out == secret + "\n" and secret.startswith("agc_"), made
    assert STORE_NOW in made.err and f"({role}, \"{role} key\")" in made.err, made
    return secret


async def bootstrap(cli: Cli, ws_id: str) -> dict[str, str]:
    """The operator creates the workspace and its admin key; the admin the other keys."""
    await cli.ok("--key", OPERATOR, "workspace", "create", ws_id, "--name", "Secured")
    made = await cli.data("--key", OPERATOR, "keys", "create", "--role", "admin",
                          "--name", "first admin")
    assert set(made) == {"api_key", "secret"}, made
    assert made["api_key"]["role"] == "admin"
    assert made["api_key"]["created_by"] == "operator"
    keys = {"admin": made["secret"]}
    for role in ("viewer", "editor", "publisher"):
        keys[role] = await new_key(cli, keys["admin"], role)
    return keys


async def test_keys_roles_revocation_and_audit(cli: Cli, ws_id: str) -> None:
    keys = await bootstrap(cli, ws_id)
    channel = await cli.data("--key", keys["admin"], "keys", "create", "--role", "channel",
                             "--channel", "web", "--channel", "api", "--expires", "30d")
    assert channel["api_key"]["channel_ids"] == ["web", "api"]
    expires = datetime.fromisoformat(channel["api_key"]["expire_time"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)

    await cli.ok("--key", keys["editor"], "apply", "-f", str(EXAMPLES))
    denied = await cli("--key", keys["viewer"], "publish", "-m", "mine", "--yes")
    assert denied.code == 1, denied
    line = one_line(denied)
    assert "permission denied: this needs the 'publisher' role" in line, line
    assert "PublishDraft" in line and "ROLE_REQUIRED" in line, line
    no_audit = one_line(await cli("--key", keys["editor"], "audit"))
    assert "the 'admin' role" in no_audit, no_audit
    published = await cli.ok("--key", keys["publisher"], "publish", "-m", "first", "--yes",
                             "--no-wait")
    assert "Published v1" in published.out, published

    listed = await cli.ok("--key", keys["admin"], "keys", "list")
    as_json = await cli.data("--key", keys["admin"], "keys", "list")
    for secret in [*keys.values(), channel["secret"]]:
        key_id, _, hidden = secret.removeprefix("agc_").partition("_")
        assert hidden and hidden not in listed.out and hidden not in json.dumps(as_json)
        assert key_id in listed.out
    assert not any("secret" in k for k in as_json)
    assert sorted(k["role"] for k in as_json) == ["admin", "channel", "editor", "publisher",
                                                  "viewer"]
    viewer_id = keys["viewer"].removeprefix("agc_").split("_")[0]
    assert [line for line in listed.out.splitlines()
            if viewer_id in line and "viewer key" in line and "never" in line], listed.out

    await cli.ok("--key", keys["viewer"], "history")
    revoked = await cli.ok("--key", keys["admin"], "keys", "revoke", viewer_id)
    assert f"revoked API key {viewer_id} (viewer)" in revoked.out, revoked
    refused = await cli("--key", keys["viewer"], "history")
    assert refused.code == 1, refused
    assert one_line(refused).startswith(NEEDS_KEY), refused
    assert "BAD_KEY" in refused.err
    nokey = await cli("history")
    assert nokey.code == 1 and one_line(nokey).startswith(NEEDS_KEY), nokey
    [viewer] = [k for k in await cli.data("--key", keys["admin"], "keys", "list")
                if k["key_id"] == viewer_id]
    assert viewer.get("revoke_time"), viewer

    audit = await cli.data("--key", keys["admin"], "audit")
    actions = [(e["action"], e.get("target", "")) for e in audit["events"]]
    assert actions[0] == ("api_key.revoke", f"key:{viewer_id}"), actions
    assert [a for a, _ in actions].count("api_key.create") == 5, actions
    [publish] = [e for e in audit["events"] if e["action"] == "version.publish"]
    assert publish["target"] == "v1" and publish["details"]["message"] == "first", publish
    assert publish["details"]["previous_version"] == 0, publish
    publisher_id = keys["publisher"].removeprefix("agc_").split("_")[0]
    assert publisher_id in publish["actor"] and publish.get("peer"), publish
    table = await cli.ok("--key", keys["admin"], "audit")
    assert "TIME (UTC)" in table.out and "api_key.revoke" in table.out, table
    assert "previous_version=0" in table.out and "previous_version=0.0" not in table.out
    assert 'message="first"' in table.out, table
    first = await cli.data("--key", keys["admin"], "audit", "--page-size", "2")
    assert len(first["events"]) == 2 and first["next_page_token"], first
    second = await cli.data("--key", keys["admin"], "audit", "--page-size", "2",
                            "--page-token", first["next_page_token"])
    assert [e["event_id"] for e in second["events"]] == \
        [e["event_id"] for e in audit["events"][2:4]]
    yaml_out = await cli.ok("--key", keys["admin"], "audit", "-o", "yaml")
    assert "action: api_key.revoke" in yaml_out.out, yaml_out


async def test_two_person_rule(cli: Cli, ws_id: str, tmp_path: Path) -> None:
    keys = await bootstrap(cli, ws_id)
    admin = ("--key", keys["admin"])
    off = await cli.data(*admin, "workspace", "settings")
    assert off == {"workspace_id": ws_id, "settings": {"two_person_rule": False}}
    not_admin = await cli("--key", keys["publisher"], "workspace", "settings",
                          "--two-person-rule")
    assert not_admin.code == 1 and "the 'admin' role" in one_line(not_admin), not_admin
    on = await cli.ok(*admin, "workspace", "settings", "--two-person-rule")
    assert [line for line in on.out.splitlines() if "two-person rule" in line and "on" in line]
    assert (await cli.data("--key", keys["viewer"], "workspace", "settings")) == \
        {"workspace_id": ws_id, "settings": {"two_person_rule": True}}

    await cli.ok("--key", keys["editor"], "apply", "-f", str(EXAMPLES))
    edited = tmp_path / "voice.yaml"
    edited.write_text((EXAMPLES / "voice.yaml").read_text().replace("1.1", "1.2"))
    await cli.ok("--key", keys["publisher"], "apply", "-f", str(edited))
    own = await cli("--key", keys["publisher"], "publish", "-m", "my own edit", "--yes",
                    "--no-wait")
    assert own.code == 4, own
    line = one_line(own)
    assert "two-person rule" in line and "TWO_PERSON_RULE" in line, line
    assert (await cli.data("--key", keys["viewer"], "history"))["versions"] == []

    await cli.ok("--key", keys["editor"], "apply", "-f", str(EXAMPLES / "voice.yaml"))
    other = await cli.ok("--key", keys["publisher"], "publish", "-m", "reviewed", "--yes",
                         "--no-wait")
    assert "Published v1" in other.out, other

    await cli.ok(*admin, "workspace", "settings", "--no-two-person-rule")
    assert (await cli.data(*admin, "workspace", "settings"))["settings"] == \
        {"two_person_rule": False}
    settings_events = [e for e in (await cli.data(*admin, "audit"))["events"]
                       if e["action"] == "workspace.settings"]
    assert [e["details"] for e in settings_events] == [{"two_person_rule": False},
                                                       {"two_person_rule": True}]


async def test_key_usage_mistakes(cli: Cli, ws_id: str) -> None:
    await cli.ok("--key", OPERATOR, "workspace", "create", ws_id)
    op = ("--key", OPERATOR)
    for args in (("--role", "owner"), ("--role", "viewer", "--expires", "soon"),
                 ("--role", "viewer", "--channel", "web"), ()):
        bad = await cli(*op, "keys", "create", *args)
        assert bad.code == 2, bad
    expired = await cli(*op, "keys", "create", "--role", "viewer", "--expires",
                        "2001-01-01T00:00:00Z")
    assert expired.code == 4 and "expire_time: must be in the future" in expired.err, expired
    dated = await cli.data(*op, "keys", "create", "--role", "viewer", "--expires",
                           "2099-12-31T00:00:00Z")
    assert dated["api_key"]["expire_time"].startswith("2099-12-31T00:00:00"), dated
    viewer = (await cli.data(*op, "keys", "create", "--role", "viewer"))["secret"]
    other = f"other-{uuid.uuid4().hex[:8]}"
    await cli.ok(*op, "workspace", "create", other)
    hidden = await cli("--key", viewer, "-w", other, "history")
    assert hidden.code == 5 and "WORKSPACE_NOT_FOUND" in one_line(hidden), hidden
    missing = await cli(*op, "keys", "revoke", "k-does-not-exist")
    assert missing.code == 5, missing
    elsewhere = await cli(*op, "-w", f"nope-{uuid.uuid4().hex[:6]}", "keys", "list")
    assert elsewhere.code == 5, elsewhere


async def test_whoami(cli: Cli, ws_id: str) -> None:
    keys = await bootstrap(cli, ws_id)
    publisher_id = keys["publisher"].removeprefix("agc_").split("_")[0]
    said = await cli.ok("--key", keys["publisher"], "whoami")
    assert said.out == (f"key:{publisher_id} (publisher key): publisher on workspace "
                        f"'{ws_id}'\n"), said
    data = await cli.data("--key", keys["publisher"], "whoami")
    assert (data["kind"], data["key_id"], data["workspace_id"], data["role"]) == (
        "key", publisher_id, ws_id, "publisher")
    operator = await cli.ok("--key", OPERATOR, "whoami")
    assert operator.out == "operator: admin on every workspace\n", operator
    assert one_line(await cli("whoami")).startswith(NEEDS_KEY)
