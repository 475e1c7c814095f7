"""Render parameterised notebooks to executed .ipynb and self-contained, offline HTML.

The engine of the `render` stage. Three pieces:

* **Execution** — `render_all(jobs)` runs notebooks in a few worker processes. Papermill injects the
  parameters; each worker then runs the cells in its own IPython shell (`inprocess.py`: the worker is the
  kernel, so there is no kernel process to start or message). Between notebooks the namespace is reset
  (`%reset -f`) and the working directory restored; module state (imports, Altair settings, caches) survives,
  so every notebook must set up what it relies on in its own setup cell.
* **Charts** — `use_offline_renderer()` (call it in a notebook's setup cell) makes Altair charts display as a
  Vega-Lite MIME bundle that JupyterLab draws natively; at export time each chart becomes a `<div>` plus a
  small script that embeds it against the one copy of the Vega bundle the page carries in its `<head>`.
* **Export** — nbconvert's HTMLExporter with the `dxtrack` template (`templates/dxtrack`): code hidden, no
  CDN scripts (require.js, MathJax, mermaid removed), `<html lang>` from the job. Outputs are written
  atomically; a notebook that fails leaves no output behind and the run ends with a `RenderError` naming
  the notebook, its parameters and the failing cell's error.

`save_figures()` writes static PNG/SVG versions of a chart with vl-convert.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import multiprocessing as mp
import os
import queue
import re
import shutil
import sys
import time
import traceback
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxtrack.core.atomic import atomic_group, write_bytes, write_text

if TYPE_CHECKING:  # altair is imported lazily: render workers never need it (it costs ~1.2 s to import)
    import altair as alt
    import vl_convert as vlc

    from dxtrack.notebook.inprocess import InProcessExecutor

__all__ = [
    "Job",
    "RenderResult",
    "RenderError",
    "JobFailure",
    "render_all",
    "RenderPool",
    "use_offline_renderer",
    "escape",
    "save_figures",
    "export_html",
    "vega_bundle",
    "embed_options_for",
    "LOCALES",
    "VI_FORMAT_LOCALE",
    "RENDERER_NAME",
    "TEMPLATE_DIR",
    "register_renderer",
]

RENDERER_NAME = "dxtrack"
TEMPLATE_DIR = Path(__file__).with_name("templates")
TEMPLATE_NAME = "dxtrack"

# JupyterLab (4.x) draws Vega-Lite from this MIME type; altair 6's own v6 type is not known to it.
VEGALITE_MIME = "application/vnd.vegalite.v5+json"
_CHART_MIME = re.compile(r"^application/vnd\.vega(lite)?\.v\d+(\+json|\.json)$")
_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# d3-format has no vi-VN locale: decimal comma, dot thousands, groups of three, đồng after the amount.
VI_FORMAT_LOCALE: dict[str, Any] = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}

# Per-language vega-embed options, merged into a chart's options when the renderer's `lang` or the chart's
# `usermeta` asks for that language. A dict so the lead can adjust it (e.g. `LOCALES["vi"]["formatLocale"]`).
# English is explicit too: vega-embed's formatLocale is page-global, so an English chart on a page that also
# holds a Vietnamese one must set its own.
LOCALES: dict[str, dict[str, Any]] = {
    "vi": {"formatLocale": VI_FORMAT_LOCALE},
    "en": {"formatLocale": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]}},
}
_TIME_LOCALE_NAMES: dict[str, vlc.TimeFormatLocaleName] = {"vi": "vi-VN", "en": "en-US"}

# Default vega-embed options: SVG (crisp in print, selectable text, testable DOM) and an action menu with only
# the export entries (the "Open in Vega Editor" entry would point readers to a website).
DEFAULT_EMBED_OPTIONS: dict[str, Any] = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


# ----------------------------------------------------------------------------------------------------------
# Jobs, results, errors
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Job:
    """One notebook to render: input notebook, the two outputs, and papermill parameters.

    Parameters are injected with papermill's Python translator, so a string stays a string ("01" arrives as
    "01", never 1). `lang` sets `<html lang=...>`; when None it is taken from `parameters["lang"]`.
    `title` sets the page title; when None the notebook's metadata title or the HTML file's stem is used.
    `static_dir`: a folder for each chart's SVG, shown by the page when scripts do not run.
    `staged`: (staging folder, folder) for other files the notebook writes: they switch over with the pages.
    """

    notebook: Path
    output_ipynb: Path
    output_html: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None
    title: str | None = None
    static_dir: Path | None = None  # when set, each chart also as SVG there, the page's no-script fallback
    # (staging folder, folder): files the notebook writes into the staging folder (e.g. named figures) switch
    # over into the folder together with the .ipynb and .html, or not at all (`write_pair`)
    staged: tuple[Path, Path] | None = None

    def __post_init__(self) -> None:
        self.notebook = Path(self.notebook)
        self.output_ipynb = Path(self.output_ipynb)
        self.output_html = Path(self.output_html)
        if not isinstance(self.parameters, Mapping):
            raise TypeError(f"Job parameters must be a dict, got {type(self.parameters).__name__}")
        self.parameters = dict(self.parameters)
        if self.lang is None and isinstance(self.parameters.get("lang"), str):
            self.lang = self.parameters["lang"]
        if self.staged is not None:
            self.staged = (Path(self.staged[0]), Path(self.staged[1]))

    def describe(self) -> str:
        return f"notebook {self.notebook} with parameters {self.parameters!r}"


@dataclass
class RenderResult:
    job: Job
    seconds: float
    worker: int


@dataclass
class JobFailure:
    job: Job
    message: str

    def __str__(self) -> str:
        return f"{self.job.describe()}: {self.message}"


class RenderError(RuntimeError):
    """One or more notebooks failed; `failures` holds each one (job + message). Other jobs were rendered."""

    def __init__(self, failures: list[JobFailure], total: int | None = None):
        self.failures = failures
        head = (
            f"{len(failures)} of {total} notebook(s) failed to render"
            if total
            else f"{len(failures)} notebook(s) failed to render"
        )
        body = "\n".join(f"- {f}" for f in failures)
        super().__init__(f"{head}:\n{body}")


# ----------------------------------------------------------------------------------------------------------
# Helpers for notebooks
# ----------------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def escape(text: object, *, markdown: bool = False) -> str:
    """Text from a source (a quote, a document name) made safe to put into HTML or Markdown output.

    NFC-normalises and HTML-escapes (`& < > " '`). With `markdown=True` Markdown punctuation is
    backslash-escaped too, so `*`, `_`, `[` in a quote do not turn into formatting or links.
    """
    s = unicodedata.normalize("NFC", "" if text is None else str(text))
    if markdown:
        s = _MD_SPECIAL.sub(r"\\\1", s)
        # after backslash-escaping, only & and quotes still need entities (< and > are escaped as \< \>,
        # which Markdown renders literally, but escape them as entities as well for raw-HTML safety)
        return (
            s.replace("&", "&amp;")
            .replace("\\<", "&lt;")
            .replace("\\>", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#x27;")
        )
    return html.escape(s, quote=True)


def _lang_key(lang: object) -> str | None:
    if not isinstance(lang, str) or not lang:
        return None
    return lang.replace("_", "-").split("-")[0].lower()


def _spec_lang(spec: Mapping[str, Any]) -> str | None:
    """The language a chart asks for: usermeta {"lang": "vi"} / {"locale": "vi-VN"} or config.locale name."""
    meta = spec.get("usermeta") or {}
    if isinstance(meta, Mapping):
        for key in ("lang", "locale"):
            if _lang_key(meta.get(key)):
                return _lang_key(meta.get(key))
        inner = meta.get("dxtrack")
        if isinstance(inner, Mapping) and _lang_key(inner.get("lang")):
            return _lang_key(inner.get("lang"))
    config = spec.get("config") or {}
    if isinstance(config, Mapping) and isinstance(config.get("locale"), str):
        return _lang_key(config["locale"])
    return None


def _locale_options(lang: str | None) -> dict[str, Any]:
    key = _lang_key(lang)
    if key is None:
        return {}
    opts = copy.deepcopy(LOCALES.get(key, {}))
    if "timeFormatLocale" not in opts and key in _TIME_LOCALE_NAMES:
        import vl_convert as vlc

        opts["timeFormatLocale"] = vlc.get_time_format_locale(_TIME_LOCALE_NAMES[key])
    return opts


def embed_options_for(
    spec: Mapping[str, Any], embed_options: Mapping[str, Any] | None = None, lang: str | None = None
) -> dict[str, Any]:
    """vega-embed options for one chart: defaults < locale (chart usermeta, else `lang`) < `embed_options`."""
    opts = copy.deepcopy(DEFAULT_EMBED_OPTIONS)
    opts.update(_locale_options(_spec_lang(spec) or lang))
    opts.update(copy.deepcopy(dict(embed_options or {})))
    return opts


# ----------------------------------------------------------------------------------------------------------
# The Altair renderer
# ----------------------------------------------------------------------------------------------------------


def _chart_text(spec: Mapping[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return f"<Chart: {title}>" if title else "<Chart>"


def _renderer(spec: dict, embed_options: Mapping[str, Any] | None = None, lang: str | None = None, **_ignored: Any):
    """Altair renderer `dxtrack`: a Vega-Lite MIME bundle plus the embed options in its metadata.

    JupyterLab draws the MIME type itself (its Vega is bundled, so this works offline too) and reads
    `metadata[mime]["embed_options"]`; `export_html` turns the same output into a div + script that embeds
    against the page's single Vega bundle. No text/html is emitted: JupyterLab ranks text/html above Vega, so
    an HTML fallback would hide the native rendering.
    """
    opts = embed_options_for(spec, embed_options, lang)
    return {VEGALITE_MIME: spec, "text/plain": _chart_text(spec)}, {VEGALITE_MIME: {"embed_options": opts}}


def register_renderer() -> None:
    """Register the `dxtrack` renderer with Altair (use_offline_renderer does this for you)."""
    import altair as alt

    if RENDERER_NAME not in alt.renderers.names():
        alt.renderers.register(RENDERER_NAME, _renderer)


def use_offline_renderer(embed_options: Mapping[str, Any] | None = None, lang: str | None = None) -> None:
    """Enable the `dxtrack` Altair renderer; call it in every notebook's setup cell.

    `embed_options` are vega-embed options merged over the defaults and the locale ones, e.g.
    `{"formatLocale": {...}, "timeFormatLocale": {...}}`. `lang="vi"` applies the Vietnamese number/time
    locale to every chart; a chart can also ask for it itself with `usermeta={"lang": "vi"}`.
    Returns None, so a bare call prints nothing into the report.
    """
    options: dict[str, Any] = {}
    if embed_options:
        options["embed_options"] = dict(embed_options)
    if lang:
        options["lang"] = lang
    import altair as alt

    register_renderer()
    alt.renderers.enable(RENDERER_NAME, **options)


# ----------------------------------------------------------------------------------------------------------
# HTML export
# ----------------------------------------------------------------------------------------------------------

# Appended to vl-convert's bundle (which defines vegaEmbed, vega, vegaLite in module scope). Chart scripts run
# during parsing, before this deferred module, and queue a callback on window.dxtrackCharts; the module then
# drains the queue and turns `push` into a direct call for anything added later.
_BUNDLE_SNIPPET = """
window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;
{
  const queued = Array.isArray(window.dxtrackCharts) ? window.dxtrackCharts : [];
  window.dxtrackCharts = { push: function (f) { f(vegaEmbed); return 0; } };
  for (const f of queued) f(vegaEmbed);
}
"""

_bundle_cache: dict[str, str] = {}


def _vl_version(specs: Iterable[Mapping[str, Any]]) -> str | None:
    """The Vega-Lite version (vl-convert's "6.4" form) the specs' $schema names, if vl-convert has it.

    Read from the spec so render workers never import altair; None means vl-convert's newest.
    """
    import vl_convert as vlc

    supported = vlc.get_vegalite_versions()
    for spec in specs:
        m = re.search(r"/vega-lite/v(\d+)\.(\d+)", str(spec.get("$schema", "")))
        if not m:
            continue
        wanted = f"{m.group(1)}.{m.group(2)}"
        if wanted in supported:
            return wanted
        same_major = [v for v in supported if v.split(".")[0] == m.group(1)]
        return same_major[-1] if same_major else None
    return None


def bundle_cache_dir() -> Path:
    """Where built Vega bundles are kept between runs: $DXTRACK_CACHE, else $XDG_CACHE_HOME/dxtrack, else
    ~/.cache/dxtrack. Only a cache: deleting it costs one rebuild (about 1.5 s of CPU per render worker)."""
    if os.environ.get("DXTRACK_CACHE"):
        return Path(os.environ["DXTRACK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dxtrack"


def vega_bundle(vl_version: str | None = None) -> str:
    """The Vega + Vega-Lite + vega-embed ES-module bundle (from vl-convert) with the chart loader appended.

    `vl_version` as vl-convert names it ("6.4"); None for vl-convert's newest. Cached per process and on disk
    (`bundle_cache_dir`), keyed by vl-convert's version, the Vega-Lite version and the loader snippet, so a
    render worker does not rebuild the same bundle every run.
    """
    import vl_convert as vlc

    vl_version = vl_version or vlc.get_vegalite_versions()[-1]
    if vl_version not in _bundle_cache:
        key = hashlib.sha256(
            f"{getattr(vlc, '__version__', '?')}\0{vl_version}\0{_BUNDLE_SNIPPET}".encode()
        ).hexdigest()[:24]
        cached = bundle_cache_dir() / f"vega-bundle-{key}.js"
        try:
            bundle = cached.read_text(encoding="utf-8")
        except OSError:
            bundle = vlc.javascript_bundle(_BUNDLE_SNIPPET, vl_version=vl_version)
            if re.search(r"</script|<!--", bundle, re.IGNORECASE):  # would end the <script> element early
                bundle = re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE).replace("<!--", "<\\!--")
            try:  # best effort: an unwritable cache only costs the rebuild next time
                cached.parent.mkdir(parents=True, exist_ok=True)
                write_text(bundle, cached)
            except OSError:
                pass
        _bundle_cache[vl_version] = bundle
    return _bundle_cache[vl_version]


def _script_json(value: object) -> str:
    """JSON safe inside an inline <script>: no `</script>`, `<!--` or line separators can break out."""
    return (
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


DOWNLOAD_KEY = "dxtrack_download"  # spec.usermeta[DOWNLOAD_KEY]: {"label", "filename", "columns", "rows"}
# spec.usermeta[STATIC_KEY]: an image of the chart the notebook has already written (a path relative to the folder the
# notebook runs in), used as its no-script fallback instead of drawing one more
STATIC_KEY = "dxtrack_static"


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """RFC 4180 CSV; a cell starting with = + - @ tab or CR is prefixed with ' so no spreadsheet runs it."""
    import csv
    import io

    def cell(v: Any) -> Any:
        if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + v
        return "" if v is None else v

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([cell(c) for c in columns])
    writer.writerows([[cell(v) for v in r] for r in rows])
    return buf.getvalue()


def _download_link(spec: dict) -> str:
    """A link that downloads the chart's data as CSV (a data: URI: works offline and without scripts). The rows
    travel in the spec's usermeta and are taken out of it, so the page carries them once."""
    meta = spec.get("usermeta")
    if not isinstance(meta, dict) or not isinstance(meta.get(DOWNLOAD_KEY), Mapping):
        return ""
    dl = meta.pop(DOWNLOAD_KEY)
    if not meta:
        spec.pop("usermeta")
    from urllib.parse import quote

    href = "data:text/csv;charset=utf-8," + quote("\ufeff" + _csv(dl.get("columns", []), dl.get("rows", [])))
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", str(dl.get("filename") or "data.csv"))
    return (
        f'<p class="dxtrack-chart-tools"><a class="dxtrack-download" download="{html.escape(name)}" '
        f'href="{href}">{html.escape(str(dl.get("label") or "CSV"))}</a></p>\n'
    )


def _chart_html(spec: Mapping[str, Any], options: Mapping[str, Any], div_id: str, static: str = "") -> str:
    own = copy.deepcopy(dict(spec))  # a copy: _download_link takes the rows out of it
    download = _download_link(own)
    label = _chart_text(own)[8:-1] if own.get("title") else ""
    aria = f' role="figure" aria-label="{html.escape(label)}"' if label else ""
    fallback = (
        (f'<noscript><img class="dxtrack-static" src="{html.escape(static)}" alt="{html.escape(label)}"></noscript>\n')
        if static
        else ""
    )
    return (
        '<figure class="dxtrack-figure">\n'
        f'<div id="{div_id}" class="dxtrack-chart"{aria}></div>\n{fallback}'
        "<script>(window.dxtrackCharts = window.dxtrackCharts || []).push(function (vegaEmbed) {\n"
        f'  var el = document.getElementById("{div_id}");\n'
        f"  vegaEmbed(el, {_script_json(own)}, {_script_json(options)}).catch(function (err) {{\n"
        '    var p = document.createElement("p"); p.className = "dxtrack-chart-error";\n'
        '    p.textContent = "Chart error: " + err.message; el.appendChild(p); console.error(err);\n'
        "  });\n"
        f"}});</script>\n{download}</figure>\n"
    )


def _static_figure(spec: Mapping[str, Any], options: Mapping[str, Any], folder: Path) -> Path:
    """The chart as SVG in `folder`, named by its content (an unchanged chart is not converted again)."""
    own = copy.deepcopy(dict(spec))
    meta = own.get("usermeta")
    if isinstance(meta, dict):
        meta.pop(DOWNLOAD_KEY, None)
    # Named by what decides its bytes: the spec, the locale, and how it is drawn, so a file drawn another way is never
    # taken for current (a re-render then matches a fresh build).
    how = static_drawing()
    digest = hashlib.sha1(_script_json([own, options.get("formatLocale"), how]).encode("utf-8")).hexdigest()[:16]
    target = folder / f"{digest}.svg"
    if not target.exists():
        _convert_svg(own, options, target)
    return target


def _vl_convert_version() -> str:
    import vl_convert as vlc

    return str(getattr(vlc, "__version__", "?"))


def static_drawing() -> list[str]:
    """What decides a static figure's bytes besides its spec and locale: vl-convert's version and the fonts it is
    laid out in and named with (`static_svg`). Every record of figures already drawn includes it, so a figure
    drawn another way (a new vl-convert, another font) is drawn again rather than kept."""
    return [_vl_convert_version(), SVG_LAYOUT_FONT, SVG_FONT_FAMILIES]


def static_svg(spec: dict, options: Mapping[str, Any]) -> str:
    """`spec` (changed in place) drawn as an SVG for a page's no-script fallback or a figure file.

    Either is drawn by the reader's own fonts, not the ones it was laid out with: lay it out with Liberation Sans
    (vl-convert's built-in sans-serif: Vietnamese, ≥ ≤ −, and Arial's and Helvetica's metrics) and name that
    family and its equivalents. Laid out with DejaVu it overflowed wherever DejaVu is missing (most Windows and
    Mac machines), and took 1.5–3 times as long."""
    import vl_convert as vlc

    config = spec.setdefault("config", {})
    config["font"] = SVG_LAYOUT_FONT
    # A chart carrying its own locale (every dxtrack chart does) needs none passed: the same SVG, 10 % sooner.
    own = config.get("locale") or {}
    locales = {
        **({} if "number" in own else {"format_locale": options.get("formatLocale")}),
        **({} if "time" in own else {"time_format_locale": options.get("timeFormatLocale")}),
    }
    svg = vlc.vegalite_to_svg(spec, vl_version=_vl_version([spec]), **locales)
    return _SVG_FONT_FAMILY.sub(f'font-family="{SVG_FONT_FAMILIES}"', svg)


def _convert_svg(spec: dict, options: Mapping[str, Any], target: Path) -> None:
    write_text(stable_svg_ids(static_svg(spec, options)), target)  # ids per file, not per worker history


def _charts_to_html(
    nb, static_dir: Path | None = None, page_dir: Path | None = None, run_dir: Path | None = None
) -> list[dict]:
    """Replace every Vega/Vega-Lite output in `nb` (in place) by chart HTML; return their specs.

    Div ids are deterministic: a hash of the spec plus the chart's position, so re-rendering unchanged inputs
    gives identical HTML. With `static_dir`, each chart also gets an SVG there, shown when scripts do not run
    (linked relative to `page_dir`, the folder of the page); a chart naming an image of itself (usermeta
    STATIC_KEY, relative to `run_dir`, where the notebook ran) links that image instead.
    """
    specs: list[dict] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = output.get("data", {})
            mime = next((m for m in data if _CHART_MIME.match(m)), None)
            if mime is None:
                continue
            spec = data[mime]
            if isinstance(spec, str):
                spec = json.loads(spec)
            meta = (output.get("metadata") or {}).get(mime) or {}
            options = meta.get("embed_options")
            if options is None:  # produced by another renderer (e.g. altair's "mimetype"): our defaults
                options = embed_options_for(spec)
            specs.append(spec)
            digest = hashlib.sha1(_script_json(spec).encode("utf-8")).hexdigest()[:10]
            static = ""
            usermeta = spec.get("usermeta")
            own_image = usermeta.pop(STATIC_KEY, None) if isinstance(usermeta, dict) else None
            if isinstance(usermeta, dict) and not usermeta:
                spec.pop("usermeta")
            if static_dir is not None:
                if isinstance(own_image, str) and own_image:
                    image = Path(run_dir or Path.cwd()) / own_image
                else:
                    image = _static_figure(spec, options, Path(static_dir))
                static = os.path.relpath(image, page_dir or Path(static_dir)).replace(os.sep, "/")
            output["data"] = {"text/html": _chart_html(spec, options, f"dx-chart-{len(specs)}-{digest}", static)}
            output["metadata"] = {}
    return specs


def _make_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        optimistic_validation=True,  # validate once after the preprocessors, not after each of its dozen: ~8 ms a page
    )


