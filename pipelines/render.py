"""Stage `render`: the briefing and every province report in every language (see dxtrack.report.stage)."""

import sys

from dxtrack.core.paths import Project
from dxtrack.report.stage import render_stage
from dxtrack.notebook.engine import RenderError

if __name__ == "__main__":
    try:
        render_stage(Project.find())
    except RenderError as exc:
        print(f"render: {exc}", file=sys.stderr)
        sys.exit(1)
