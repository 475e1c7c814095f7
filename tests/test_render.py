"""The render engine: parallel in-process execution, offline HTML export, escaping, failures, figures."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import altair as alt
import nbformat
import pytest

from dxtrack.notebook import engine
from dxtrack.notebook.engine import Job, RenderError, escape, export_html, render_all, save_figures

FIXTURE = Path(__file__).parent / "fixtures" / "notebooks" / "fixture_report.ipynb"
XSS = "<script>alert('xss')</script> & “trích dẫn”"

# province code, name (Trà Vinh in NFC), quote shown in the report
CASES = [
    ("01", "Hà Nội", XSS),
    ("84", unicodedata.normalize("NFC", "Trà Vinh"), "Nghị quyết 05-NQ/TU"),
    ("79", "Hồ Chí Minh", "A & B"),
]

pytestmark = pytest.mark.render


def _job(out: Path, code: str, name: str, quote: str, **extra) -> Job:
    params = {"province_code": code, "province_name": name, "lang": "vi", "quote": quote, **extra}
    return Job(FIXTURE, out / f"{code}.ipynb", out / f"{code}.html", params, title=f"Báo cáo {name}")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("reports")
    jobs = [_job(out, *case) for case in CASES]
    results = render_all(jobs, workers=2, progress=False)
    assert [r.job for r in results] == jobs
    assert {r.worker for r in results} <= {0, 1}
    return {
        job.parameters["province_code"]: {
            "job": job,
            "html": job.output_html.read_text(encoding="utf-8"),
            "nb": nbformat.read(job.output_ipynb, as_version=4),
        }
        for job in jobs
    }


def test_outputs_exist_and_show_each_parameter(rendered):
    for code, name, _ in CASES:
        page = rendered[code]["html"]
        assert rendered[code]["job"].output_html.is_file() and rendered[code]["job"].output_ipynb.is_file()
        assert unicodedata.normalize("NFC", page) == page
        assert name in page
        assert f"{name} (mã {code})" in page
        assert '<html lang="vi">' in page
        assert '<meta charset="utf-8"' in page.lower()
        assert f"<title>Báo cáo {name}</title>" in page


def test_province_code_arrives_as_string(rendered):
    page, nb = rendered["01"]["html"], rendered["01"]["nb"]
    assert "province_code=&#x27;01&#x27; type=str" in page or "province_code='01' type=str" in page
    printed = [
        o["text"] for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "stream"
    ]
    assert "province_code='01' type=str\n" in printed
    assert nb.metadata.papermill.parameters["province_code"] == "01"


def test_exactly_one_vega_bundle_and_no_external_scripts(rendered):
    bundle = engine.vega_bundle()
    marker = bundle[len(bundle) // 2 : len(bundle) // 2 + 200]  # a distinctive slice of the library code
    for code, *_ in CASES:
        page = rendered[code]["html"]
        assert page.count(marker) == 1
        assert page.count('<script type="module">') == 1
        assert page.count("window.dxtrackCharts = window.dxtrackCharts") == 2  # two charts, one bundle
        assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I), "no <script src=> at all"
        assert not re.search(r"<link[^>]+href=[\"']?https?:", page, re.I)
        assert 850_000 < len(page.encode()) < 1_100_000  # one bundle (~0.9 MB) + a small page, not one per chart


def test_code_is_hidden(rendered):
    page = rendered["84"]["html"]
    for source in ("use_offline_renderer", "import altair", "mark_line", "raise ValueError", "province_name ="):
        assert source not in page
    assert not re.search(r'class="[^"]*(jp-InputPrompt|jp-OutputPrompt|jp-InputArea-editor)', page)
    assert "Nguồn: dữ liệu giả lập" in page  # markdown cells stay


def test_source_text_is_escaped(rendered):
    page = rendered["01"]["html"]
    assert "<script>alert" not in page.lower()
    assert "&lt;script&gt;alert('xss')&lt;/script&gt; &amp; “trích dẫn”" in page  # shown as text
    # the same text inside a chart spec (usermeta) is JSON-escaped so it cannot close the <script>
    assert "\\u003cscript\\u003ealert('xss')\\u003c/script\\u003e" in page


def test_rerender_is_byte_identical(rendered, tmp_path):
    first = rendered["84"]
    job = _job(tmp_path, *CASES[1])
    render_all([job], workers=1, progress=False)
    assert job.output_html.read_bytes() == first["job"].output_html.read_bytes()
    assert job.output_ipynb.read_bytes() == first["job"].output_ipynb.read_bytes()
    nb = nbformat.read(job.output_ipynb, as_version=4)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == list(range(1, 8))
    assert not any("execution" in c.metadata for c in nb.cells)


def test_failing_notebook_names_itself_and_leaves_no_html(tmp_path):
    good = _job(tmp_path, "86", "Vĩnh Long", "ok")
    bad = _job(tmp_path, "99", "Hỏng", "ok", fail=True)
    with pytest.raises(RenderError) as info:
        render_all([bad, good], workers=2, progress=False)
    msg = str(info.value)
    assert "1 of 2 notebook(s) failed" in msg
    assert str(FIXTURE) in msg
    assert "'province_code': '99'" in msg and "'fail': True" in msg
    assert "ValueError: fixture asked to fail for province 99" in msg
    assert "cell 4 (id 'cell-4', starts 'if fail:')" in msg  # numbered as in the source notebook
    assert [f.job for f in info.value.failures] == [bad]
    assert not bad.output_html.exists() and not bad.output_ipynb.exists()
    assert good.output_html.is_file()  # the other job still rendered
    assert not list(tmp_path.glob(".*.tmp")), "no temporary files left behind"


def _notebook(path: Path, *sources: str) -> Path:
    """A small notebook of code cells, with a `parameters` cell first (papermill injects after it)."""
    cells = [nbformat.v4.new_code_cell("n = 0", metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(src) for src in sources]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernel}), path)
    return path


def test_outputs_are_recorded_as_a_kernel_sends_them(tmp_path):
    """The worker's own shell records what a kernel would: streams merged per cell, display_data, the last
    expression as execute_result (not after a trailing ;), and execution counts from 1 in every notebook."""
    nb = _notebook(
        tmp_path / "kinds.ipynb",
        'print("a"); print("b")',
        'import sys; print("warn", file=sys.stderr)',
        'from IPython.display import HTML, display; display(HTML("<b>x</b>"))',
        "n + 41",
        "n + 1;",
    )
    jobs = [Job(nb, tmp_path / f"{i}.ipynb", tmp_path / f"{i}.html", {"n": 1}) for i in range(2)]
    render_all(jobs, workers=1, progress=False)
    for job in jobs:  # the second notebook, on the same warm worker, counts from 1 again
        cells = [c for c in nbformat.read(job.output_ipynb, as_version=4).cells if c.cell_type == "code"]
        assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
        kinds = [[o.output_type for o in c.outputs] for c in cells]
        assert kinds[2:] == [["stream"], ["stream"], ["display_data"], ["execute_result"], []]
        assert cells[2].outputs[0].text == "a\nb\n" and cells[3].outputs[0].name == "stderr"
        assert cells[4].outputs[0].data["text/html"] == "<b>x</b>"
        assert cells[5].outputs[0].data["text/plain"] == "42"


def test_a_cell_past_its_timeout_fails_its_job_only(tmp_path):
    slow = _notebook(tmp_path / "slow.ipynb", "import time\nwhile True:\n    time.sleep(0.05)")
    quick = _notebook(tmp_path / "quick.ipynb", "n + 1")
    jobs = [Job(nb, tmp_path / f"{nb.stem}.ipynb", tmp_path / f"{nb.stem}.html", {}) for nb in (slow, quick)]
    with pytest.raises(RenderError) as info:
        render_all(jobs, workers=1, progress=False, timeout=1)
    assert [f.job for f in info.value.failures] == [jobs[0]] and "timed out" in str(info.value)
    assert jobs[1].output_html.is_file() and not jobs[0].output_html.exists()


def test_a_worker_that_dies_fails_its_job_and_a_new_one_renders_the_rest(tmp_path):
    """A crash in native code (here: os._exit) takes the worker down with the job it ran; one worker is
    started in its place for the jobs still queued."""
    dies = _notebook(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    fine = [_notebook(tmp_path / f"fine{i}.ipynb", "n + 1") for i in range(2)]
    jobs = [Job(nb, tmp_path / f"{nb.stem}.ipynb", tmp_path / f"{nb.stem}.html", {}) for nb in (dies, *fine)]
    with pytest.raises(RenderError) as info:
        render_all(jobs, workers=1, progress=False)
    assert [f.job for f in info.value.failures] == [jobs[0]] and "exited (code 3)" in str(info.value)
    assert all(job.output_html.is_file() for job in jobs[1:])


def test_a_static_figure_that_cannot_be_written_fails_its_job_and_keeps_the_page(tmp_path):
    """A page links its charts' SVG fallbacks, so it switches over only once they are written."""
    static = tmp_path / "static"
    job = Job(
        FIXTURE,
        tmp_path / "86.ipynb",
        tmp_path / "86.html",
        {"province_code": "86", "province_name": "Vĩnh Long", "lang": "vi", "quote": "ok"},
        static_dir=static,
    )
    render_all([job], workers=1, progress=False)
    page, notebook = job.output_html.read_bytes(), job.output_ipynb.read_bytes()
    assert b"dxtrack-static" in page and list(static.glob("*.svg"))
    for svg in static.glob("*.svg"):  # laid out in Liberation Sans, and names the families with its metrics
        families = set(re.findall(r'font-family="([^"]*)"', svg.read_text(encoding="utf-8")))
        assert families == {engine.SVG_FONT_FAMILIES}
    for svg in static.glob("*.svg"):
        svg.unlink()
    static.rmdir()
    static.write_text("a file where the figures folder should be", encoding="utf-8")  # no SVG can be written
    changed = Job(
        job.notebook, job.output_ipynb, job.output_html, {**job.parameters, "quote": "mới"}, static_dir=static
    )
    with pytest.raises(RenderError) as info:
        render_all([changed], workers=1, progress=False)
    assert "86" in str(info.value)
    assert job.output_html.read_bytes() == page and job.output_ipynb.read_bytes() == notebook


