"""Moving a workspace forward: a notice (or the reconcile) names a newer version; the
replica asks for the change from the version it serves (GetVersionChanges), applies it to a
copy of its prepared snapshot and verifies the whole content hash; on a first load, a
refused or failed delta, or a hash that does not verify, it loads the whole version instead
(counted: agentconfig_runtime_reloads_total{mode}). A small change comes in the notice
itself, signed; a replica serving the version it applies to needs no call at all.
Building and verifying a large snapshot runs off the event loop. Nothing is served
unverified and nothing goes backwards."""

from __future__ import annotations

import asyncio
import logging
import random

from agentconfig.bus import ProductionMove
from agentconfig.errors import AgentConfigError, NotFound, Unavailable
from agentconfig.metrics import NOTICES_REFUSED, REFUSED
from agentconfig.resolution.snapshot import ServingSnapshot, SnapshotCorrupt, build
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.domain.notice_delta import carried_delta
from runtime_service.domain.snapshot_delta import apply_delta
from runtime_service.service.loader_base import LoaderBase
from runtime_service.service.store import WorkspaceState

log = logging.getLogger("runtime_service.service.loader")
RETRY_CAP = 1.0  # seconds: a fetch that failed is retried at least this often, jittered


class Reloads(LoaderBase):
    async def _load_production(self, workspace_id: str) -> None:
        snapshot, channels = await self._fetch(self.config.production(workspace_id),
                                               workspace_id)
        await self._set_channels(workspace_id, channels)
        await self._install(snapshot, "", "full")

    async def _install(self, snapshot: pb.Snapshot, expected_hash: str, mode: str) -> None:
        try:
            serving = await self._off_loop(len(snapshot.entities), build, snapshot,
                                           expected_hash, production=True)
        except SnapshotCorrupt as exc:
            REFUSED.inc()
            self.corrupt[snapshot.workspace_id] = str(exc)
            log.error("refusing v%d of %s: %s", snapshot.version, snapshot.workspace_id, exc)
            return
        await self._swap(serving, mode)

    async def advance(self, move: ProductionMove, attempt: int = 0) -> None:
        """Load ``move.version`` if it is newer than what is served. When the config
        service cannot be reached the fetch is retried soon (capped, jittered backoff) for
        about one reconcile interval, after which the reconcile carries on: a publish made
        just as the config service comes back is served within a second or so, not at the
        next reconcile."""
        async with self._lock(move.workspace_id):
            state = self.store.get(move.workspace_id)
            if state is None or not self._newer(state, move):
                return
            base = state.current if state.current is not None and not state.from_disk \
                else None
            if base is not None and move.delta and await self._advance_by_notice(base, move):
                return
            try:
                if base is not None and await self._advance_by_delta(base, move):
                    return
                snapshot, channels = await self._fetch(
                    self.config.version(move.workspace_id, move.version), move.workspace_id)
            except Unavailable as exc:
                log.warning("cannot fetch %s v%d yet: %s", move.workspace_id, move.version, exc)
                self._retry(move, attempt)
                return
            except NotFound as exc:  # a forged or mistaken notice: nothing to load
                NOTICES_REFUSED.labels("unknown_version").inc()
                log.warning("ignoring notice of %s v%d: %s", move.workspace_id, move.version,
                            exc)
                return
            await self._set_channels(move.workspace_id, channels)
            await self._install(snapshot, move.content_hash,
                                "full" if base is None else "delta_fallback")

    async def _advance_by_notice(self, base: ServingSnapshot, move: ProductionMove) -> bool:
        """True when the delta the notice carries built ``move.version`` from ``base``.
        Channel bindings are not re-read: a version move does not change them (they have
        notices of their own and are re-read periodically), and not calling the config
        service at all is the point of carrying the delta."""
        if not self.notice_key:
            return False  # no credential to check it with: the change is fetched
        try:
            delta = carried_delta(move, self.notice_key)
            if delta.from_version != base.version:
                return False  # made for replicas serving another version: fetch instead
            serving = await self._off_loop(len(base.hashes), apply_delta, base, delta,
                                           move.content_hash)
        except SnapshotCorrupt as exc:
            NOTICES_REFUSED.labels("bad_delta").inc()
            log.warning("delta carried by the notice of %s v%d refused (%s)",
                        move.workspace_id, move.version, exc)
            return False
        await self._swap(serving, "notice")
        return True

    async def _advance_by_delta(self, base: ServingSnapshot, move: ProductionMove) -> bool:
        """True when ``move.version`` is served, built from ``base`` and the change."""
        try:
            delta, channels = await self._fetch(
                self.config.changes(move.workspace_id, base.version, move.version),
                move.workspace_id)
            serving = await self._off_loop(len(base.hashes), apply_delta, base, delta,
                                           move.content_hash)
        except Unavailable:
            raise  # a full load cannot be had either: retried
        except (AgentConfigError, SnapshotCorrupt) as exc:
            level = logging.WARNING if isinstance(exc, SnapshotCorrupt) else logging.INFO
            log.log(level, "delta v%d->v%d of %s refused (%s); loading v%d whole",
                    base.version, move.version, move.workspace_id, exc, move.version)
            return False
        await self._set_channels(move.workspace_id, channels)
        await self._swap(serving, "delta")
        return True

    @staticmethod
    def _newer(state: WorkspaceState, move: ProductionMove) -> bool:
        return state.current is None or state.from_disk or move.version > state.current.version

    def _retry(self, move: ProductionMove, attempt: int) -> None:
        delays = [min(RETRY_CAP, 0.1 * 2 ** n) for n in range(attempt + 1)]
        if sum(delays) > self.reconcile_seconds + RETRY_CAP:
            return  # the reconcile takes it from here
        delay = delays[-1]

        async def later() -> None:
            await asyncio.sleep(random.uniform(delay / 2, delay))
            await self.advance(move, attempt + 1)

        self._spawn(later())
