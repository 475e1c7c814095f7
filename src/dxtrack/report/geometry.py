"""Province boundaries as the maps draw them: the published TopoJSON with its detail reduced to what a national map
can show.

The boundary files carry ~75,000 points. Drawn 640 px tall, one pixel spans ~0.026° of latitude, so most of those
points fall within a pixel of their neighbours: they made each map's page heavier by ~650 KB and its static figure
four times slower to draw, and no reader could see them. Each arc is simplified by Douglas–Peucker within
`DETAIL_DEGREES` (all arcs at once, a round per level: 0.1 s a file). Arcs are what neighbouring provinces share,
and an arc keeps its end points, so shared borders stay shared (no gaps, no overlaps). A closed arc (an island)
keeps at least four points: Hoàng Sa and Trường Sa stay on the map however small their islands are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from dxtrack.core.paths import file_version

# ~550 m: a fifth of a pixel on the 640-px maps, half a pixel of their PNG at scale 2.
DETAIL_DEGREES = 0.005


@dataclass(frozen=True)
class Boundaries:
    feature: str  # the TopoJSON object holding the provinces
    gids: tuple[int, ...]  # each province's `gid` property, in file order
    text: str  # the simplified TopoJSON as compact JSON (charts inline it as a string)


def read_boundaries(path: str | Path) -> Boundaries:
    """The boundary file at `path`, simplified (cached per version of the file, `file_version`, within a process)."""
    p = Path(path)
    return _read(str(p.resolve()), file_version(p))


@lru_cache(maxsize=8)
def _read(path: str, version: tuple[int, ...] | None) -> Boundaries:
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
    points = [np.cumsum(np.asarray(arc, dtype=np.int64).reshape(-1, 2), axis=0) for arc in original]
    keep = _keep(points, tolerance)
    arcs = [arc if k.all() else _encode(p[k]) for arc, p, k in zip(original, points, keep)]
    # Vega draws on a sphere: a ring that simplification turns over (or flattens) would be drawn as the rest of the
    # globe, the whole map in one colour. Such a ring keeps its arcs as published; repeat, as restoring an arc
    # changes the rings sharing it (back towards the published shape).
    rings = list(_rings(topo))
    before = _arc_areas(points)
    after = _arc_areas([p[k] for p, k in zip(points, keep)])
    signs = [np.sign(_ring_area(before, ring)) for ring in rings]
    while True:
        restore = {
            i if i >= 0 else ~i
            for ring, sign in zip(rings, signs)
            if np.sign(_ring_area(after, ring)) != sign
            for i in ring
        }
        restore = {i for i in restore if arcs[i] is not original[i]}
        if not restore:
            return {**topo, "arcs": arcs}
        for i in restore:
            arcs[i], after[i] = original[i], before[i]


def simplify_arc(arc: list[list[int]], tolerance: float) -> list[list[int]]:
    """One delta-encoded arc, simplified (as `simplify_topology` simplifies each)."""
    points = np.cumsum(np.asarray(arc, dtype=np.int64).reshape(-1, 2), axis=0)
    (keep,) = _keep([points], tolerance)
    return arc if keep.all() else _encode(points[keep])


def _encode(points: np.ndarray) -> list[list[int]]:
    return np.vstack([points[:1], np.diff(points, axis=0)]).tolist()


def _keep(arcs: list[np.ndarray], tolerance: float) -> list[np.ndarray]:
    """Which points of each arc (decoded) to keep: Douglas–Peucker on every arc at once, one round per level.

    An arc keeps its ends; an arc of ≤ 4 points keeps all of them. A closed arc (an island) is split at its point
    farthest from the start, and each half keeps at least its own farthest point from its chord, so a ring keeps
    ≥ 4 points however small it is. Then, round by round, every span between two kept points keeps its point
    farthest from the span's chord (the segment between its ends) while that point is farther than `tolerance`."""
    sizes = np.array([len(a) for a in arcs])
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    last = first + sizes - 1
    xy = np.vstack(arcs).astype(float)
    keep = np.zeros(len(xy), dtype=bool)
    keep[first] = keep[last] = True
    spans_a, spans_b, forced = [], [], []
    for arc, a, b in zip(arcs, first, last):
        if len(arc) <= 4:
            keep[a : b + 1] = True
        elif (arc[0] == arc[-1]).all():
            far = a + int(np.argmax(np.hypot(*(arc - arc[0]).T)))
            keep[far] = True
            spans_a += [a, far]
            spans_b += [far, b]
            forced += [True, True]
        else:
            spans_a.append(a)
            spans_b.append(b)
            forced.append(False)
    a, b, force = np.array(spans_a, dtype=np.int64), np.array(spans_b, dtype=np.int64), np.array(forced, dtype=bool)
    while True:
        inner_count = b - a - 1
        live = inner_count > 0
        a, b, force, inner_count = a[live], b[live], force[live], inner_count[live]
        if not len(a):
            return np.split(keep, np.cumsum(sizes)[:-1])
        span = np.repeat(np.arange(len(a)), inner_count)
        starts = np.cumsum(inner_count) - inner_count
        inner = a[span] + 1 + (np.arange(inner_count.sum()) - starts[span])
        chord = (xy[b] - xy[a])[span]
        rel = xy[inner] - xy[a][span]
        squared = (chord**2).sum(axis=1)
        along = np.clip((rel * chord).sum(axis=1) / np.where(squared == 0, 1, squared), 0.0, 1.0)
        distance = np.hypot(*(rel - along[:, None] * chord).T)
        farthest = np.maximum.reduceat(distance, starts)
        at = np.minimum.reduceat(np.where(distance == farthest[span], inner, len(xy)), starts)  # first farthest
        split = (farthest > tolerance) | force
        keep[at[split]] = True
        a, b = np.concatenate([a[split], at[split]]), np.concatenate([at[split], b[split]])
        force = np.zeros(len(a), dtype=bool)


def _arc_areas(arcs: list[np.ndarray]) -> np.ndarray:
    """Each arc's share of the shoelace sum of any ring it is part of (a ring's area is half the sum of its arcs'
    shares, negated for arcs it runs backwards)."""
    out = np.empty(len(arcs))
    for i, points in enumerate(arcs):
        x, y = points[:, 0].astype(float), points[:, 1].astype(float)
        out[i] = np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])
    return out


def _ring_area(arc_areas: np.ndarray, ring: list[int]) -> float:
    """Twice the signed area of a ring of arc indexes (~i: arc i reversed); its sign is the ring's direction."""
    return float(sum(arc_areas[i] if i >= 0 else -arc_areas[~i] for i in ring))


def _rings(topo: dict[str, Any]):
    """Every ring of every polygon: a list of arc indexes (~i: arc i reversed)."""
    for obj in topo["objects"].values():
        for geometry in obj.get("geometries", [obj]):
            if geometry.get("type") == "Polygon":
                yield from geometry["arcs"]
            elif geometry.get("type") == "MultiPolygon":
                for polygon in geometry["arcs"]:
                    yield from polygon
