"""The dashboard's licence tables as CSV or XLSX: the same headers and numbers the section shows
(reports/dashboard/licences.py), without its links, written as every export is
(reports/exports.py: labelled columns, cells safe from formulas); and the lists of rows behind
the figures (views/licence_figures.py)."""

from datetime import date
from typing import Any

from warnings_app.reports.dashboard.licences import chart_named, licence_section, plain
from warnings_app.reports.exports import safe_cell, spreadsheet, typed_cell


def licence_table_file(table: str, fmt: str, *, today: date | None = None) -> tuple[bytes, str]:
    """The licence section's table `table` (one of TABLES) as CSV or XLSX: (bytes, MIME)."""
    chart = chart_named(licence_section(today), table)
    cell = typed_cell if fmt == "xlsx" else safe_cell
    rows = [[cell(plain(value)) for value in row] for row in chart.rows]
    return spreadsheet(fmt, chart.headers, rows, title=table.replace("_", " ")[:31])


def rows_file(
    fmt: str, headers: list[str], rows: list[list[Any]], *, title: str
) -> tuple[bytes, str]:
    """A list of rows behind a licence figure as CSV or XLSX: (bytes, MIME)."""
    cell = typed_cell if fmt == "xlsx" else safe_cell
    return spreadsheet(fmt, headers, ([cell(v) for v in row] for row in rows), title=title[:31])
