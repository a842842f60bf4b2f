"""Proto <-> domain conversion, kept out of the servicers so they stay one line per step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2

from agentconfig.diff import EntityDiff
from agentconfig.errors import FieldViolation, invalid
from agentconfig.kinds import KINDS, entity_from_parts, entity_to_parts, kind_by_enum, kind_by_name
from agentconfig.names import CHANNEL_TYPE_ENUMS, CHANNEL_TYPE_NAMES, ROLE_ENUMS, ROLE_NAMES
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from config_service.domain.auth import ApiKeyRecord, Principal, Role
from config_service.domain.model import (
    AuditEvent,
    Channel,
    DraftBackup,
    DraftEntity,
    Snapshot,
    Version,
    Workspace,
)
from config_service.service.channels import ChannelInput
from config_service.service.drafts import EntityInput

KIND_NAMES = ", ".join(k.name for k in KINDS)


def ts(value: datetime | None) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    if value is not None:
        out.FromDatetime(value)
    return out


def kind_name(value: int, field: str, *, optional: bool = False) -> str | None:
    if value == pb.ENTITY_KIND_UNSPECIFIED and optional:
        return None
    kind = kind_by_enum(value)
    if kind is None:
        raise invalid(field, f"must be one of the entity kinds ({KIND_NAMES})", "BAD_KIND")
    return kind.name


def kind_enum(name: str) -> pb.EntityKind.ValueType:
    kind = kind_by_name(name)
    return pb.EntityKind.ValueType(kind.enum) if kind else pb.ENTITY_KIND_UNSPECIFIED


def entity_input(entity: pb.Entity, path: str) -> EntityInput:
    try:
        parts = entity_to_parts(entity)
    except json_format.SerializeToJsonError as exc:  # NaN or Infinity in a Struct or Value
        raise invalid(path, f"holds a value JSON cannot carry ({exc})", "NOT_FINITE") from None
    if parts is None:
        raise invalid(path, f"set exactly one spec: {KIND_NAMES}", "UNKNOWN_KIND")
    kind, entity_id, spec = parts
    if not entity_id:
        raise invalid(f"{path}.id", "is required", "REQUIRED")
    return EntityInput(kind.name, entity_id, spec, path)


def entity_key(kind: int, entity_id: str, path: str = "") -> tuple[str, str]:
    prefix = f"{path}." if path else ""
    name = kind_name(kind, f"{prefix}kind")
    if not entity_id:
        raise invalid(f"{prefix}entity_id", "is required", "REQUIRED")
    return name, entity_id  # type: ignore[return-value]


def draft_entity(e: DraftEntity) -> pb.DraftEntity:
    return pb.DraftEntity(entity=entity_from_parts(e.kind, e.entity_id, e.spec), etag=e.etag,
                          content_hash=e.content_hash, update_time=ts(e.updated_at),
                          updated_by=e.updated_by)


def workspace(ws: Workspace) -> cpb.Workspace:
    return cpb.Workspace(workspace_id=ws.id, display_name=ws.display_name,
                         create_time=ts(ws.created_at), draft_revision=ws.draft_revision,
                         production_version=ws.production_version,
                         latest_version=ws.latest_version,
                         settings=cpb.WorkspaceSettings(
                             two_person_rule=ws.two_person_rule,
                             live_tool_ids=ws.live_tool_ids,
                             require_passing_tests=ws.require_passing_tests))


def role(value: int) -> Role | None:
    if value == cpb.ROLE_UNSPECIFIED:
        return None
    if value not in ROLE_NAMES:
        raise invalid("role", "must be one of ROLE_VIEWER, ROLE_EDITOR, ROLE_PUBLISHER, "
                      "ROLE_ADMIN, ROLE_CHANNEL", "BAD_ROLE")
    return Role[ROLE_NAMES[value].upper()]


def api_key(k: ApiKeyRecord) -> cpb.ApiKey:
    out = cpb.ApiKey(key_id=k.key_id, workspace_id=k.workspace_id, role=ROLE_ENUMS[k.role.label],  # type: ignore[arg-type]

                     display_name=k.display_name, create_time=ts(k.created_at),
                     created_by=k.created_by, channel_ids=k.channel_ids)
    if k.expire_at:
        out.expire_time.CopyFrom(ts(k.expire_at))
    if k.revoked_at:
        out.revoke_time.CopyFrom(ts(k.revoked_at))
    return out


def caller(p: Principal) -> cpb.GetCallerResponse:
    """A key says its own role; the operator key and authentication off allow every call
    (ADMIN); the runtime's credential has no role of a workspace."""
    if p.kind == "key" and p.role is not None:
        role = ROLE_ENUMS[p.role.label]
    else:
        role = cpb.ROLE_ADMIN if p.kind in ("operator", "anonymous") else cpb.ROLE_UNSPECIFIED
    return cpb.GetCallerResponse(name=p.name, kind=p.kind, key_id=p.key_id,
                                 workspace_id=p.workspace_id or "", role=role,  # type: ignore[arg-type]
                                 channel_ids=sorted(p.channel_ids))