def test_job_checks(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.ipynb"):
        render_all([Job(tmp_path / "missing.ipynb", tmp_path / "a.ipynb", tmp_path / "a.html")])
    a = _job(tmp_path, "01", "Hà Nội", "x")
    b = Job(FIXTURE, tmp_path / "b.ipynb", a.output_html, {})
    with pytest.raises(ValueError, match="two jobs write"):
        render_all([a, b])
    assert Job(FIXTURE, "x.ipynb", "x.html", {"lang": "en"}).lang == "en"
    assert render_all([]) == []


def test_escape():
    assert escape('<a href="x">Q&A</a>') == "&lt;a href=&quot;x&quot;&gt;Q&amp;A&lt;/a&gt;"
    assert escape("Tra\u0300 Vinh") == "Trà Vinh"  # NFC
    assert escape(None) == "" and escape(2025) == "2025"
    md = escape("*Quyết định* [số 1](http://x) <b>", markdown=True)
    assert "*Quyết" not in md.replace("\\*", "") and "<b>" not in md and "&lt;b&gt;" in md
    assert "\\[" in md and "\\*" in md


def test_chart_script_cannot_be_broken_out_of():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={engine.VEGALITE_MIME: {"mark": "point", "title": "</script><script>alert(1)//"}},
                    )
                ],
            )
        ]
    )
    page = export_html(nb, lang="en")
    assert "</script><script>alert(1)" not in page
    assert page.count("window.dxtrackCharts = window.dxtrackCharts") == 1


