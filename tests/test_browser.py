"""A rendered report opens in headless Chromium with the network off and its charts draw.

Chromium comes from the project's own set-up (`make install` runs scripts/install-chromium.sh); a missing
browser FAILS this test (it never skips). The network is cut with `unshare -n`
(a fresh network namespace with only loopback up) when this user may do that, otherwise with Chromium
flags that resolve every host to nothing and send all traffic to a dead proxy. Screenshots and the DOM go to
$PYTEST_ARTIFACTS, or test-artifacts/ in the repository (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest

from dxtrack.notebook.engine import Job, render_all

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "notebooks" / "fixture_report.ipynb"
CHROMIUM = Path(os.environ.get("DXTRACK_CHROMIUM", "/usr/bin/chromium"))
INSTALL = ROOT / "scripts" / "install-chromium.sh"
PROBE_URL = "http://example.com/dxtrack-network-probe"

OFFLINE_FLAGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]
BASE_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=8000",
]

# Put first in <head> of a copy of the page: records errors, failed loads, console errors/warnings and
# whether the network is reachable, then writes them into the DOM for --dump-dom to show.
COLLECTOR = """<script>
window.__dx = {errors: [], warnings: [], network: "pending"};
window.addEventListener("error", function (e) {
  var t = e.target && e.target !== window ? " (" + (e.target.src || e.target.href || e.target.tagName) + ")" : "";
  __dx.errors.push("error: " + (e.message || e.type) + t);
}, true);
window.addEventListener("unhandledrejection", function (e) {
  __dx.errors.push("unhandled rejection: " + (e.reason && e.reason.message || e.reason));
});
(function () {
  var err = console.error, warn = console.warn;
  console.error = function () { __dx.errors.push("console.error: " + Array.from(arguments).join(" ")); err.apply(console, arguments); };
  console.warn = function () { __dx.warnings.push("console.warn: " + Array.from(arguments).join(" ")); warn.apply(console, arguments); };
})();
fetch("%PROBE%", {mode: "no-cors"}).then(function () { __dx.network = "reachable"; },
                                         function () { __dx.network = "blocked"; });
window.addEventListener("load", function () {
  setTimeout(function () {
    var pre = document.createElement("pre"); pre.id = "dx-report";
    pre.textContent = JSON.stringify(__dx); document.body.appendChild(pre);
  }, 1500);
});
</script>
""".replace("%PROBE%", PROBE_URL)

pytestmark = pytest.mark.browser


def _artifacts() -> Path:
    path = Path(os.environ.get("PYTEST_ARTIFACTS", ROOT / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def chromium() -> Path:
    """/usr/bin/chromium, which the set-up installs (`make install` runs scripts/install-chromium.sh); a missing
    browser fails the test with that instruction, never skips it."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (it runs {INSTALL.relative_to(ROOT)})")
    return CHROMIUM


@pytest.fixture(scope="session")
def network_mode() -> str:
    """'unshare' when a private network namespace (loopback only) works for this user, else 'flags'."""
    if shutil.which("unshare") and shutil.which("ip"):
        probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True)
        if probe.returncode == 0:
            return "unshare"
    return "flags"


def _run_chromium(chromium: Path, mode: str, args: list[str], timeout: int = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="dxtrack-chromium-") as profile:
        cmd = [str(chromium), *BASE_FLAGS, f"--user-data-dir={profile}", *args]
        if mode == "unshare":
            script = 'ip link set lo up && exec "$@"'
            cmd = ["unshare", "-n", "sh", "-c", script, "sh", *cmd]
        else:
            cmd[1:1] = OFFLINE_FLAGS
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile})


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser")
    name = unicodedata.normalize("NFC", "Trà Vinh")
    job = Job(
        FIXTURE,
        out / "84.ipynb",
        out / "84-tra-vinh.vi.html",
        {"province_code": "84", "province_name": name, "lang": "vi", "quote": "<b>không in đậm</b>"},
        title=f"Báo cáo {name}",
    )
    render_all([job], workers=1, progress=False)
    return job.output_html


