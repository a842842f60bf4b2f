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
``responder`` written short. Mistakes point at file:line:column as in entity files
(agentctl/files.py): the same key, field and type checks, the same YAML syntax errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from agentctl import yaml_marks
from agentctl.errors import Invalid
from agentctl.files import display, dump, is_test_case, unknown_keys, yaml_files
from agentctl.spec_check import problems
from agentctl.yaml_marks import Marks

TARGETS = {"agent": pb.ENTITY_KIND_AGENT, "squad": pb.ENTITY_KIND_SQUAD}
TARGET_NAMES = {v: k for k, v in TARGETS.items()}
RESPONDERS = {"scripted": rpb.RESPONDER_KIND_SCRIPTED,
              "configured": rpb.RESPONDER_KIND_CONFIGURED}
SHORT = ("target", "responder")  # written short here, not as the proto's fields
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


def _spec(doc: Any, marks: Marks) -> tuple[str, dict[str, Any]]:
    """The case's id and spec, after the document's shape and every field of the spec are
    checked, each problem at its line and column."""
    if not isinstance(doc, dict):
        raise Invalid(f"{marks.at(())}: expected a mapping with kind, id and spec")
    unknown_keys(doc, marks, "expected kind: test-case, id and spec")
    case_id = doc.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise Invalid(f"{marks.at(('id',))}: id is required (a string)")
    spec = doc.get("spec") or {}
    if not isinstance(spec, dict):
        raise Invalid(f"{marks.at(('spec',))}: test-case/{case_id}: spec must be a mapping "
                      "of TestCase fields")
    found = problems(spec, tpb.TestCase.DESCRIPTOR, known=SHORT)
    if found:
        raise Invalid("\n  ".join(
            f"{marks.at(('spec', *p.path), at_key=p.at_key)}: test-case/{case_id}: "
            f"{p.field}: {p.message}" for p in found))
    return case_id, dict(spec)


def case_from_doc(doc: Any, marks: Marks) -> tpb.TestCase:
    case_id, spec = _spec(doc, marks)
    label = f"test-case/{case_id}"
    kind, target_id = _target(spec.pop("target", None),
                              f"{marks.at(('spec', 'target'))}: {label}")
    responder = str(spec.pop("responder", "scripted")).lower()
    if responder not in RESPONDERS:
        raise Invalid(f"{marks.at(('spec', 'responder'))}: {label}: responder must be "
                      f"scripted or configured, not {responder!r}")
    case = tpb.TestCase(test_case_id=case_id, target_kind=kind, target_id=target_id,
                        responder=RESPONDERS[responder])
    try:
        json_format.ParseDict(spec, case)
    except json_format.ParseError as exc:
        problem = str(exc).splitlines()[0].replace('Message type "agentconfig.v1.', 'message "')
        raise Invalid(f"{marks.at(('spec',))}: {label}: {problem}") from None
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


def load(paths: Sequence[Path]) -> list[CaseFile]:
    """Every test case in ``paths`` (entity documents are skipped); Invalid, naming each
    problem at its file:line:column, if a file or a case is wrong or an id is defined
    twice."""
    out: list[CaseFile] = []
    found: list[str] = []
    for path in yaml_files(paths):
        try:
            out += [CaseFile(marks.where, case_from_doc(doc, marks))
                    for doc, marks in yaml_marks.read(path, display(path))
                    if is_test_case(doc)]
        except Invalid as exc:
            found.append(exc.message)
    found += _duplicates(out)
    if found:
        raise Invalid(found[0] if len(found) == 1 else
                      f"{len(found)} problems in the files:\n  " + "\n  ".join(found))
    return out


def _duplicates(cases: list[CaseFile]) -> list[str]:
    seen: dict[str, str] = {}
    found = []
    for item in cases:
        case_id = item.case.test_case_id
        if case_id in seen:
            found.append(f"{item.path}: test-case/{case_id} is also defined in {seen[case_id]}")
        seen.setdefault(case_id, item.path)
    return found
