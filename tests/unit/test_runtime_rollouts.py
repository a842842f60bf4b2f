"""Staged rollouts in a replica (on fakes): new conversations start on the candidate exactly
as their bucket says; a conversation keeps the version it started on; states apply forward
only, are kept on disk (a damaged copy refused), and notices coalesce into few refreshes;
a candidate that cannot be had now leaves the conversation on Production."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agentconfig.errors import Unavailable
from agentconfig.rollouts import RolloutState, bucket
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.adapters.disk_rollouts import DiskRolloutArchive
from runtime_service.service.conversations import LATEST, Conversations
from runtime_service.service.loader import Loader
from runtime_service.service.rollout_watch import RolloutWatch
from runtime_service.service.store import Store
from tests.unit.test_runtime_channel_refresh import _Quiet
from tests.unit.test_runtime_pinned_versions import _version, _Versions

HALF = RolloutState("r-1", 3, candidate_version=3, share_bp=5000)


class _Staged(_Versions):
    """v2 is Production, v3 a candidate; the rollout as the config service says it is."""

    def __init__(self) -> None:
        super().__init__()
        self.versions[3] = _version(3, "Three.")
        self.state: RolloutState | None = HALF
        self.rollout_calls = 0

    async def rollout(self, workspace_id: str) -> RolloutState | None:
        self.rollout_calls += 1
        await asyncio.sleep(0.01)
        if self.down:
            raise Unavailable("config service: UNAVAILABLE")
        return self.state


async def _replica(tmp_path: Path, config: _Staged, policies: dict[str, str] | None = None,
                   ) -> tuple[Loader, Conversations]:
    conversations = Conversations(60, policies)
    loader = Loader(Store(), config, _Quiet(), DiskSnapshotCache(tmp_path), conversations,
                    replica_id="r", negative_seconds=60)
    conversations.load_version = loader.load_pinned
    loader.rollouts = RolloutWatch(loader.store, config,
                                   archive=DiskRolloutArchive(tmp_path))
    await loader.ensure("ws")
    return loader, conversations


async def test_new_conversations_follow_their_bucket_and_keep_it(tmp_path: Path) -> None:
    config = _Staged()
    loader, conversations = await _replica(tmp_path, config)
    state = loader.store.state("ws")
    ids = [f"c-{i}" for i in range(200)]
    started = {}
    for cid in ids:
        opened = await conversations.start_turn(state, cid, "", channel_id="web")
        conversations.end_turn(opened, "support")
        expected = 3 if bucket("ws", "r-1", cid) < 5000 else 2
        assert opened.snapshot.version == expected
        assert opened.served_from.reason == (rpb.SERVE_REASON_ROLLOUT if expected == 3
                                             else rpb.SERVE_REASON_PINNED)
        started[cid] = expected
    assert 70 <= sum(v == 3 for v in started.values()) <= 130
    state.apply_rollout(RolloutState("r-1", 4, 3, 0, active=False))  # aborted
    for cid in ids:  # each keeps the version it started on
        opened = await conversations.start_turn(state, cid, "", channel_id="web")
        assert opened.snapshot.version == started[cid]
    fresh = await conversations.start_turn(state, "after-abort", "", channel_id="web")
    assert fresh.snapshot.version == 2


async def test_channels_outside_the_rollout_get_production(tmp_path: Path) -> None:
    config = _Staged()
    config.state = RolloutState("r-1", 3, 3, 10_000, channels=frozenset({"web"}))
    loader, conversations = await _replica(tmp_path, config)
    state = loader.store.state("ws")
    assert (await conversations.start_turn(state, "a", "", channel_id="wa")).snapshot.version \
        == 2
    assert (await conversations.start_turn(state, "b", "", channel_id="web")).snapshot.version \
        == 3


async def test_an_unavailable_candidate_leaves_production(tmp_path: Path) -> None:
    config = _Staged()
    config.state = RolloutState("r-1", 3, 3, 10_000)
    loader, conversations = await _replica(tmp_path, config)
    config.down = True
    opened = await conversations.start_turn(loader.store.state("ws"), "x", "")
    assert (opened.snapshot.version, opened.served_from.reason) == (
        2, rpb.SERVE_REASON_PINNED)


async def test_policy_latest_goes_by_bucket_every_turn(tmp_path: Path) -> None:
    config = _Staged()
    config.state = RolloutState("r-1", 3, 3, 10_000)
    loader, conversations = await _replica(tmp_path, config, {"ws": LATEST})
    state = loader.store.state("ws")
    assert (await conversations.start_turn(state, "x", "")).snapshot.version == 3
    state.apply_rollout(RolloutState("r-1", 4, 3, 0, active=False))
    assert (await conversations.start_turn(state, "x", "")).snapshot.version == 2


async def test_states_apply_forward_only_and_notices_coalesce(tmp_path: Path) -> None:
    config = _Staged()
    loader, _ = await _replica(tmp_path, config)
    watch = loader.rollouts
    assert watch is not None
    state = loader.store.state("ws")
    assert state.rollout == HALF
    config.state = RolloutState("r-1", 2, 3, 10_000)  # older than what is held
    assert not await watch.refresh("ws") and state.rollout == HALF
    config.state = RolloutState("r-1", 5, 3, 10_000)
    calls = config.rollout_calls
    for _ in range(50):
        watch.poke("ws")
    await asyncio.sleep(0.2)
    assert state.rollout is not None and state.rollout.sequence == 5
    assert config.rollout_calls - calls <= 2
    config.down = True
    assert not await watch.refresh("ws") and state.rollout.sequence == 5  # kept


async def test_kept_on_disk_and_a_damaged_copy_refused(tmp_path: Path) -> None:
    config = _Staged()
    await _replica(tmp_path, config)
    restarted = Store()
    restarted.state("ws")
    watch = RolloutWatch(restarted, config, archive=DiskRolloutArchive(tmp_path))
    watch.preload()
    assert restarted.state("ws").rollout == HALF
    path = tmp_path / "rollouts.json"
    path.write_text(path.read_text().replace('"share_bp":5000', '"share_bp":10000'))
    again = Store()
    again.state("ws")
    RolloutWatch(again, config, archive=DiskRolloutArchive(tmp_path)).preload()
    assert again.state("ws").rollout is None
