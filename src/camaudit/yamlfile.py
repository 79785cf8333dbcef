"""YAML data files that remember where things are, so every error can name ``file:line``.

Every mapping read by ``load_yaml`` carries ``__line__`` (the 1-based line where it starts);
with ``key_lines=True`` it also carries ``__lines__`` (the line of each key), for messages that
point at the field itself. Both loaders are SafeLoader subclasses: no tags, no objects.

Hostile files are refused with ``RuleError('file:line: invalid YAML: ...')``, never a traceback
or unbounded memory: a document nested deeper than ``MAX_DEPTH`` levels, or whose aliases
(``*name``) expand past ``MAX_EXPANDED`` scalar characters and nodes (an alias bomb, which
would blow up the moment a message quoted the value), or holding an impossible date
(``2025-13-45``). ``read_text`` reads a file named by the user up to ``MAX_FILE_BYTES``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from camaudit.errors import RuleError

META_KEYS = ("__line__", "__lines__")
MAX_DEPTH = 64
MAX_EXPANDED = 4 << 20  # characters of scalars plus nodes, aliases expanded
MAX_FILE_BYTES = 16 << 20


class LineLoader(yaml.SafeLoader):
    """SafeLoader that stores each mapping's 1-based line under ``__line__`` and refuses
    deep nesting, alias bombs and impossible dates (see the module docstring)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            _check_expansion(node)
        return node

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as e:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{str(node.value)[:40]}' is not a valid date ({e})",
                node.start_mark) from e


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand too far or too deep (memoised per node, so
    the check itself is linear in the document)."""
    memo: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
    busy: set[int] = set()

    def visit(node: yaml.Node, level: int) -> tuple[int, int]:
        key = id(node)
        if key in busy:
            raise yaml.composer.ComposerError(None, None, "an alias refers to itself",
                                              node.start_mark)
        if key not in memo:
            if level > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"aliases nest deeper than {MAX_DEPTH} levels", node.start_mark)
            busy.add(key)
            if isinstance(node, yaml.ScalarNode):
                memo[key] = (1 + len(str(node.value)), 0)
            else:
                children = ([c for pair in node.value for c in pair]
                            if isinstance(node, yaml.MappingNode) else list(node.value))
                size, height = 1, 0
                for child in children:
                    s, h = visit(child, level + 1)
                    size, height = size + s, max(height, h + 1)
                    if size > MAX_EXPANDED:
                        raise yaml.composer.ComposerError(
                            None, None, f"aliases expand past {MAX_EXPANDED} characters "
                            "(an alias bomb?)", node.start_mark)
                memo[key] = (size, height)
            busy.discard(key)
        size, height = memo[key]
        if level + height > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"aliases nest deeper than {MAX_DEPTH} levels", node.start_mark)
        return size, height

    visit(root, 0)


class KeyLineLoader(LineLoader):
    """LineLoader that also stores the line of each key under ``__lines__``."""


def _mapping(loader: LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


def _mapping_with_keys(loader: LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = _mapping(loader, node)
    mapping["__lines__"] = {getattr(k, "value", None): k.start_mark.line + 1
                            for k, _ in node.value}
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
LineLoader.add_constructor("tag:yaml.org,2002:timestamp", LineLoader.construct_yaml_timestamp)
KeyLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_keys)


def load_yaml(text: str, filename: str, *, key_lines: bool = False) -> Any:
    """Parse ``text``; a syntax error becomes ``RuleError('file:line: invalid YAML: ...')``."""
    loader = KeyLineLoader if key_lines else LineLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader subclasses
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(e, "problem", None) or str(e)
        if isinstance(e, yaml.reader.ReaderError):  # a control character: no mark, a position
            line = text.count("\n", 0, e.position) + 1
        # one line: a ReaderError's text goes on with '\n  in "<unicode string>", position N'
        problem = str(problem).splitlines()[0] if str(problem).strip() else type(e).__name__
        raise RuleError(f"{filename}:{line}: invalid YAML: {problem}") from e
    except RecursionError as e:
        raise RuleError(f"{filename}:0: invalid YAML: nested too deeply") from e


def read_text(path: Path, what: str = "file", limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a file the user named, read up to ``limit`` bytes (a device such as
    /dev/zero or a FIFO is read no further); ``RuleError('path:0: ...')`` otherwise."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as e:
        raise RuleError(f"{path}:0: cannot read {what}: {e.strerror or e}") from e
    if len(data) > limit:
        raise RuleError(f"{path}:0: {what} is larger than {limit} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RuleError(f"{path}:0: {what} is not UTF-8 text (byte {e.start})") from e