def test_page_without_charts_has_no_bundle():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Chỉ có chữ")])
    page = export_html(nb, lang="vi", title="t")
    assert '<script type="module"' not in page and "vegaEmbed" not in page and '<html lang="vi">' in page


def test_external_scripts_are_refused():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={"text/html": '<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>'},
                    )
                ],
            )
        ]
    )
    with pytest.raises(ValueError, match="use_offline_renderer"):
        export_html(nb)


def test_renderer_bundle_and_locale():
    before = alt.renderers.active
    try:
        engine.use_offline_renderer(embed_options={"actions": False})
        chart = alt.Chart(alt.Data(values=[{"x": 1}])).mark_point().encode(x="x:Q").properties(usermeta={"lang": "vi"})
        bundle, meta = chart._repr_mimebundle_()
        assert set(bundle) == {engine.VEGALITE_MIME, "text/plain"}  # no text/html: JupyterLab draws the MIME
        opts = meta[engine.VEGALITE_MIME]["embed_options"]
        assert opts["formatLocale"]["decimal"] == "," and opts["formatLocale"]["thousands"] == "."
        assert "Tháng một" in opts["timeFormatLocale"]["months"] and opts["actions"] is False
        bundle, meta = chart.properties(usermeta={})._repr_mimebundle_()
        assert "formatLocale" not in meta[engine.VEGALITE_MIME]["embed_options"]
    finally:
        alt.renderers.enable(before)


def test_save_figures(tmp_path):
    chart = (
        alt.Chart(
            alt.Data(values=[{"năm": "2024", "v": 1234.5}, {"năm": "2025", "v": 2345.25}]),
            title="Tỷ lệ hồ sơ trực tuyến — Trà Vinh",
        )
        .mark_bar()
        .encode(x="năm:O", y=alt.Y("v:Q", axis=alt.Axis(format=",.1f")))
        .properties(usermeta={"lang": "vi"})
    )
    paths = save_figures(chart, tmp_path / "figures" / "chart")
    assert [p.name for p in paths] == ["chart.png", "chart.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths[1].read_text(encoding="utf-8")
    assert "Liberation Sans, Arial" in svg and "DejaVu" not in svg and "Trà Vinh" in svg
    assert "2.000,0" in svg  # Vietnamese number format: thousands "." and decimal ","
    assert not list((tmp_path / "figures").glob(".*.tmp"))
    with pytest.raises(ValueError, match="unsupported"):
        save_figures(chart, tmp_path / "x", formats=("gif",))


def test_template_is_package_data():
    conf = json.loads((engine.TEMPLATE_DIR / "dxtrack" / "conf.json").read_text())
    assert conf["base_template"] == "lab"
    assert (engine.TEMPLATE_DIR / "dxtrack" / "index.html.j2").is_file()
