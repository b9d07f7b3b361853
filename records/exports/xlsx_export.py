"""XLSX (openpyxl): one sheet per record type; text cells are always text."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from records.exports.cells import safe_cell
from records.exports.csv_export import tables
from records.exports.data import ExportData


def write(data: ExportData, out_dir: Path) -> list[Path]:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (header, rows) in tables(data).items():
        sheet = workbook.create_sheet(title=name)
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows:
            sheet.append([safe_cell(v) for v in values])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    # openpyxl stores "=..." as a formula; force a plain string cell.
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
    path = out_dir / f"{data.exercise.name}.xlsx"
    workbook.save(path)
    return [path]