_exporter_cache: dict[str, Any] = {}


def export_html(
    nb,
    *,
    lang: str | None = None,
    title: str | None = None,
    exporter=None,
    static_dir: str | os.PathLike | None = None,
    page_dir: str | os.PathLike | None = None,
    run_dir: str | os.PathLike | None = None,
) -> str:
    """An executed notebook as one offline HTML page (code hidden, one Vega bundle if it has charts).

    `static_dir`: write each chart there as SVG too and show it when scripts do not run (`page_dir`: the folder
    the page will be saved in, for the relative link).

    Does not modify `nb`. Raises ValueError if the page would load a script from the network (a chart shown
    with Altair's default renderer, for instance: call `use_offline_renderer()` in the setup cell).
    """
    if exporter is None:
        exporter = _exporter_cache.setdefault("html", _make_exporter())
    nb = copy.deepcopy(nb)
    specs = _charts_to_html(
        nb,
        Path(static_dir) if static_dir else None,
        Path(page_dir) if page_dir else None,
        Path(run_dir) if run_dir else None,
    )
    if title:
        nb.metadata["title"] = title
    resources = {
        "metadata": {"name": title or "Report"},
        "dxtrack_vega_bundle": vega_bundle(_vl_version(specs)) if specs else "",
    }
    key = _lang_key(lang) or "en"
    exporter.language_code = key if _valid_language(key) else "en"
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    match = _EXTERNAL_SCRIPT.search(body)
    if match:
        start = max(0, match.start() - 80)
        raise ValueError(
            "the exported page loads a script from the network "
            f"(…{body[start : match.end() + 80]}…); call dxtrack.notebook.engine.use_offline_renderer() "
            "in the notebook's setup cell"
        )
    return body


