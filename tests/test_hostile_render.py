"""A report built from hostile metadata: the text is shown, never obeyed.

A source's publisher (free text in its source.yaml) carries a Markdown link to javascript:, a remote image, a
Markdown image of a local file, raw HTML with an event handler and a spreadsheet formula. The unit report that
lists the source is rendered for real (notebook, engine, export) and opened in headless Chromium with the
network off: no script or link from the data, no remote or local file pulled in, no request attempted.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import pytest
from conftest import frozen_project
from test_browser import COLLECTOR, _run_chromium, chromium, network_mode  # noqa: F401

from dxtrack.core.stage import write
from dxtrack.core.tables import load
from dxtrack.harmonize.stage import harmonize_stage
from dxtrack.ingest.stage import clean
from dxtrack.model.stage import model_stage
from dxtrack.notebook.engine import render_all
from dxtrack.report.stage import RenderParams, plan

pytestmark = pytest.mark.browser

SECRET = "SECRET-TOKEN-f3a9"
HOSTILE = (
    "[click me](javascript:alert(1)) ![](https://evil.invalid/pixel.png) ![](.env) "
    '<img src=x onerror="alert(2)"> <a href="javascript:alert(3)">a</a> =HYPERLINK("https://evil.invalid")'
)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    project = frozen_project(tmp_path_factory.mktemp("hostile"), notebooks=True)
    (project.root / ".env").write_text(f"TOKEN={SECRET}\n", encoding="utf-8")  # a local file a page must not embed
    meta = project.raw / "sources" / "dti_provincial" / "source.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(
        re.sub(r"^publisher: .*$", "publisher: " + json.dumps(HOSTILE), text, count=1, flags=re.M), encoding="utf-8"
    )
    project = type(project)(project.root)
    for stage in (clean, harmonize_stage, model_stage):
        write(project, stage(project))
    tables = load(project.root)
    jobs = [
        j
        for j in plan(project, tables, RenderParams.from_params(project.params))
        if j.output_html.name == "86-vinh-long.en.html"
    ]
    render_all(jobs, workers=1, progress=False, cwd=project.root)
    return jobs[0].output_html


class _Links(HTMLParser):
    """Every URL-carrying attribute of the page's real elements (text that merely looks like a tag is not one)."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [(tag, k, v or "") for k, v in attrs if k in ("href", "src", "action", "formaction")]


def links(html: str) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def test_hostile_metadata_is_text_not_markup(hostile_report):
    page = hostile_report.read_text(encoding="utf-8")
    assert "click me" in page, "the source's publisher is not shown at all"
    urls = links(page)
    assert not [u for u in urls if u[2].strip().lower().startswith("javascript:")], urls
    assert not [u for u in urls if u[1] == "src" and re.match(r"\s*(https?:)?//", u[2])]  # nothing remote loads
    assert not [u for u in urls if ".env" in u[2]]
    assert not [u for u in urls if u[1] == "href" and "evil.invalid" in u[2]]  # no link made from the data
    assert "<img src=x onerror" not in page  # raw HTML from the data never becomes markup
    assert SECRET not in page and base64.b64encode(f"TOKEN={SECRET}\n".encode()).decode()[:16] not in page
    assert "&lt;img src=x onerror" in page or "&lt;img src=x onerror=&quot;" in page  # shown escaped


def test_hostile_report_requests_nothing_in_a_browser(chromium, network_mode, hostile_report, tmp_path):
    page = hostile_report.read_text(encoding="utf-8")
    probe = tmp_path / hostile_report.name
    probe.write_text(page.replace("<head>", "<head>" + COLLECTOR, 1), encoding="utf-8")
    proc = _run_chromium(chromium, network_mode, ["--dump-dom", probe.as_uri()])
    found = re.search(r'<pre id="dx-report">(.*?)</pre>', proc.stdout, re.S)
    assert found, "the page never finished loading"
    state = json.loads(
        found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
    assert state["network"] == "blocked", state
    # a remote or local image the data slipped in would fail to load here and show up as an error event
    assert state["errors"] == [], state["errors"]
    urls = links(proc.stdout)  # the DOM after every script ran
    assert not [u for u in urls if u[2].strip().lower().startswith("javascript:")], urls
    assert not [u for u in urls if u[1] == "src" and re.match(r"\s*(https?:)?//", u[2])]
