"""Province boundaries as the maps draw them: the published TopoJSON with its detail reduced to what a national map
can show.

The boundary files carry ~75,000 points. Drawn 640 px tall, one pixel spans ~0.026° of latitude, so most of those
points fall within a pixel of their neighbours: they made each map's page heavier by ~650 KB and its static figure
four times slower to draw, and no reader could see them. Each arc is simplified by Douglas–Peucker within
`DETAIL_DEGREES`. Arcs are what neighbouring provinces share, and an arc keeps its end points, so shared borders
stay shared (no gaps, no overlaps). A closed arc (an island) keeps at least a triangle: Hoàng Sa and Trường Sa
stay on the map however small their islands are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

# ~550 m: a fifth of a pixel on the 640-px maps, half a pixel of their PNG at scale 2.
DETAIL_DEGREES = 0.005


@dataclass(frozen=True)
class Boundaries:
    feature: str  # the TopoJSON object holding the provinces
    gids: tuple[int, ...]  # each province's `gid` property, in file order
    text: str  # the simplified TopoJSON as compact JSON (charts inline it as a string)


def read_boundaries(path: str | Path) -> Boundaries:
    """The boundary file at `path`, simplified (cached per file version within a process)."""
    p = Path(path)
    stat = p.stat()
    return _read(str(p.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int, size: int) -> Boundaries:
    topo = json.loads(Path(path).read_text(encoding="utf-8"))
    (feature,) = topo["objects"].keys()
    gids = tuple(g["properties"]["gid"] for g in topo["objects"][feature]["geometries"])
    text = json.dumps(simplify_topology(topo, DETAIL_DEGREES), ensure_ascii=False, separators=(",", ":"))
    return Boundaries(feature, gids, text)


def simplify_topology(topo: dict[str, Any], tolerance_degrees: float) -> dict[str, Any]:
    """`topo` with every arc simplified within `tolerance_degrees` (a quantized TopoJSON: delta-encoded integer
    arcs and a `transform`; an unquantized one is returned as it is)."""
    transform = topo.get("transform")
    if not transform:
        return topo
    tolerance = tolerance_degrees / max(transform["scale"])  # in the file's integer units
    original = topo["arcs"]
    arcs = [simplify_arc(arc, tolerance) for arc in original]
    # Vega draws on a sphere: a ring that simplification turns over (or flattens) would be drawn as the rest of the
    # globe, the whole map in one colour. Such a ring keeps its arcs as published; repeat, as restoring an arc
    # changes the rings sharing it (back towards the published shape).
    rings = list(_rings(topo))
    signs = [np.sign(_signed_area(original, ring)) for ring in rings]
    while True:
        restore = {
            i if i >= 0 else ~i
            for ring, sign in zip(rings, signs)
            if np.sign(_signed_area(arcs, ring)) != sign
            for i in ring
        }
        restore = {i for i in restore if arcs[i] is not original[i]}
        if not restore:
            return {**topo, "arcs": arcs}
        for i in restore:
            arcs[i] = original[i]


def _rings(topo: dict[str, Any]):
    """Every ring of every polygon: a list of arc indexes (~i: arc i reversed)."""
    for obj in topo["objects"].values():
        for geometry in obj.get("geometries", [obj]):
            if geometry.get("type") == "Polygon":
                yield from geometry["arcs"]
            elif geometry.get("type") == "MultiPolygon":
                for polygon in geometry["arcs"]:
                    yield from polygon


def _signed_area(arcs: list, ring: list[int]) -> float:
    """Shoelace area of a ring in the file's integer units (its sign is the ring's direction)."""
    parts = [np.cumsum(np.asarray(arcs[i if i >= 0 else ~i], dtype=np.int64), axis=0) for i in ring]
    parts = [part if i >= 0 else part[::-1] for i, part in zip(ring, parts)]
    points = np.vstack([parts[0], *(part[1:] for part in parts[1:])]).astype(float)
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def simplify_arc(arc: list[list[int]], tolerance: float) -> list[list[int]]:
    """One delta-encoded arc, simplified; its first and last points are kept, a closed one keeps ≥ 4 points
    (given ≥ 4 distinct ones)."""
    if len(arc) <= 4:
        return arc
    points = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)
    if (points[0] == points[-1]).all():
        # A ring: split it at the point farthest from its start so each half has distinct ends. Each half keeps at
        # least its own farthest point, so an island smaller than the tolerance still keeps its outline's extent.
        far = int(np.argmax(np.hypot(*(points - points[0]).T)))
        halves = [_douglas_peucker(points[: far + 1], tolerance), _douglas_peucker(points[far:], tolerance)]
        for half, kept in zip((points[: far + 1], points[far:]), halves):
            if kept.sum() == 2 and len(half) > 2:
                kept[_farthest_from_chord(half)] = True
        keep = np.concatenate([halves[0][:-1], halves[1]])
    else:
        keep = _douglas_peucker(points, tolerance)
    kept = points[keep]
    return np.vstack([kept[:1], np.diff(kept, axis=0)]).tolist()


def _farthest_from_chord(points: np.ndarray) -> int:
    """Index of the inner point of `points` farthest from the segment between its ends."""
    return 1 + int(np.argmax(_chord_distance(points[1:-1] - points[0], points[-1] - points[0])))


def _chord_distance(inner: np.ndarray, chord: np.ndarray) -> np.ndarray:
    """Distance of each of `inner` (relative to the chord's start) to the segment from 0 to `chord`."""
    squared = float(chord @ chord)
    if squared == 0:
        return np.hypot(*inner.T)
    along = np.clip(inner @ chord / squared, 0.0, 1.0)
    return np.hypot(*(inner - along[:, None] * chord).T)


def _douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Which of `points` to keep: end points, and recursively the point farthest from the chord (the segment
    between the ends kept so far) while it is farther than `tolerance`."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    spans = [(0, len(points) - 1)]
    while spans:
        a, b = spans.pop()
        if b - a < 2:
            continue
        distance = _chord_distance(points[a + 1 : b] - points[a], points[b] - points[a])
        i = int(np.argmax(distance))
        if distance[i] > tolerance:
            keep[a + 1 + i] = True
            spans += [(a, a + 1 + i), (a + 1 + i, b)]
    return keep
