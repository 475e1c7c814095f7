"""The whole edition as a reader meets it, in headless Chromium with the network off: the index finds a unit
typed without diacritics, every link resolves on disk, the briefing and a merged unit's report draw every chart
without page errors at 1280 and 420 px, print on A4, and show a static image when scripts do not run.
Screenshots go to test-artifacts/ (or $PYTEST_ARTIFACTS)."""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from test_browser import COLLECTOR, _artifacts, _run_chromium, chromium, network_mode  # noqa: F401, F811

MERGED = "86"  # Vĩnh Long: a unit formed from three former provinces (structure, not a live fact)


pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def edition(repro_project) -> Path:
    """The whole edition `dvc repro` renders from the frozen data (every report, both languages, the index and the
    annex): conftest's session build, shared with tests/test_pipeline.py; the probe copies made here are removed."""
    import yaml

    year = yaml.safe_load((repro_project / "params.yaml").read_text(encoding="utf-8"))["render"]["year"]
    return repro_project / "reports" / str(year)


def _unit_page(edition: Path, lang: str) -> Path:
    (page,) = sorted((edition / "provinces").glob(f"{MERGED}-*.{lang}.html"))
    return page


def _state(dom: str) -> dict:
    found = re.search(r'<pre id="dx-report">(.*?)</pre>', dom, re.S)
    assert found, "the page never finished loading"
    return json.loads(htmllib.unescape(found.group(1)))


def test_every_link_resolves_on_disk(edition):
    pages = [*edition.glob("*.html"), *(edition / "provinces").glob("*.html")]
    assert {p.name for p in edition.glob("index.*.html")} == {"index.vi.html", "index.en.html"}
    for page in pages:
        text = re.sub(r"<script.*?</script>", "", page.read_text(encoding="utf-8"), flags=re.S)
        assert re.search(r"<title>[^<]*\S[^<]*</title>", text) and f"<title>{page.stem}</title>" not in text
        for href in re.findall(r'(?:href|src)="([^"#]+)', text):
            if href.startswith(("http://", "https://", "data:")):
                continue
            target = (page.parent / unquote(urlparse(href).path)).resolve()
            assert target.exists(), f"{page.name}: link {href} does not resolve"
        assert "<script src=" not in page.read_text(encoding="utf-8")
        shown = re.sub(r'(?:href|src)="[^"]*"', "", text)  # a source's own URL may say anything
        for dev in ("dxtrack release", "data/processed", "data/raw", ".parquet", "/work/", "/tmp/"):
            assert dev not in shown, f"{page.name}: developer text {dev!r}"


def test_index_search_finds_a_unit_typed_without_diacritics(chromium, network_mode, edition):
    index = edition / "index.vi.html"
    dom = _run_chromium(chromium, network_mode, ["--dump-dom", index.as_uri() + "#vinh%20long"]).stdout
    rows = re.findall(r"<tr data-search=\"([^\"]*)\"[^>]*?(hidden=\"\")?>", dom)
    shown = [r[0] for r in rows if not r[1]]
    assert len(rows) >= 34 and len(shown) == 1 and shown[0].startswith("Vĩnh Long"), shown
    dom = _run_chromium(chromium, network_mode, ["--dump-dom", index.as_uri() + "#zzzz"]).stdout
    assert '<p id="dx-none">' in dom  # nothing matches: the page says so
    shot = _artifacts() / "site-index-vi-420.png"
    _run_chromium(
        chromium,
        network_mode,
        [f"--screenshot={shot}", "--window-size=420,900", "--hide-scrollbars", index.as_uri() + "#vinh%20long"],
    )
    assert shot.is_file()


@pytest.mark.parametrize("width", [1280, 420])
def test_pages_draw_every_chart_without_errors(chromium, network_mode, edition, tmp_path, width):
    for page in (edition / "briefing.vi.html", _unit_page(edition, "vi"), _unit_page(edition, "en")):
        text = page.read_text(encoding="utf-8")
        charts = text.count('class="dxtrack-chart"')
        assert charts >= 1, page.name
        probe = page.parent / f".probe-{width}-{page.name}"
        probe.write_text(text.replace("<head>", "<head>" + COLLECTOR, 1), encoding="utf-8")
        try:
            proc = _run_chromium(
                chromium,
                network_mode,
                ["--dump-dom", "--virtual-time-budget=20000", f"--window-size={width},2000", probe.as_uri()],
            )
        finally:
            probe.unlink()
        state = _state(proc.stdout)
        assert state["network"] == "blocked" and state["errors"] == [], (page.name, state)
        assert len(re.findall(r'<svg[^>]*class="marks"', proc.stdout)) == charts, page.name
        assert text.count('class="dxtrack-download"') == charts  # every chart's data as CSV
        shot = _artifacts() / f"site-{page.stem}-{width}.png"
        _run_chromium(
            chromium,
            network_mode,
            [
                f"--screenshot={shot}",
                f"--window-size={width},1000",
                "--hide-scrollbars",
                "--virtual-time-budget=15000",
                page.as_uri(),
            ],
        )
        assert shot.is_file() and shot.stat().st_size > 10_000


def test_print_to_pdf_on_a4(chromium, network_mode, edition):
    for page in (edition / "briefing.vi.html", _unit_page(edition, "vi")):
        pdf = _artifacts() / f"print-{page.stem}.pdf"
        proc = _run_chromium(
            chromium,
            network_mode,
            [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", "--virtual-time-budget=15000", page.as_uri()],
            timeout=180,
        )
        assert proc.returncode == 0 and pdf.is_file(), proc.stderr[-2000:]
        data = pdf.read_bytes()
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
        assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes), boxes[:3]


def test_without_scripts_every_chart_has_a_static_image(chromium, network_mode, edition):
    for page in (edition / "briefing.vi.html", _unit_page(edition, "vi")):
        text = page.read_text(encoding="utf-8")
        images = re.findall(r'<noscript><img [^>]*class="dxtrack-static" src="([^"]+)"', text)
        assert len(images) == text.count('class="dxtrack-chart"')
        for src in images:  # an SVG drawn for the page, or the PNG figure the briefing saved of that chart
            image = (page.parent / src).resolve()
            data = image.read_bytes() if image.is_file() else b""
            assert data.startswith(b"\x89PNG\r\n") or data.lstrip().startswith(b"<svg"), src
        # (--dump-dom needs scripts, so the picture is the check: look at it; the images above exist and parse)
        shot = _artifacts() / f"noscript-{page.stem}.png"
        _run_chromium(
            chromium,
            network_mode,
            [
                "--disable-javascript",
                f"--screenshot={shot}",
                "--window-size=1280,2400",
                "--hide-scrollbars",
                page.as_uri(),
            ],
        )
        assert shot.is_file() and shot.stat().st_size > 20_000
