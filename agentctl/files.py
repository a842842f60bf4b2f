"""Reading entity YAML files (one or several documents per file; directories recursively)
and writing them back (``export``)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agentconfig.kinds import Kind
from agentconfig.v1 import entities_pb2 as pb
from agentctl import yaml_marks
from agentctl.entities import (
    DOCUMENT_KEYS,
    IGNORED_KEYS,
    KIND_WORDS,
    ParseError,
    cli_name,
    entity_from_spec,
    kind_from_word,
)
from agentctl.errors import Invalid
from agentctl.spec_check import problems
from agentctl.yaml_marks import Marks

SUFFIXES = (".yaml", ".yml")
TEST_CASE_KINDS = ("test-case", "test_case", "testcase", "test-cases", "test_cases")


@dataclass(frozen=True)
class Source:
    """One entity read from a file."""
    path: str
    kind: Kind
    entity_id: str
    entity: pb.Entity

    @property
    def label(self) -> str:
        return f"{cli_name(self.kind)}/{self.entity_id}"


def display(path: Path | str) -> str:
    """A path relative to the working directory when it is under it."""
    text = str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:
        return text
    return text if rel.startswith("..") else rel


def _hidden(relative: Path) -> bool:
    """A file or folder whose name starts with '.' (editor and VCS files, set-aside edits)."""
    return any(part.startswith(".") for part in relative.parts)


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                          and not _hidden(p.relative_to(path)))
        else:
            out.append(path)
    return out


def load(paths: Sequence[Path]) -> list[Source]:
    """Every entity in ``paths``; Invalid (with each problem) if any file is wrong."""
    sources: list[Source] = []
    problems: list[str] = []
    for path in yaml_files(paths):
        try:
            sources += _load_file(path)
        except Invalid as exc:
            problems.append(exc.message)
    problems += _duplicates(sources)
    if problems:
        raise Invalid(problems[0] if len(problems) == 1 else
                      f"{len(problems)} problems in the files:\n  " + "\n  ".join(problems))
    return sources


def _load_file(path: Path) -> list[Source]:
    # test cases may sit beside the entities (`agentctl test apply -f` reads those)
    return [_source(marks, i, doc)
            for i, (doc, marks) in enumerate(yaml_marks.read(path, display(path)))
            if doc is not None and not is_test_case(doc)]


def is_test_case(doc: Any) -> bool:
    """A test-case document (agentctl/testfiles.py), not an entity."""
    return isinstance(doc, dict) and str(doc.get("kind", "")).strip().lower() in TEST_CASE_KINDS


def unknown_keys(doc: dict[Any, Any], marks: Marks, expected: str) -> None:
    """Invalid, at the first key a document has that is not kind, id or spec, with the
    closest of those."""
    unknown = sorted(set(map(str, doc)) - set(DOCUMENT_KEYS) - set(IGNORED_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], DOCUMENT_KEYS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else expected
        raise Invalid(f"{marks.at((unknown[0],), at_key=True)}: unknown key "
                      f"{unknown[0]!r} ({hint})")


def _source(marks: Marks, index: int, doc: Any) -> Source:
    where = marks.where
    if not isinstance(doc, dict):
        raise Invalid(f"{marks.at(())}: document {index + 1}: expected a mapping with kind, "
                      "id and spec")
    unknown_keys(doc, marks, "expected kind, id and spec")
    kind = kind_from_word(str(doc.get("kind", "")))
    if kind is None:
        raise Invalid(f"{marks.at(('kind',))}: kind {doc.get('kind')!r} is not one of "
                      f"{KIND_WORDS}")
    entity_id = doc.get("id")
    if not isinstance(entity_id, str) or not entity_id:
        raise Invalid(f"{marks.at(('id',))}: id is required (a string)")
    spec = doc.get("spec") or {}
    label = f"{cli_name(kind)}/{entity_id}"
    if not isinstance(spec, dict):
        raise Invalid(f"{marks.at(('spec',))}: {label}: spec must be a mapping of "
                      f"{kind.title} fields")
    found = problems(spec, kind.message.DESCRIPTOR)
    if found:
        raise Invalid("\n  ".join(
            f"{marks.at(('spec', *p.path), at_key=p.at_key)}: {label}: {p.field}: {p.message}"
            for p in found))
    try:
        entity = entity_from_spec(kind, entity_id, spec)
    except ParseError as exc:
        raise Invalid(f"{marks.at(('spec',))}: {label}: {_parse_message(exc)}") from None
    return Source(where, kind, entity_id, entity)


def _parse_message(exc: ParseError) -> str:
    text = str(exc).splitlines()[0]
    return text.replace("Message type \"agentconfig.v1.", "message \"")


def _duplicates(sources: list[Source]) -> list[str]:
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for s in sources:
        key = (s.kind.name, s.entity_id)
        if key in seen:
            problems.append(f"{s.path}: {s.label} is also defined in {seen[key]}")
        seen.setdefault(key, s.path)
    return problems


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(documents: Iterable[Any]) -> str:
    """YAML documents separated by ``---``; multi-line strings as literal blocks."""
    return yaml.dump_all(list(documents), Dumper=_Dumper, sort_keys=False,
                         allow_unicode=True, default_flow_style=False, explicit_start=True)
