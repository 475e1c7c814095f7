"""Stage `render`: the briefing and every province report in every language (see dxtrack.report.stage).

Exits 1 with one `render: …` line on any failure (the traceback with DXTRACK_DEBUG=1 or --debug)."""

import sys

from dxtrack.core.stage import fail

if __name__ == "__main__":
    project = None
    try:
        from dxtrack.core.paths import Project
        from dxtrack.report.stage import render_stage

        project = Project.find()
        project.check_params()  # params.yaml checked before anything renders
        render_stage(project)
    except KeyboardInterrupt:
        print("render: interrupted (finished reports are kept; the rest re-render on the next run)", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        sys.exit(fail("render", exc, project))
