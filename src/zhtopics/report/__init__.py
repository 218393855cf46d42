"""Stage 7 and the run's summary: the HTML reports, their safety checks, ``results/summary.md``.

- :mod:`.execute`: execute the notebooks with papermill and export them as offline HTML
  (:func:`write_reports`).
- :mod:`.safety`: what checks or cleans a page before it is shared (:func:`active_content`,
  :func:`network_references`, :func:`escape_markdown`, :func:`redact_paths`).
- :mod:`.summary`: ``results/summary.md`` and the README's findings (:func:`render_summary`).
"""

from zhtopics.report.execute import NOTEBOOKS, list_notebooks, run_manifest, write_reports
from zhtopics.report.safety import active_content, escape_markdown, network_references, redact_paths
from zhtopics.report.summary import render_summary, update_readme, write_summary

__all__ = [
    "NOTEBOOKS",
    "active_content",
    "escape_markdown",
    "list_notebooks",
    "network_references",
    "redact_paths",
    "render_summary",
    "run_manifest",
    "update_readme",
    "write_reports",
    "write_summary",
]