def _valid_language(code: str) -> bool:
    from nbconvert.exporters.html import iso639_1

    return code in iso639_1


# ----------------------------------------------------------------------------------------------------------
# Static figures
# ----------------------------------------------------------------------------------------------------------

SVG_LAYOUT_FONT = "Liberation Sans"  # vl-convert's built-in sans-serif (Vietnamese included), Arial's metrics
SVG_FONT_FAMILIES = "Liberation Sans, Arial, Helvetica, sans-serif"
_SVG_FONT_FAMILY = re.compile(r'font-family="[^"]*"')


_SVG_ID = re.compile(r'\bid="([A-Za-z_][\w.-]*?)(\d+)"')


def stable_svg_ids(svg: str) -> str:
    """vl-convert numbers gradients and clip paths (`gradient_4`, `clip3`) with counters that live as long as
    the process: the same chart gets other ids depending on what the worker drew before it. Renumber every such
    id (and its `url(#…)` / `href="#…"` references) by order of first appearance in this file."""
    mapping: dict[str, str] = {}
    counters: dict[str, int] = {}
    for m in _SVG_ID.finditer(svg):
        old = m.group(1) + m.group(2)
        if old not in mapping:
            n = counters.get(m.group(1), 0)
            counters[m.group(1)] = n + 1
            mapping[old] = f"{m.group(1)}{n}"
    if not mapping:
        return svg
    names = "|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True))
    refs = re.compile(r'(\bid="|url\(\s*#|href="#)(' + names + r')(?=["\s)])')
    return refs.sub(lambda m: m.group(1) + mapping[m.group(2)], svg)


