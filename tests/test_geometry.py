"""Boundaries simplified for national maps (dxtrack.report.geometry): detail goes, shape and topology stay."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from dxtrack.report.geometry import DETAIL_DEGREES, read_boundaries, simplify_arc, simplify_topology

FIXTURE_SOURCES = Path(__file__).parent / "fixtures" / "project" / "data" / "raw" / "sources"
BOUNDARY_FILES = sorted(FIXTURE_SOURCES.glob("geo_*/*.topo.json"))


def _decode(arc):
    return np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment of `line`."""
    a, b = line[:-1].astype(float), line[1:].astype(float)
    ab = b - a
    lengths = np.maximum((ab**2).sum(axis=1), 1e-12)
    p = points.astype(float)[:, None, :]
    s = np.clip(((p - a) * ab).sum(axis=2) / lengths, 0, 1)
    nearest = a + s[..., None] * ab
    return np.sqrt(((p - nearest) ** 2).sum(axis=2)).min(axis=1)


def test_a_wiggly_line_loses_points_within_tolerance_and_keeps_its_ends():
    rng = np.random.default_rng(7)  # synthetic line: a random walk
    points = np.cumsum(rng.integers(-20, 21, size=(400, 2)), axis=0)
    arc = np.vstack([points[:1], np.diff(points, axis=0)]).tolist()
    out = _decode(simplify_arc(arc, tolerance=15))
    assert 2 <= len(out) < len(points) / 3
    assert (out[0] == points[0]).all() and (out[-1] == points[-1]).all()
    assert _distance_to_polyline(points, out).max() <= 15 + 1e-9


def test_a_small_island_keeps_an_area():
    # a ring of 12 points within one unit of each other: far below any tolerance used here
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = np.round(np.c_[np.cos(angles), np.sin(angles)] * 3).astype(int) + 1000
    ring = np.vstack([ring, ring[:1]])
    arc = np.vstack([ring[:1], np.diff(ring, axis=0)]).tolist()
    out = _decode(simplify_arc(arc, tolerance=500))
    assert len(out) >= 4 and (out[0] == out[-1]).all()
    x, y = out[:, 0].astype(float), out[:, 1].astype(float)
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert area > 0


@pytest.mark.parametrize("path", BOUNDARY_FILES, ids=lambda p: p.name)
def test_real_boundaries_are_simplified_but_keep_every_arc_end_and_province(path):
    topo = json.loads(path.read_text(encoding="utf-8"))
    simple = simplify_topology(topo, DETAIL_DEGREES)
    tolerance = DETAIL_DEGREES / max(topo["transform"]["scale"])
    assert simple["objects"] == topo["objects"]  # every province and island keeps its arcs
    assert len(simple["arcs"]) == len(topo["arcs"])
    before = sum(len(a) for a in topo["arcs"])
    after = sum(len(a) for a in simple["arcs"])
    assert after < before / 3
    for old, new in zip(topo["arcs"], simple["arcs"]):
        old_pts, new_pts = _decode(old), _decode(new)
        # shared borders stay shared: an arc's ends are where its neighbours' arcs meet it
        assert (old_pts[0] == new_pts[0]).all() and (old_pts[-1] == new_pts[-1]).all()
        ring = (old_pts[0] == old_pts[-1]).all()
        if ring and len(np.unique(old_pts, axis=0)) >= 3:
            assert len(np.unique(new_pts, axis=0)) >= 3  # an island stays a polygon
        assert _distance_to_polyline(old_pts, new_pts).max() <= tolerance + 1e-6


def test_read_boundaries_follows_the_file(tmp_path):
    source = BOUNDARY_FILES[0]
    copy = tmp_path / source.name
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    first = read_boundaries(copy)
    assert len(first.gids) == len(json.loads(copy.read_text(encoding="utf-8"))["objects"][first.feature]["geometries"])
    topo = json.loads(copy.read_text(encoding="utf-8"))
    topo["objects"][first.feature]["geometries"] = topo["objects"][first.feature]["geometries"][:5]
    copy.write_text(json.dumps(topo), encoding="utf-8")
    os.utime(copy, ns=(1, 1))  # a new version, even within the file system's time resolution
    assert len(read_boundaries(copy).gids) == 5


def _ring_points(arcs, ring):
    parts = [_decode(arcs[i]) if i >= 0 else _decode(arcs[~i])[::-1] for i in ring]
    return np.vstack([parts[0], *(p[1:] for p in parts[1:])])


def _signed_area(points):
    x, y = points[:, 0].astype(float), points[:, 1].astype(float)
    return 0.5 * (np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


@pytest.mark.parametrize("path", BOUNDARY_FILES, ids=lambda p: p.name)
def test_no_ring_turns_over_or_collapses(path):
    """A ring drawn the other way round is, on Vega's sphere, the rest of the globe: the whole map one colour."""
    topo = json.loads(path.read_text(encoding="utf-8"))
    simple = simplify_topology(topo, DETAIL_DEGREES)
    (feature,) = topo["objects"]
    rings = [
        ring
        for geometry in topo["objects"][feature]["geometries"]
        for polygon in ([geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"])
        for ring in polygon
    ]
    assert rings
    for ring in rings:
        before = _signed_area(_ring_points(topo["arcs"], ring))
        after = _signed_area(_ring_points(simple["arcs"], ring))
        assert after != 0 and np.sign(after) == np.sign(before), ring


@pytest.mark.parametrize("path", BOUNDARY_FILES, ids=lambda p: p.name)
def test_arcs_simplified_together_as_each_alone(path):
    """simplify_topology works on every arc at once: no arc's result depends on the others (a ring turned over
    keeps its arcs as published)."""
    topo = json.loads(path.read_text(encoding="utf-8"))
    tolerance = DETAIL_DEGREES / max(topo["transform"]["scale"])
    together = simplify_topology(topo, DETAIL_DEGREES)["arcs"]
    alone = [simplify_arc(arc, tolerance) for arc in topo["arcs"]]
    assert all(t == a or t == o for t, a, o in zip(together, alone, topo["arcs"]))
    assert sum(t == a for t, a in zip(together, alone)) > 0.99 * len(alone)