def test_report_draws_its_charts_offline(chromium, network_mode, report, tmp_path):
    page = report.read_text(encoding="utf-8")
    probe_copy = tmp_path / report.name
    probe_copy.write_text(page.replace("<head>", "<head>" + COLLECTOR, 1), encoding="utf-8")

    proc = _run_chromium(chromium, network_mode, ["--dump-dom", probe_copy.as_uri()])
    dom = proc.stdout
    arts = _artifacts()
    (arts / "browser-dom.html").write_text(dom, encoding="utf-8")
    (arts / "browser-chromium.log").write_text(f"network: {network_mode}\n{proc.stderr}", encoding="utf-8")
    assert proc.returncode == 0, f"chromium exited {proc.returncode}: {proc.stderr[-2000:]}"

    found = re.search(r'<pre id="dx-report">(.*?)</pre>', dom, re.S)
    assert found, "the page never finished loading (no collector report in the DOM)"
    state = json.loads(
        found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
    assert state["network"] == "blocked", f"network was not off ({network_mode}): {state}"
    assert state["errors"] == [], f"errors in the page: {state['errors']}"
    assert state["warnings"] == [], f"warnings in the page: {state['warnings']}"

    # both charts drawn as SVG with their marks
    assert len(re.findall(r'<svg[^>]*class="marks"', dom)) == 2, "expected two drawn charts (svg.marks)"
    for mark in ("mark-line", "mark-symbol", "mark-rect"):
        assert mark in dom, f"no {mark} in the drawn charts"
    assert '<p class="dxtrack-chart-error"' not in dom
    assert "Trà Vinh: chỉ số DTI" in dom  # the title drawn by Vega, with diacritics
    assert "&lt;b&gt;không in đậm&lt;/b&gt;" in dom  # escaped quote stays text

    console = [ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln and PROBE_URL not in ln]
    bad = [ln for ln in console if re.search(r"error|uncaught|vega", ln, re.I)]
    assert not bad, "console errors:\n" + "\n".join(bad)


def test_a_broken_chart_is_caught(chromium, network_mode, report, tmp_path):
    """The check above can fail: an invalid spec shows up as an error, and no marks are drawn for it."""
    page = report.read_text(encoding="utf-8")
    assert page.count('"mark":{"type":"bar"}') == 1
    broken = tmp_path / "broken.html"
    broken.write_text(
        page.replace("<head>", "<head>" + COLLECTOR, 1).replace(
            '"mark":{"type":"bar"}', '"mark":{"type":"no-such-mark"}'
        ),
        encoding="utf-8",
    )
    dom = _run_chromium(chromium, network_mode, ["--dump-dom", broken.as_uri()]).stdout
    assert '<p class="dxtrack-chart-error">Chart error:' in dom
    assert len(re.findall(r'<svg[^>]*class="marks"', dom)) == 1  # the line chart still draws
    assert "console.error" in re.search(r'<pre id="dx-report">(.*?)</pre>', dom, re.S).group(1)


def test_screenshot(chromium, network_mode, report):
    shot = _artifacts() / "report-screenshot.png"
    if shot.exists():
        shot.unlink()
    proc = _run_chromium(
        chromium,
        network_mode,
        [f"--screenshot={shot}", "--window-size=1200,1400", "--hide-scrollbars", report.as_uri()],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000, "screenshot looks empty"


@pytest.fixture(scope="module")
def real_reports(repro_project) -> list[Path]:
    """The real briefing (vi) and Vĩnh Long's report (en), as `dvc repro` rendered them from the frozen data
    (conftest's session build of the whole edition)."""
    import yaml

    year = yaml.safe_load((repro_project / "params.yaml").read_text(encoding="utf-8"))["render"]["year"]
    edition = repro_project / "reports" / str(year)
    return [edition / "briefing.vi.html", edition / "provinces" / "86-vinh-long.en.html"]


def test_real_reports_draw_every_chart_offline(chromium, network_mode, real_reports, tmp_path):
    for report_html in real_reports:
        page = report_html.read_text(encoding="utf-8")
        charts_in_page = page.count('class="dxtrack-chart"')
        assert charts_in_page >= 3, f"{report_html.name}: only {charts_in_page} charts"
        probe_copy = tmp_path / report_html.name
        probe_copy.write_text(page.replace("<head>", "<head>" + COLLECTOR, 1), encoding="utf-8")
        proc = _run_chromium(chromium, network_mode, ["--dump-dom", "--virtual-time-budget=15000", probe_copy.as_uri()])
        dom = proc.stdout
        state = json.loads(
            re.search(r'<pre id="dx-report">(.*?)</pre>', dom, re.S)
            .group(1)
            .replace("&quot;", '"')
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
        )
        assert state["errors"] == [], f"{report_html.name}: {state['errors']}"
        assert len(re.findall(r'<svg[^>]*class="marks"', dom)) == charts_in_page, report_html.name
        shot = _artifacts() / f"real-{report_html.stem}.png"
        _run_chromium(
            chromium,
            network_mode,
            [f"--screenshot={shot}", "--window-size=1200,3000", "--hide-scrollbars", report_html.as_uri()],
        )
        assert shot.is_file()
