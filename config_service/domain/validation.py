"""What makes an entity, and a whole Draft, publishable.

``check_entity`` looks at one entity alone (limits, formats, JSON Schema, conditions): an edit
that fails it is refused. ``validate_draft`` adds what spans entities (references that must
resolve, squad consistency, channels bound to what the Draft deletes): a Draft that fails it
cannot be published. Both return every problem, each with its field path.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

from agentconfig.errors import FieldViolation
from agentconfig.references import references
from config_service.domain import limits as L
from config_service.domain.field_checks import violation
from config_service.domain.kind_checks import CHECKS
from config_service.domain.model import Channel, Key, Spec
from config_service.domain.secrets import find_secrets


def check_entity(kind: str, entity_id: str, spec: Spec, *, spec_path: str, id_path: str,
                 ) -> list[FieldViolation]:
    """Problems of one entity alone; ``spec_path`` prefixes every spec field (e.g.
    "entity.agent.") so the path names the request field."""
    out = []
    if not L.ENTITY_ID.match(entity_id):
        out.append(violation(id_path, "must be 1-63 lowercase letters, digits, '_' or '-', "
                             "starting with a letter or digit", "BAD_ID"))
    out += CHECKS[kind](spec, spec_path)
    for field, label in find_secrets(spec, spec_path):
        out.append(violation(field, f"looks like {label}: versions are kept forever and rollback "
                             "restores them, so secrets belong in a connection, referred to by "
                             "connection_id", "SECRET_IN_CONFIG"))
    return out


def validate_draft(specs: Mapping[Key, Spec], channels: Iterable[Channel] = (),
                   ) -> list[FieldViolation]:
    """Every problem of the whole Draft; field paths read ``kind/id.field``."""
    return validate_entities(specs, specs, channels)


def validate_entities(specs: Mapping[Key, Spec], present: Container[Key],
                      channels: Iterable[Channel] = ()) -> list[FieldViolation]:
    """The problems of the entities in ``specs`` (a part of the Draft, or all of it) and of
    the channels, where ``present`` answers which keys the whole Draft holds. Given the part
    a change can have broken (validation_delta.py), this finds what ``validate_draft`` of the
    whole Draft finds, in the same order."""
    out: list[FieldViolation] = []
    for (kind, entity_id), spec in sorted(specs.items()):
        prefix = f"{kind}/{entity_id}."
        for v in check_entity(kind, entity_id, spec, spec_path=prefix, id_path=prefix + "id"):
            out.append(FieldViolation(v.field, v.description, v.reason, kind, entity_id))
        for ref in references(kind, spec):
            if (ref.kind, ref.entity_id) not in present:
                out.append(FieldViolation(
                    prefix + ref.field,
                    f"refers to {ref.kind} {ref.entity_id!r}, which is not in the Draft",
                    "DANGLING_REFERENCE", kind, entity_id))
    for channel in channels:
        if (channel.target_kind, channel.target_id) not in present:
            out.append(FieldViolation(
                f"channel/{channel.channel_id}.target_id",
                f"channel {channel.channel_id!r} is bound to {channel.target_kind} "
                f"{channel.target_id!r}, which the Draft does not have",
                "CHANNEL_TARGET_MISSING", "channel", channel.channel_id))
    return out


def keys_named(specs: Mapping[Key, Spec], channels: Iterable[Channel] = ()) -> set[Key]:
    """Every key ``validate_entities`` asks ``present`` about."""
    named = {(r.kind, r.entity_id) for (kind, _), spec in specs.items()
             for r in references(kind, spec)}
    return named | {(c.target_kind, c.target_id) for c in channels}