def save_figures(
    chart: alt.TopLevelMixin | Mapping[str, Any] | Any,  # or anything with Altair's to_dict()
    stem_path: str | os.PathLike,
    formats: Sequence[str] = ("png", "svg"),
    scale: float = 2,
    embed_options: Mapping[str, Any] | None = None,
    lang: str | None = None,
) -> list[Path]:
    """Write `chart` as `<stem_path>.png` / `.svg` (vl-convert), atomically; return the paths written.

    The chart's locale (usermeta lang, or `lang`, or `embed_options` formatLocale/timeFormatLocale) is
    applied as in the HTML. Figures are laid out like the pages' no-script fallbacks (`static_svg`), so a figure
    file reads the same on any reader's machine.
    """
    import vl_convert as vlc

    # not validated again: vl-convert refuses an invalid spec itself
    spec = chart.to_dict(validate=False) if hasattr(chart, "to_dict") else copy.deepcopy(dict(chart))
    opts = embed_options_for(spec, embed_options, lang)
    stem = Path(stem_path)
    written = []
    drawn: list[str] = []  # the SVG, drawn once: the PNG and PDF are made from it

    def svg() -> str:
        if not drawn:
            drawn.append(static_svg(spec, opts))
        return drawn[0]

    for fmt in formats:
        target = stem.with_name(stem.name + "." + fmt)
        if fmt == "svg":
            write_text(stable_svg_ids(svg()), target)
        elif fmt in ("png", "pdf"):
            write_bytes(vlc.svg_to_png(svg(), scale=scale) if fmt == "png" else vlc.svg_to_pdf(svg()), target)
        else:
            raise ValueError(f"unsupported figure format {fmt!r} (png, svg, pdf)")
        written.append(target)
    return written


