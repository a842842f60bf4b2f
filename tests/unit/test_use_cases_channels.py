"""Channels (live data) on both engines: CRUD with etags, targets that must exist, paging,
and a channel bound to an agent the Draft deletes blocking the publish."""

from __future__ import annotations

import pytest

from agentconfig.errors import (
    AlreadyExists,
    Conflict,
    DraftInvalid,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import channels, drafts
from config_service.service.channels import ChannelInput
from tests.unit.use_case_helpers import RecordingChannels, draft_with_agent, publish


def _web(target_id: str = "support", channel_id: str = "web") -> ChannelInput:
    return ChannelInput(channel_id, "Website", "web_widget", "agent", target_id)


async def test_channel_crud(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await draft_with_agent(uowf, ws_id)
    told = RecordingChannels()
    created = await channels.create_channel(uowf, told, ws_id, _web())
    assert (created.target_kind, created.target_id, created.etag != "") == (
        "agent", "support", True)
    with pytest.raises(AlreadyExists):
        await channels.create_channel(uowf, told, ws_id, _web())
    assert await channels.get_channel(uowf, ws_id, "web") == created
    moved = ChannelInput("web", "Site", "api", "agent", "support")
    with pytest.raises(InvalidArgument):
        await channels.update_channel(uowf, told, ws_id, moved, "")
    with pytest.raises(Conflict):
        await channels.update_channel(uowf, told, ws_id, moved, "stale")
    updated = await channels.update_channel(uowf, told, ws_id, moved, created.etag)
    assert (updated.type, updated.display_name, updated.created_at) == (
        "api", "Site", created.created_at)
    assert updated.etag != created.etag
    with pytest.raises(Conflict):
        await channels.delete_channel(uowf, told, ws_id, "web", created.etag)
    await channels.delete_channel(uowf, told, ws_id, "web", updated.etag)
    with pytest.raises(NotFound):
        await channels.get_channel(uowf, ws_id, "web")
    assert told.changed == [ws_id] * 3


async def test_channel_target_must_exist(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await draft_with_agent(uowf, ws_id)
    told = RecordingChannels()
    with pytest.raises(FailedPrecondition) as exc:
        await channels.create_channel(uowf, told, ws_id, _web("ghost"))
    assert exc.value.reason == "CHANNEL_TARGET_MISSING"
    with pytest.raises(InvalidArgument) as bad:
        await channels.create_channel(uowf, told, ws_id, ChannelInput(
            "web", "", "web_widget", "tool", "weather"))
    assert bad.value.violations[0].field == "channel.target_kind"
    with pytest.raises(NotFound):
        await channels.create_channel(uowf, told, ws_id + "-none", _web())
    assert told.changed == []


async def test_channel_on_a_deleted_agent_blocks_publish(uowf: SqlUnitOfWorkFactory,
                                                         ws_id: str) -> None:
    revision = await draft_with_agent(uowf, ws_id)
    await publish(uowf, ws_id, revision)
    await channels.create_channel(uowf, RecordingChannels(), ws_id, _web())
    current, _ = await drafts.get_entity(uowf, ws_id, ("agent", "support"))
    revision = await drafts.delete_entity(uowf, ws_id, ("agent", "support"), current.etag,
                                          "ann")
    problems, _ = await drafts.validate(uowf, ws_id)
    assert [(p.field, p.reason) for p in problems] == [
        ("channel/web.target_id", "CHANNEL_TARGET_MISSING")]
    with pytest.raises(DraftInvalid):
        await publish(uowf, ws_id, revision)


async def test_list_channels_pages(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await draft_with_agent(uowf, ws_id)
    for i in range(5):
        await channels.create_channel(uowf, RecordingChannels(), ws_id,
                                      _web(channel_id=f"c{i}"))
    seen, token, pages = [], "", 0
    while True:
        rows, token = await channels.list_channels(uowf, ws_id, 2, token)
        seen += [c.channel_id for c in rows]
        pages += 1
        if not token:
            break
    assert (seen, pages) == (["c0", "c1", "c2", "c3", "c4"], 3)
    _, token = await channels.list_channels(uowf, ws_id, 2, "")
    with pytest.raises(InvalidArgument):
        await channels.list_channels(uowf, ws_id, 2, token + "x")
