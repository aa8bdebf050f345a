"""Tables as CSV or Excel downloads."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import HttpResponse


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    return value if isinstance(value, int | float) else str(value)


def table_response(*, filename: str, header: list, rows: list[list], file_format: str) -> HttpResponse:
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=filename[:31])
        sheet.append([str(h) for h in header])
        for row in rows:
            sheet.append([_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([str(h) for h in header])
        for row in rows:
            writer.writerow(["" if v is None else str(v) for v in row])
        # With a BOM so that Excel opens the Chinese text as UTF-8.
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
        file_format = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response