# ----------------------------------------------------------------------------------------------------------
# Execution: worker processes, each running notebooks in its own IPython shell
# ----------------------------------------------------------------------------------------------------------

_VOLATILE_PAPERMILL_KEYS = ("start_time", "end_time", "duration", "status", "exception")


def _clean_metadata(nb) -> None:
    """Drop per-run metadata (timings, papermill status) so unchanged inputs give unchanged outputs."""
    pm = nb.metadata.get("papermill")
    if isinstance(pm, dict):
        for key in (*_VOLATILE_PAPERMILL_KEYS, "input_path", "output_path"):
            pm.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cpm = cell.metadata.get("papermill")
        if isinstance(cpm, dict):
            for key in _VOLATILE_PAPERMILL_KEYS:
                cpm.pop(key, None)
        if cell.metadata.get("papermill") == {}:
            del cell.metadata["papermill"]
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]


class _JobFailed(Exception):
    pass


def _failing_cell(nb) -> str:
    """'cell 5 (id 'cell-5', starts 'raise ...')', numbered as in the source notebook (injected cell not counted)."""
    shift = 0
    for i, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.metadata.get("tags", []):
            shift = 1
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
                return f"cell {i - shift} (id {cell.get('id')!r}, starts {first[:60]!r})"
    return "a cell"