def audit_event(e: AuditEvent) -> cpb.AuditEvent:
    out = cpb.AuditEvent(event_id=e.event_id, workspace_id=e.workspace_id,
                         event_time=ts(e.at), actor=e.actor, action=e.action,
                         target=e.target, peer=e.peer)
    out.details.update(e.details)
    return out


def draft(ws: Workspace, count: int) -> cpb.Draft:
    return cpb.Draft(workspace_id=ws.id, revision=ws.draft_revision, entity_count=count,
                     update_time=ts(ws.draft_updated_at), updated_by=ws.draft_updated_by,
                     base_version=ws.base_version)


_ORIGINS = {"draft": cpb.VERSION_ORIGIN_TYPE_DRAFT, "restored": cpb.VERSION_ORIGIN_TYPE_RESTORED,
            "rollback": cpb.VERSION_ORIGIN_TYPE_ROLLBACK}


def version(v: Version) -> cpb.Version:
    return cpb.Version(
        workspace_id=v.workspace_id, number=v.number, content_hash=v.content_hash,
        author=v.author, message=v.message, create_time=ts(v.created_at),
        origin=cpb.VersionOrigin(type=_ORIGINS[v.origin], restored_from_version=v.restored_from,
                                 draft_revision=v.draft_revision),
        entity_count=v.entity_count, changed_entity_count=v.changed_count,
        request_id=v.request_id, previous_version=v.previous_version)


def snapshot(s: Snapshot) -> pb.Snapshot:
    return pb.Snapshot(
        workspace_id=s.workspace_id, version=s.version, draft_revision=s.draft_revision,
        content_hash=s.content_hash,
        entities=[entity_from_parts(k, i, spec) for (k, i), spec in sorted(s.specs.items())])


def violation(v: FieldViolation) -> cpb.Violation:
    return cpb.Violation(kind=kind_enum(v.kind), entity_id=v.entity_id, field=v.field,
                         description=v.description, reason=v.reason)


def _value(value: Any) -> struct_pb2.Value:
    out = struct_pb2.Value()
    if value is None:
        return out
    wrapper = struct_pb2.ListValue()
    wrapper.append(value)
    return wrapper.values[0]


_DIFF_TYPES = {"added": cpb.DIFF_TYPE_ADDED, "removed": cpb.DIFF_TYPE_REMOVED,
               "changed": cpb.DIFF_TYPE_CHANGED}


def diff(entries: list[EntityDiff], from_hash: str, to_hash: str) -> cpb.Diff:
    out = cpb.Diff(from_content_hash=from_hash, to_content_hash=to_hash)
    for e in entries:
        item = out.entries.add(kind=kind_enum(e.kind), entity_id=e.entity_id,
                               type=_DIFF_TYPES[e.type], affected_agent_ids=e.affected_agents,
                               affected_squad_ids=e.affected_squads,
                               affected_channel_ids=e.affected_channels)
        for change in e.changes:
            field = item.field_changes.add(path=change.path)
            if change.old is not None:
                field.old_value.CopyFrom(_value(change.old))
            if change.new is not None:
                field.new_value.CopyFrom(_value(change.new))
    return out


def channel_input(c: cpb.Channel) -> ChannelInput:
    kind = kind_by_enum(c.target_kind)
    return ChannelInput(c.channel_id, c.display_name, CHANNEL_TYPE_NAMES.get(c.type, ""),
                        kind.name if kind else "", c.target_id)


def channel(c: Channel) -> cpb.Channel:
    return cpb.Channel(channel_id=c.channel_id, display_name=c.display_name,
                       type=CHANNEL_TYPE_ENUMS.get(c.type, cpb.CHANNEL_TYPE_UNSPECIFIED),  # type: ignore[arg-type]

                       target_kind=kind_enum(c.target_kind), target_id=c.target_id,
                       etag=c.etag, create_time=ts(c.created_at), update_time=ts(c.updated_at))


def backup(b: DraftBackup) -> cpb.DraftBackup:
    return cpb.DraftBackup(backup_id=b.backup_id, draft_revision=b.draft_revision,
                           entity_count=b.entity_count, create_time=ts(b.created_at),
                           created_by=b.created_by, reason=b.reason)
