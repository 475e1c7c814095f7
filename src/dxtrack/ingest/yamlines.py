"""YAML read with the line of every key, so an error in a hand-written YAML file names its line.

`load(path)` returns plain dicts and lists; each dict also carries `LINES` ("__lines__"): key -> 1-based line.
Code reads keys explicitly, so the extra entry never leaks into data (`plain` strips it where a copy is kept).
"""

from __future__ import annotations

from pathlib import Path

import yaml

LINES = "__lines__"


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    data = {}
    lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    data[LINES] = lines
    return data


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader) or {}


def line(mapping: dict, key: str) -> int | None:
    """The line `key` is on in `mapping` (or the mapping's first line when the key is missing)."""
    lines = mapping.get(LINES, {}) if isinstance(mapping, dict) else {}
    return lines.get(key) or (min(lines.values()) if lines else None)


def plain(value):
    """A copy without the line bookkeeping."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != LINES}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