class _Worker:
    """Renders jobs one after another in this process: notebooks run in its own IPython shell
    (`inprocess.InProcessExecutor`), pages come from one HTML exporter. Static figures are drawn as the page is
    exported (vl-convert holds the interpreter lock while it draws, so a background thread bought no overlap)."""

    executor: InProcessExecutor | None

    def __init__(self, cwd: str, timeout: int | None, journal_dir: str | None = None):
        self.cwd, self.timeout, self.journal_dir = cwd, timeout, journal_dir
        self.executor = None
        self.exporter = None

    def start(self) -> None:
        from dxtrack.notebook.inprocess import InProcessExecutor

        self.executor = InProcessExecutor(self.cwd, self.timeout)
        self.exporter = _make_exporter()
        vega_bundle(_vl_version([]))  # warm the cache for charts of vl-convert's newest Vega-Lite

    def render(self, job: Job) -> None:
        import nbformat
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        from dxtrack.notebook.inprocess import CellError, CellTimeout

        assert self.executor is not None
        nb = load_notebook_node(str(job.notebook))
        nb = parameterize_notebook(nb, job.parameters, kernel_name="python3")
        for cell in nb.cells:  # papermill gives the injected cell a random id: make it stable
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell["id"] = "injected-parameters"
        try:
            self.executor.run(nb)
        except CellError as e:
            cell = _failing_cell(nb)
            tb = _ANSI.sub("", "\n".join(e.traceback)).strip().splitlines()
            tail = "\n    ".join(tb[-12:])
            raise _JobFailed(f"{cell} raised {e.ename}: {_ANSI.sub('', e.evalue)}\n    {tail}") from None
        except CellTimeout as e:
            raise _JobFailed(f"timed out: {e}") from None
        _clean_metadata(nb)

        title = job.title or job.parameters.get("title") or job.output_html.stem
        # A page links its charts' SVG fallbacks, written as it is exported: a figure that cannot be written (a
        # full disk) fails the job before anything switches over, and the previous page, notebook and figures stay.
        try:
            page = export_html(
                nb,
                lang=job.lang,
                title=str(title),
                exporter=self.exporter,
                static_dir=job.static_dir,
                page_dir=job.output_html.parent,
                run_dir=Path(self.cwd),
            )
        except OSError as e:
            raise _JobFailed(f"a static figure could not be written: {type(e).__name__}: {e}") from None
        ipynb = nbformat.writes(nb) + "\n"
        write_pair(job, ipynb, page, self.journal_dir)


