"""The one place that picks concrete classes: engine, unit of work, publisher, relay and
servicer. Tests and the embedded mode call it with their own settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.bus import InProcessBus, notice_key
from agentconfig.interceptors import BeforeCall
from config_service.adapters.notify import (
    BusPublisher,
    Publisher,
    RedisPublisher,
    RedisRolloutReader,
    redis_client,
)
from config_service.adapters.outbox_relay import OutboxRelay
from config_service.adapters.sql.engine import make_engine, migrate
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.api.authz import Authenticator, AuthInterceptor, PeerInterceptor
from config_service.api.servicer import ConfigServicer
from config_service.service.ports import RolloutReader
from config_service.service.rollout_controller import RolloutController
from config_service.service.schedule_runner import ScheduleRunner
from config_service.settings import ConfigServiceSettings


@dataclass
class ConfigApp:
    settings: ConfigServiceSettings
    engine: AsyncEngine
    uowf: SqlUnitOfWorkFactory
    publisher: Publisher
    relay: OutboxRelay
    servicer: ConfigServicer
    hooks: list[BeforeCall]
    controller: RolloutController
    schedules: ScheduleRunner

    async def start(self) -> None:
        if self.settings.migrate_on_start:
            await migrate(self.engine)
        self.relay.start()
        self.relay.poke()  # deliver whatever an earlier process left pending
        self.controller.start()
        self.schedules.start()

    async def stop(self) -> None:
        await self.schedules.stop()
        await self.controller.stop()
        await self.relay.stop()
        await self.engine.dispose()


def bootstrap(settings: ConfigServiceSettings, bus: InProcessBus | None = None) -> ConfigApp:
    """Redis when a URL or sentinels are set; otherwise the in-process ``bus`` (the
    embedded mode hands the same bus to the runtime)."""
    engine = make_engine(settings.database_url, settings.database_options())
    uowf = SqlUnitOfWorkFactory(engine)
    publisher: Publisher
    reader: RolloutReader
    redis = settings.redis_target()
    if redis is not None:
        publisher = RedisPublisher.connect(redis)
        reader = RedisRolloutReader(redis_client(redis))
    else:
        publisher = reader = BusPublisher(bus or InProcessBus())
    relay = OutboxRelay(engine, publisher, interval=settings.relay_interval_seconds,
                        retention=settings.outbox_retention_seconds,
                        notice_key=notice_key(settings.service_key))
    servicer = ConfigServicer(uowf, relay, reader, publisher, publisher)
    hooks: list[BeforeCall] = [
        AuthInterceptor(Authenticator(uowf, settings.operator_key, settings.service_key))
        if settings.auth_required else PeerInterceptor()]
    controller = RolloutController(uowf, relay, settings.rollout_tick_seconds)
    runner = ScheduleRunner(uowf, relay, settings.schedule_tick_seconds,
                            timedelta(seconds=settings.schedule_grace_seconds))
    return ConfigApp(settings, engine, uowf, publisher, relay, servicer, hooks, controller,
                     runner)
