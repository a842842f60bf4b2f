"""The one place that picks the runtime's concrete classes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.bus import InProcessBus, notice_key
from agentconfig.interceptors import BeforeCall
from agentconfig.tls import channel_credentials
from runtime_service.adapters.config_client import GrpcConfigSource
from runtime_service.adapters.conversation_log import SqlConversationLog
from runtime_service.adapters.conversation_records import (
    BusConversationRecords,
    RedisConversationRecords,
)
from runtime_service.adapters.database import make_engine, migrate
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.adapters.disk_keys import DiskKeyArchive
from runtime_service.adapters.disk_rollouts import DiskRolloutArchive
from runtime_service.adapters.judge import ResponderJudge
from runtime_service.adapters.memory_log import MemoryConversationLog
from runtime_service.adapters.notifications import BusNotifications, RedisNotifications
from runtime_service.adapters.recorder import SqlRecorder
from runtime_service.adapters.suite_store import GrpcSuiteStore
from runtime_service.api.authz import RuntimeAuthInterceptor
from runtime_service.api.servicer import RuntimeServicer
from runtime_service.domain.conversation_token import TokenSigner
from runtime_service.service.case_runner import Judge
from runtime_service.service.chat import ChatService
from runtime_service.service.conversation_reads import Upkeep
from runtime_service.service.conversations import Conversations
from runtime_service.service.keys import KeyCache
from runtime_service.service.loader import Loader
from runtime_service.service.outcomes import OutcomeTally
from runtime_service.service.ports import (
    ConversationLog,
    ConversationRecords,
    Notifications,
    Recorder,
)
from runtime_service.service.rollout_watch import RolloutWatch
from runtime_service.service.run_pins import RunPins
from runtime_service.service.store import Store
from runtime_service.service.test_runner import TestRunner
from runtime_service.settings import RuntimeSettings
from runtime_service.simulator.adapters.http_tools import HttpToolCaller
from runtime_service.simulator.adapters.mcp_sdk import SdkMcpClient
from runtime_service.simulator.adapters.openai import OpenAICompatibleResponder
from runtime_service.simulator.adapters.responders import DeterministicResponder
from runtime_service.simulator.egress import Egress
from runtime_service.simulator.ports import Responder
from runtime_service.simulator.sessions import ChatSessions


@dataclass
class RuntimeApp:
    settings: RuntimeSettings
    loader: Loader
    config: GrpcConfigSource
    recorder: Recorder
    servicer: RuntimeServicer
    hooks: list[BeforeCall] = field(default_factory=list)
    engine: AsyncEngine | None = None
    keys: KeyCache | None = None
    conversations: Upkeep | None = None

    async def start(self) -> None:
        if self.engine is not None:
            await migrate(self.engine)
        if isinstance(self.recorder, SqlRecorder):
            self.recorder.start()
        self.loader.preload_from_disk()
        if self.loader.rollouts is not None:
            self.loader.rollouts.preload()
        if self.keys is not None:
            self.keys.load()
        self.loader.start()
        if self.conversations is not None:
            self.conversations.start()

    async def stop(self) -> None:
        await self.loader.stop()
        if self.keys is not None:
            await self.keys.save()
        await self.recorder.close()
        if self.conversations is not None:
            await self.conversations.stop()
        await self.loader.notifications.close()
        await self.config.close()
        if self.engine is not None:
            await self.engine.dispose()


def _responder(settings: RuntimeSettings) -> Responder:
    if settings.responder == "openai":
        return OpenAICompatibleResponder(settings.openai_base_url, settings.openai_api_key,
                                         settings.openai_model)
    return DeterministicResponder()


def _judge(settings: RuntimeSettings) -> Judge | None:
    """Test criteria are judged by the configured model; the deterministic one has none."""
    return ResponderJudge(_responder(settings)) if settings.responder == "openai" else None


def bootstrap(settings: RuntimeSettings, bus: InProcessBus | None = None) -> RuntimeApp:
    notifications: Notifications
    records: ConversationRecords
    redis = settings.redis_target()
    if redis is not None:
        notifications = RedisNotifications(redis, settings.replica_id)
        records = RedisConversationRecords(redis)
    else:
        bus = bus or InProcessBus()
        notifications = BusNotifications(bus, settings.replica_id)
        records = BusConversationRecords(bus)
    config = GrpcConfigSource(settings.config_service, credential=settings.service_key,
                              channel_credentials=channel_credentials(
                                  settings.config_tls_ca_file, settings.config_tls_cert_file,
                                  settings.config_tls_key_file))
    engine = make_engine(settings.database_url, settings.database_options()) \
        if settings.database_url else None
    recorder: Recorder
    conversation_log: ConversationLog
    if engine is not None:
        recorder, conversation_log = SqlRecorder(engine), SqlConversationLog(engine)
    else:  # no database: conversations are kept in memory, bounded
        recorder = conversation_log = MemoryConversationLog()
    secrets = settings.conversation_secrets()
    conversations = Conversations(
        settings.conversation_idle_seconds, settings.policies(), settings.conversation_policy,
        records=records, signer=TokenSigner(secrets) if secrets else None)
    loader = Loader(Store(), config, notifications, DiskSnapshotCache(settings.data_dir),
                    conversations, replica_id=settings.replica_id,
                    reconcile_seconds=settings.reconcile_seconds,
                    report_seconds=settings.report_seconds,
                    channel_refresh_seconds=settings.channel_refresh_seconds,
                    notice_key=notice_key(settings.service_key))
    conversations.load_version = loader.load_pinned
    loader.rollouts = RolloutWatch(loader.store, config,
                                   archive=DiskRolloutArchive(settings.data_dir))
    loader.outcomes = OutcomeTally(loader.store, config, settings.replica_id)
    chat = ChatService(
        RunPins(config), _responder(settings), recorder,
        tools=HttpToolCaller(settings.tool_timeout_seconds),
        mcp=SdkMcpClient(settings.mcp_timeout_seconds),
        egress=Egress.parse(settings.simulator_hosts),
        sessions=ChatSessions(settings.chat_idle_seconds, settings.chat_conversations,
                              settings.chat_history_turns),
        history_chars=settings.chat_history_chars)
    hooks: list[BeforeCall] = []
    keys = None
    if settings.auth_required:
        keys = KeyCache(config, DiskKeyArchive(settings.data_dir),
                        offline_trust_seconds=settings.offline_key_trust_seconds)
        notifications.on_revoked = keys.revoke
        hooks.append(RuntimeAuthInterceptor(keys, settings.service_key,
                                                   settings.operator_key))
    return RuntimeApp(settings, loader, config, recorder,
                      RuntimeServicer(loader, chat, recorder, conversation_log, tests=TestRunner(
                          GrpcSuiteStore(config), chat, _judge(settings),
                          max(1, settings.test_concurrency))), hooks, engine,
                      keys, Upkeep(conversations, conversation_log,
                                   settings.conversation_retention_days))