def journal_for(job: Job, journal_dir: str | os.PathLike | None) -> Path:
    """Where a job's switch-over is journalled: `journal_dir` (outside the output folder, so a leftover is
    never part of it) or, by default, a hidden file beside the HTML."""
    if journal_dir is None:
        return job.output_html.with_name(f".{job.output_html.name}.commit.json")
    digest = hashlib.sha1(str(job.output_html.resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(journal_dir) / f"{job.output_html.stem}-{digest}.json"


def write_pair(job: Job, ipynb: str, page: str, journal_dir: str | os.PathLike | None = None) -> None:
    """The executed notebook, its HTML and the files it staged (`Job.staged`) change together or not at all
    (core.atomic.atomic_group): all are written in full first (a full disk fails here and changes none), then
    all renamed into place; the staging folder is emptied after the switch-over."""
    folder = job.staged[0] if job.staged and job.staged[0].is_dir() else None
    staged = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".tmp")) if folder else []
    targets = [job.output_ipynb, job.output_html, *(job.staged[1] / p.name for p in staged if job.staged)]
    with atomic_group(targets, journal=journal_for(job, journal_dir)) as (nb_tmp, html_tmp, *file_tmps):
        nb_tmp.write_text(ipynb, encoding="utf-8")
        html_tmp.write_text(page, encoding="utf-8")
        for source, tmp in zip(staged, file_tmps):
            tmp.write_bytes(source.read_bytes())
    if job.staged:
        clear_staging(job)


def clear_staging(job: Job) -> None:
    """Empty a job's staging folder: files a failed or killed run staged never reach the folder."""
    if job.staged and job.staged[0].is_dir():
        shutil.rmtree(job.staged[0])


def _stop_worker(signum, frame) -> None:
    """SIGTERM: leave now, even from inside a running cell (the executor re-raises an exit marked this way)."""
    stop = SystemExit(143)
    stop.dxtrack_stop = True  # type: ignore[attr-defined]
    raise stop


def _worker_main(
    wid: int,
    tasks,
    results,
    cwd: str,
    timeout: int | None,
    journal_dir: str | None = None,
    preload: Sequence[str] = (),
) -> None:
    import importlib
    import logging
    import signal

    logging.getLogger("traitlets").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _stop_worker)
    worker = _Worker(cwd, timeout, journal_dir)
    try:
        worker.start()
        for module in preload:  # what the notebooks will import, while the caller is still planning
            importlib.import_module(module)
    except BaseException:
        results.put(("fatal", wid, None, f"render worker {wid} could not start:\n" + traceback.format_exc()))
        return
    while True:
        item = tasks.get()
        if item is None:
            break
        idx, job = item
        results.put(("start", wid, idx, None))
        t0 = time.perf_counter()
        try:
            worker.render(job)
        except _JobFailed as e:
            results.put(("fail", wid, idx, str(e)))
        except Exception:
            results.put(("fail", wid, idx, traceback.format_exc(limit=8)))
        else:
            results.put(("ok", wid, idx, time.perf_counter() - t0))


def _check_jobs(jobs: Sequence[Job]) -> None:
    outputs: dict[Path, Job] = {}
    for job in jobs:
        if not isinstance(job, Job):
            raise TypeError(f"render_all takes Job objects, got {type(job).__name__}")
        if not job.notebook.is_file():
            raise FileNotFoundError(f"{job.describe()}: notebook not found")
        for out in (job.output_ipynb, job.output_html):
            key = out.resolve()
            if key in outputs:
                raise ValueError(f"two jobs write {out}: {outputs[key].describe()} and {job.describe()}")
            outputs[key] = job


def render_all(
    jobs: Iterable[Job],
    workers: int = 2,
    progress: bool = True,
    cwd: str | os.PathLike | None = None,
    timeout: int | None = 600,
    journal_dir: str | os.PathLike | None = None,
) -> list[RenderResult]:
    """Execute and export every job, `workers` notebooks at a time (see RenderPool, which this starts and stops).

    Returns one RenderResult per job, in the order given. Raises RenderError after all other jobs have finished
    if any notebook failed; a failed job writes nothing (files from an earlier run are left as they were).
    """
    jobs = list(jobs)
    if workers < 1:
        raise ValueError("workers must be >= 1")
    if not jobs:
        return []
    _check_jobs(jobs)
    with RenderPool(min(workers, len(jobs)), cwd=cwd, timeout=timeout, journal_dir=journal_dir) as pool:
        return pool.run(jobs, progress=progress)


