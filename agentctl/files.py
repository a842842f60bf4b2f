"""Reading entity YAML files (one or several documents per file; directories recursively)
and writing them back (``export``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agentconfig.kinds import Kind
from agentconfig.v1 import entities_pb2 as pb
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
    where = display(path)
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise Invalid(f"{where}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise Invalid(f"{where}{at}: not valid YAML: {problem}") from None
    # test cases may sit beside the entities (`agentctl test apply -f` reads those)
    return [_source(where, i, doc) for i, doc in enumerate(documents)
            if doc is not None and not is_test_case(doc)]


def is_test_case(doc: Any) -> bool:
    """A test-case document (agentctl/testfiles.py), not an entity."""
    return isinstance(doc, dict) and str(doc.get("kind", "")).strip().lower() in TEST_CASE_KINDS


def _source(where: str, index: int, doc: Any) -> Source:
    at = f"{where} (document {index + 1})"
    if not isinstance(doc, dict):
        raise Invalid(f"{at}: expected a mapping with kind, id and spec")
    unknown = sorted(set(map(str, doc)) - set(DOCUMENT_KEYS) - set(IGNORED_KEYS))
    if unknown:
        raise Invalid(f"{at}: unknown key {unknown[0]!r} (expected kind, id and spec)")
    kind = kind_from_word(str(doc.get("kind", "")))
    if kind is None:
        raise Invalid(f"{at}: kind {doc.get('kind')!r} is not one of {KIND_WORDS}")
    entity_id = doc.get("id")
    if not isinstance(entity_id, str) or not entity_id:
        raise Invalid(f"{at}: id is required (a string)")
    spec = doc.get("spec") or {}
    label = f"{where}: {cli_name(kind)}/{entity_id}"
    if not isinstance(spec, dict):
        raise Invalid(f"{label}: spec must be a mapping of {kind.title} fields")
    try:
        entity = entity_from_spec(kind, entity_id, spec)
    except ParseError as exc:
        raise Invalid(f"{label}: {_parse_message(exc)}") from None
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
