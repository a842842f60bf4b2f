"""The short names both services (and their storage) use for proto enums that are not
entity kinds (those are in kinds.py): channel types and roles."""

from __future__ import annotations

from agentconfig.v1 import config_service_pb2 as cpb

CHANNEL_TYPE_NAMES: dict[int, str] = {
    cpb.CHANNEL_TYPE_WHATSAPP: "whatsapp", cpb.CHANNEL_TYPE_INSTAGRAM: "instagram",
    cpb.CHANNEL_TYPE_WEB_WIDGET: "web_widget", cpb.CHANNEL_TYPE_API: "api"}
CHANNEL_TYPE_ENUMS: dict[str, int] = {v: k for k, v in CHANNEL_TYPE_NAMES.items()}

ROLE_NAMES: dict[int, str] = {
    cpb.ROLE_VIEWER: "viewer", cpb.ROLE_EDITOR: "editor", cpb.ROLE_PUBLISHER: "publisher",
    cpb.ROLE_ADMIN: "admin", cpb.ROLE_CHANNEL: "channel"}
ROLE_ENUMS: dict[str, int] = {v: k for k, v in ROLE_NAMES.items()}