class RenderPool:
    """Worker processes that render jobs, each running notebooks one after another in its own warm IPython shell
    (`inprocess.InProcessExecutor`).

    The workers start (import, build their exporter, import the `preload` modules) as soon as the pool is made,
    so a caller can start them before it has worked out which jobs to run. `run(jobs)` hands the jobs out
    through a queue (a slow notebook does not hold up the others) and can be called once. Workers start in
    `cwd` (default: the current directory), which is restored before every notebook; `timeout` is per cell
    (seconds, None for no limit). A job's .ipynb and .html (and the files it staged, `Job.staged`) are switched
    over together (`write_pair`; `journal_dir` keeps the switch-over journals). A worker that dies mid-job (a
    crash in native code, the OOM killer) fails that job only: a fresh worker takes its place.
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        cwd: str | os.PathLike | None = None,
        timeout: int | None = 600,
        journal_dir: str | os.PathLike | None = None,
        preload: Sequence[str] = (),
    ):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.cwd = str(Path(cwd).resolve()) if cwd is not None else os.getcwd()
        self.timeout = timeout
        self.journal_dir = None if journal_dir is None else str(journal_dir)
        self.preload = tuple(preload)
        self._ctx = mp.get_context("spawn")
        self.tasks, self.results = self._ctx.Queue(), self._ctx.Queue()
        self.used = False
        self.procs = [self._spawn(w) for w in range(workers)]

    def _spawn(self, w: int):
        proc = self._ctx.Process(
            target=_worker_main,
            name=f"dxtrack-render-{w}",
            args=(w, self.tasks, self.results, self.cwd, self.timeout, self.journal_dir, self.preload),
            daemon=True,
        )
        proc.start()
        return proc

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # interrupted or failed before run(): stop now; a RenderError comes after every job has finished
        self.close(terminate=exc_type is not None and not issubclass(exc_type, RenderError))

    def close(self, terminate: bool = False) -> None:
        """Stop the workers: at once with `terminate` (interrupted), else after the jobs they hold."""
        if not self.used:
            self.used = True
            for _ in self.procs:
                self.tasks.put(None)
        for p in self.procs:
            if terminate and p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(timeout=600)  # a worker finishes the job it holds before it exits
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
        self.tasks.close()
        self.results.close()

    def run(self, jobs: Sequence[Job], progress: bool = True) -> list[RenderResult]:
        jobs = list(jobs)
        if self.used:
            raise RuntimeError("a RenderPool runs one set of jobs")
        self.used = True
        _check_jobs(jobs)
        for job in jobs:
            clear_staging(job)
        for i, job in enumerate(jobs):
            self.tasks.put((i, job))
        for _ in self.procs:
            self.tasks.put(None)
        if not jobs:
            return []

        from tqdm import tqdm

        procs, results = self.procs, self.results
        done: dict[int, RenderResult] = {}
        failures: dict[int, JobFailure] = {}
        running: dict[int, int] = {}  # worker -> job index
        fatal: list[str] = []
        bar = tqdm(total=len(jobs), desc="render", unit="nb", file=sys.stderr, disable=not progress, dynamic_ncols=True)
        try:
            while len(done) + len(failures) < len(jobs):
                try:
                    kind, wid, idx, payload = results.get(timeout=0.5)
                except queue.Empty:
                    for w, p in enumerate(procs):
                        if not p.is_alive() and w in running:
                            idx = running.pop(w)
                            failures[idx] = JobFailure(
                                jobs[idx], f"render worker {w} exited (code {p.exitcode}) while rendering it"
                            )
                            bar.update(1)
                            # its end-of-queue marker is still queued: a new worker takes the remaining jobs
                            procs[w] = self._spawn(w)
                    if all(not p.is_alive() for p in procs):
                        why = "; ".join(fatal) or "all render workers exited"
                        for i, job in enumerate(jobs):
                            if i not in done and i not in failures:
                                failures[i] = JobFailure(job, f"not rendered: {why}")
                    continue
                if kind == "start":
                    running[wid] = idx
                    bar.set_postfix_str(jobs[idx].output_html.name, refresh=False)
                elif kind == "ok":
                    running.pop(wid, None)
                    done[idx] = RenderResult(jobs[idx], payload, wid)
                    bar.update(1)
                elif kind == "fail":
                    running.pop(wid, None)
                    failures[idx] = JobFailure(jobs[idx], payload)
                    bar.update(1)
                elif kind == "fatal":
                    fatal.append(payload)
        finally:
            bar.close()
        if failures:
            raise RenderError([failures[i] for i in sorted(failures)], total=len(jobs))
        return [done[i] for i in range(len(jobs))]
