"""Issue 11: publish, ValidateDraft and DiffDraft read only the change from Production
(service/draft_delta.py), DiffVersions only the change between two versions. On random
edits (new and changed entities, references to what is not there, deletions of what others
use, channels, publishes moving Production, restores and rollbacks) the incremental answers
must equal the whole ones: validate_draft and diff_specs of every spec on both sides."""

from __future__ import annotations

import contextlib
import random

import pytest

from agentconfig.diff import ChannelBinding, diff_specs
from agentconfig.errors import DraftInvalid, NothingToPublish
from agentconfig.v1 import entities_pb2 as pb
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.domain.model import Key
from config_service.domain.validation import validate_draft
from config_service.service import channels, drafts, history, publishing, workspaces
from config_service.service.common import specs_of
from tests.harness import builders as b
from tests.unit.use_case_helpers import RecordingAnnouncer, RecordingChannels, item

ROUNDS = 80
POOL = {"tool": ["t0", "t1", "t2"], "voice": ["v0", "v1"], "component": ["c0"],
        "agent": ["a0", "a1", "a2", "a3"], "squad": ["s0", "s1"]}


def _entity(rng: random.Random, kind: str, entity_id: str, present: set[Key]) -> pb.Entity:
    def some(target: str) -> list[str]:
        """Mostly what the Draft has; now and then anything, so references dangle."""
        ids = POOL[target] if rng.random() < 0.15 else \
            [i for i in POOL[target] if (target, i) in present]
        return rng.sample(ids, rng.randint(0, len(ids)))

    text = f"variant {rng.randint(0, 3)}"
    if kind == "tool":
        return b.tool(entity_id, description=text)
    if kind == "voice":
        return b.voice(entity_id, voice_name=text)
    if kind == "component":
        return b.component(entity_id, template=text)
    if kind == "agent":
        voice = rng.choice(["", *some("voice")])
        return b.agent(entity_id, instructions=text, tool_ids=some("tool"),
                       component_ids=some("component"), **({"voice_id": voice} if voice else {}))
    members = tuple(some("agent")) or ("a0",)
    return b.squad(entity_id, members, description=text)


async def _whole(uowf: SqlUnitOfWorkFactory, ws: str) -> tuple[list[object], list[object]]:
    async with uowf(read_only=True) as uow:
        w = await uow.repo.get_workspace(ws)
        assert w is not None
        draft = await specs_of(uow.repo, await uow.repo.draft_manifest(ws))
        prod = await specs_of(uow.repo, await uow.repo.version_manifest(
            ws, w.production_version)) if w.production_version else {}
        bound = await uow.repo.list_channels(ws)
    bindings = [ChannelBinding(c.channel_id, c.target_kind, c.target_id) for c in bound]
    return list(validate_draft(draft, bound)), list(diff_specs(prod, draft, bindings))


async def _versions_diff(uowf: SqlUnitOfWorkFactory, ws: str, rng: random.Random) -> None:
    """DiffVersions of two random versions (either way round) equals the whole diff."""
    draft, _ = await drafts.get_draft(uowf, ws)
    if not draft.latest_version:
        return
    a, b = (rng.randint(1, draft.latest_version) for _ in range(2))
    async with uowf(read_only=True) as uow:
        old = await specs_of(uow.repo, await uow.repo.version_manifest(ws, a))
        new = await specs_of(uow.repo, await uow.repo.version_manifest(ws, b))
        bound = [ChannelBinding(c.channel_id, c.target_kind, c.target_id)
                 for c in await uow.repo.list_channels(ws)]
    assert (await history.diff_versions(uowf, ws, a, b))[0] == diff_specs(old, new, bound)


async def _jump(uowf: SqlUnitOfWorkFactory, ws: str, rng: random.Random,
                present: set[Key]) -> None:
    """Restore an earlier version into the Draft, or roll Production back to one."""
    draft, _ = await drafts.get_draft(uowf, ws)
    number = rng.randint(1, draft.latest_version)
    if rng.random() < 0.5:
        await history.restore_version(uowf, ws, number, draft.draft_revision, "ann")
    else:
        with contextlib.suppress(NothingToPublish, DraftInvalid):
            await publishing.publish(uowf, RecordingAnnouncer(), publishing.PublishRequest(
                ws, "back", "ann", "", restore_version=number))
    async with uowf(read_only=True) as uow:
        present.clear()
        present.update(await uow.repo.draft_manifest(ws))


async def _edit(uowf: SqlUnitOfWorkFactory, ws: str, rng: random.Random,
                present: set[Key]) -> None:
    draft, _ = await drafts.get_draft(uowf, ws)
    if draft.latest_version and rng.random() < 0.1:
        return await _jump(uowf, ws, rng, present)
    kind = rng.choice(list(POOL))
    key = (kind, rng.choice(POOL[kind]))
    if key in present and rng.random() < 0.3:
        await drafts.apply(uowf, ws, [], [key], 0, False, "ann")
        present.discard(key)
    else:
        await drafts.apply(uowf, ws, [item(_entity(rng, *key, present))], [], 0, False, "ann")
        present.add(key)
    if key in present and kind in ("agent", "squad") and rng.random() < 0.2:
        await channels.create_channel(uowf, RecordingChannels(), ws, channels.ChannelInput(
            f"ch-{rng.randint(0, 10**6)}", "", "api", kind, key[1]))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_incremental_equals_whole(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                        seed: int) -> None:
    rng = random.Random(seed)
    await workspaces.create_workspace(uowf, ws_id, "")
    present: set[Key] = set()
    published = 0
    for _ in range(ROUNDS):
        await _edit(uowf, ws_id, rng, present)
        problems, diff = await _whole(uowf, ws_id)
        found, revision = await drafts.validate(uowf, ws_id)
        assert found == problems
        assert (await history.diff_draft(uowf, ws_id))[0] == diff
        await _versions_diff(uowf, ws_id, rng)
        if rng.random() < 0.5 and diff:
            request = publishing.PublishRequest(ws_id, "m", "ann", "",
                                                reviewed_revision=revision)
            if problems:
                with pytest.raises(DraftInvalid) as caught:
                    await publishing.publish(uowf, RecordingAnnouncer(), request)
                assert list(caught.value.violations) == problems
            else:
                await publishing.publish(uowf, RecordingAnnouncer(), request)
                published += 1
    assert published >= 3, published  # the incremental path (vs a Production) ran
