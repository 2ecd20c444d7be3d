"""actbench_tools: read, compare, plot and summarize actbench reports.

Reports are the JSON documents described in results/schema/FORMAT.md (schema versions 1 and 2).
Every tool reads them through :func:`actbench_tools.load.load_report`, which validates the
document and returns typed records keyed by their axes; no tool parses `name`.
"""

__version__ = "1.0.0"

SUPPORTED_SCHEMA_VERSIONS = (1, 2)
CURRENT_SCHEMA_VERSION = 2
