"""Stage `render`: the briefing and every province report in every language (see dxtrack.publish)."""

import sys

from dxtrack.config import Project
from dxtrack.publish import render_stage
from dxtrack.render import RenderError

if __name__ == "__main__":
    try:
        render_stage(Project.find())
    except RenderError as exc:
        print(f"render: {exc}", file=sys.stderr)
        sys.exit(1)
