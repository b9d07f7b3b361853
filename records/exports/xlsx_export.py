"""XLSX (openpyxl): one sheet per record type; text cells are always text, times
are dates (UTC), and text a spreadsheet could run is quoted (cells.safe_cell)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from records.exports.cells import safe_cell
from records.exports.csv_export import tables
from records.exports.data import ExportData

DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_COLUMNS = frozenset({"at"})  # ISO text kept as text where it is hashed (the audit log)


def _cell(column: str, value: Any) -> Any:
    """Times as spreadsheet dates (UTC, without a zone: Excel has none); text made safe."""
    if column in TIME_COLUMNS and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return safe_cell(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return safe_cell(value)


def write(data: ExportData, out_dir: Path) -> list[Path]:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (header, rows) in tables(data).items():
        sheet = workbook.create_sheet(title=name)
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows:
            sheet.append([_cell(column, v) for column, v in zip(header, values, strict=False)])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    # openpyxl stores "=..." as a formula; force a plain string cell.
                    cell.data_type = "s"
                elif isinstance(cell.value, datetime):
                    cell.number_format = DATE_FORMAT
        sheet.freeze_panes = "A2"
    path = out_dir / f"{data.exercise.name}.xlsx"
    workbook.save(path)
    return [path]
