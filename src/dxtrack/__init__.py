"""dxtrack: are Vietnam's provinces on course for their digital-transformation targets?"""

import sys

__version__ = "0.1.0"

# jsonschema (which Altair imports) compiles 38 grammars for its optional IRI format check whenever
# rfc3987_syntax is installed (JupyterLab's dependencies bring it in): about 1 s in every process that draws a
# chart, render workers included. dxtrack never validates an IRI, so its processes skip that module.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
