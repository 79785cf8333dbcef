"""YAML data files that remember where things are, so every error can name ``file:line``.

Every mapping read by ``load_yaml`` carries ``__line__`` (the 1-based line where it starts);
with ``key_lines=True`` it also carries ``__lines__`` (the line of each key), for messages that
point at the field itself. Both loaders are SafeLoader subclasses: no tags, no objects.
"""

from __future__ import annotations

from typing import Any

import yaml

from camaudit.errors import RuleError

META_KEYS = ("__line__", "__lines__")


class LineLoader(yaml.SafeLoader):
    """SafeLoader that stores each mapping's 1-based line under ``__line__``."""


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
KeyLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_keys)


def load_yaml(text: str, filename: str, *, key_lines: bool = False) -> Any:
    """Parse ``text``; a syntax error becomes ``RuleError('file:line: invalid YAML: ...')``."""
    loader = KeyLineLoader if key_lines else LineLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader subclasses
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise RuleError(f"{filename}:{line}: invalid YAML: {getattr(e, 'problem', e)}") from e
