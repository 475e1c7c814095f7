"""Reading the project's own YAML files (params.yaml, indicators.yaml, series.yaml) safely, with located errors.

`yaml.safe_load` already refuses `!!python/object` and friends, but with a raw `ConstructorError` traceback; an
impossible date written unquoted (`merger_date: 2025-13-01`) even escapes as a bare `ValueError` from PyYAML's
timestamp constructor; and a key written twice silently keeps the last value. Here every one of these is a
`DataError` naming the file, the line and the key, and the line of every key (dotted path for nested keys) is
kept so that a later check (dxtrack.core.params) can point at the line too.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from dxtrack.core.errors import DataError


class NoAliases:
    """A loader mixin refusing YAML aliases (`*name`, `<<: *name`): ten lines of nested aliases ("billion
    laughs") make a tree of a billion values that walking or copying never finishes. No project file uses them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"an alias (*{event.anchor}) is not accepted: write the value out", event.start_mark
            )
        return super().compose_node(parent, index)


def compose(text: str, loader: yaml.SafeLoader) -> yaml.Node | None:
    """The document's node tree, composed by libyaml when PyYAML has it (pure-Python composing was a few tenths
    of a second per stage). Anything unusual (invalid YAML, an alias) is composed again by `loader`, a pure-Python
    loader of the same text, so the error raised, and its line, are exactly that loader's."""
    if getattr(yaml, "__with_libyaml__", False):
        try:
            node = yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass
        else:
            if node is None or _is_tree(node):
                return node
    return loader.get_single_node()


def _is_tree(root: yaml.Node) -> bool:
    """Whether no node is reached twice (an alias makes the composer share a node)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return True


class _Loader(NoAliases, yaml.SafeLoader):
    """Safe YAML; an invalid unquoted date stays its text (the schema then says what is wrong with it)."""


def _timestamp(loader: _Loader, node: yaml.ScalarNode):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _walk(node: yaml.Node, prefix: str, lines: dict[str, int], display: str) -> None:
    """Record the line of every mapping key (dotted path) and refuse a key written twice at any depth."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            path = f"{prefix}.{key}" if prefix else key
            if key in seen:
                raise DataError(
                    f"the key appears twice (lines {seen[key]} and {line}); YAML would keep only the last",
                    file=display,
                    row=line,
                    column=path,
                    value=key,
                )
            seen[key] = line
            lines[path] = line
            _walk(value_node, path, lines, display)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, prefix, lines, display)


def load_yaml(path: Path, display: str | None = None) -> tuple[Any, dict[str, int]]:
    """The document and {dotted key: line}. Any YAML problem is a DataError with the file and line."""
    display = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError("the file does not exist", file=display) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start})", file=display) from None
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror})", file=display) from None
    # The same text is parsed once per process (the test suite builds thousands of projects from the same few
    # files; a report reads params and registries again): PyYAML's pure-Python composer is slow. Own copies out.
    return copy.deepcopy(_parse(text, display))


@functools.lru_cache(maxsize=1024)
def _parse(text: str, display: str) -> tuple[Any, dict[str, int]]:
    loader = _Loader(text)
    lines: dict[str, int] = {}
    try:
        node = compose(text, loader)
        if node is None:
            return None, lines
        _walk(node, "", lines, display)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(problem):
            problem = f"{problem} (tags that build Python objects are never read: write plain values)"
        raise DataError(
            f"not valid YAML: {problem}", file=display, row=None if mark is None else mark.line + 1
        ) from None
    finally:
        loader.dispose()
    return data, lines
