"""The after-action report as PDF, rendered by WeasyPrint from the same HTML."""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML

from records.exports.data import ExportData
from records.exports.html_export import render


def _no_fetch(url: str, timeout: int = 10, ssl_context: object = None) -> dict[str, object]:
    # The report is self-contained; refusing every fetch keeps hostile text from
    # making the renderer reach files or the network.
    raise ValueError(f"external resource refused: {url}")


def write(data: ExportData, out_dir: Path) -> list[Path]:
    path = out_dir / f"{data.exercise.name}-report.pdf"
    HTML(string=render(data), url_fetcher=_no_fetch).write_pdf(path)
    return [path]
