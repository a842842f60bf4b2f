"""The YAML test-case format, beside the entity files (``agentctl apply -f`` skips these
documents; ``agentctl test apply -f`` reads only them)::

    kind: test-case
    id: invoice-handoff
    spec:
      display_name: Invoices go to billing, and stay there
      target: squad/front-desk          # agent/ID or squad/ID
      responder: scripted               # the default; or configured (the runtime's model)
      mocks: [{tool: order-status, result: {status: shipped}}]
      turns:
        - user_message: Where is my invoice?
          script: {moves: [{reply: Let me check.}]}
          expect: {agent_id: billing, check_handoff: true, handoff_rule_index: 0}

``spec`` is the proto3 JSON mapping of TestCase (proto field names) with ``target`` and
``responder`` written short."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import json_format

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from agentctl.errors import Invalid
from agentctl.files import display, dump, is_test_case, yaml_files

TARGETS = {"agent": pb.ENTITY_KIND_AGENT, "squad": pb.ENTITY_KIND_SQUAD}
TARGET_NAMES = {v: k for k, v in TARGETS.items()}
RESPONDERS = {"scripted": rpb.RESPONDER_KIND_SCRIPTED,
              "configured": rpb.RESPONDER_KIND_CONFIGURED}
OUTPUT_ONLY = ("workspace_id", "test_case_id", "etag", "create_time", "update_time",
               "updated_by", "target_kind", "target_id", "responder")


@dataclass(frozen=True)
class CaseFile:
    path: str
    case: tpb.TestCase


def _target(value: Any, at: str) -> tuple[pb.EntityKind.ValueType, str]:
    kind, _, target_id = str(value or "").partition("/")
    if kind not in TARGETS or not target_id:
        raise Invalid(f"{at}: target must be agent/ID or squad/ID, not {value!r}")
    return TARGETS[kind], target_id


def case_from_doc(doc: dict[str, Any], at: str) -> tpb.TestCase:
    case_id = doc.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise Invalid(f"{at}: id is required (a string)")
    spec = dict(doc.get("spec") or {})
    at = f"{at}: test-case/{case_id}"
    kind, target_id = _target(spec.pop("target", None), at)
    responder = str(spec.pop("responder", "scripted")).lower()
    if responder not in RESPONDERS:
        raise Invalid(f"{at}: responder must be scripted or configured, not {responder!r}")
    case = tpb.TestCase(test_case_id=case_id, target_kind=kind, target_id=target_id,
                        responder=RESPONDERS[responder])
    try:
        json_format.ParseDict(spec, case)
    except json_format.ParseError as exc:
        problem = str(exc).splitlines()[0].replace('Message type "agentconfig.v1.', 'message "')
        raise Invalid(f"{at}: {problem}") from None
    return case


def case_to_doc(case: tpb.TestCase) -> dict[str, Any]:
    data = json_format.MessageToDict(case, preserving_proto_field_name=True)
    spec: dict[str, Any] = {"display_name": data.pop("display_name", case.test_case_id),
                            "target": f"{TARGET_NAMES.get(case.target_kind, '?')}/"
                                      f"{case.target_id}"}
    if case.responder == rpb.RESPONDER_KIND_CONFIGURED:
        spec["responder"] = "configured"
    spec |= {k: v for k, v in data.items() if k not in OUTPUT_ONLY}
    for turn in spec.get("turns", []):  # rule 0 is the JSON default, so not written: say it
        expect = turn.get("expect", {})
        if expect.get("check_handoff"):
            expect.setdefault("handoff_rule_index", 0)
    return {"kind": "test-case", "id": case.test_case_id, "spec": spec}


def dump_cases(cases: Sequence[tpb.TestCase]) -> str:
    return dump(case_to_doc(c) for c in cases)


def _read(path: Path) -> list[Any]:
    where = display(path)
    try:
        return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise Invalid(f"{where}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise Invalid(f"{where}: not valid YAML: {problem}") from None


def load(paths: Sequence[Path]) -> list[CaseFile]:
    """Every test case in ``paths`` (entity documents are skipped); Invalid if a file or a
    case is wrong, or an id is defined twice."""
    out: list[CaseFile] = []
    seen: dict[str, str] = {}
    for path in yaml_files(paths):
        for i, doc in enumerate(_read(path)):
            if not is_test_case(doc):
                continue
            at = f"{display(path)} (document {i + 1})"
            case = case_from_doc(doc, at)
            if case.test_case_id in seen:
                raise Invalid(f"{display(path)}: test-case/{case.test_case_id} is also "
                              f"defined in {seen[case.test_case_id]}")
            seen[case.test_case_id] = display(path)
            out.append(CaseFile(display(path), case))
    return out
