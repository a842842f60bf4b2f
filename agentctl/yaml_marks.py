"""Where in a YAML file something is: ``file:line:column`` of a key or a value (from the
node tree PyYAML composes), and of a syntax error's real cause. ``read`` gives each document
of a file with its marks, for entity files and test-case files alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from agentctl.errors import Invalid

PathPart = str | int


@dataclass(frozen=True)
class Marks:
    """One document of a file: ``at(path)`` is ``file:line:column`` of what ``path`` names
    (keys of mappings, indexes of lists), or of the nearest thing above it that exists."""
    where: str
    root: Node | None

    def at(self, path: tuple[PathPart, ...], *, at_key: bool = False) -> str:
        mark = _mark(self.root, path, at_key) if self.root is not None else None
        return self.where if mark is None else f"{self.where}:{_place(mark)}"


def read(path: Path, where: str) -> list[tuple[Any, Marks]]:
    """Each document of the file at ``path`` (shown as ``where``) with its marks; Invalid,
    pointing at the cause, if it cannot be read or is not YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid(f"{where}: cannot read: {exc.strerror or exc}") from None
    try:
        documents = list(yaml.safe_load_all(text))
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise Invalid(f"{where}:{syntax_error(exc)}") from None
    except yaml.YAMLError as exc:
        raise Invalid(f"{where}: not valid YAML: {str(exc).splitlines()[0]}") from None
    return [(doc, Marks(where, node))
            for doc, node in zip(documents, nodes, strict=False)]


def _place(mark: yaml.Mark) -> str:
    return f"{mark.line + 1}:{mark.column + 1}"


def _mark(node: Node, path: tuple[PathPart, ...], at_key: bool) -> yaml.Mark:
    key: Node | None = None
    for part in path:
        found = _child(node, part)
        if found is None:
            return node.start_mark
        key, node = found
    return key.start_mark if at_key and key is not None else node.start_mark


def _child(node: Node, part: PathPart) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode):
        return next(((k, v) for k, v in node.value
                     if isinstance(k, ScalarNode) and k.value == str(part)), None)
    if isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
        return None, node.value[part]
    return None


def syntax_error(exc: yaml.MarkedYAMLError) -> str:
    """``line:column: not valid YAML: ...`` at the cause: where an unclosed quote, bracket
    or block starts when the parser only notices at the end of the file, else where the
    parser stopped."""
    problem, context = exc.problem or "a syntax error", exc.context
    at_end = "end of stream" in problem or "<stream end>" in problem
    if context and exc.context_mark is not None and (at_end or exc.problem_mark is None):
        return (f"{_place(exc.context_mark)}: not valid YAML: {problem} {context} that "
                f"starts here")
    mark = exc.problem_mark or exc.context_mark
    found = f" ({context} at {_place(exc.context_mark)})" \
        if context and exc.context_mark is not None else ""
    return f"{_place(mark) if mark else '?'}: not valid YAML: {problem}{found}"
