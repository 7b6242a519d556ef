"""Tables people download: one frame, as CSV or as an XLSX workbook with an "About" sheet that
says where the figures come from. Text that a spreadsheet would read as a formula is defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

import pandas as pd
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

FILE_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value) -> object:
    """Text cells that a spreadsheet would read as a formula start with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def frame_of(header: Sequence[str], records: Iterable[Sequence]) -> pd.DataFrame:
    """A frame of object columns (counts stay ints and money stays Decimal next to empty cells),
    every text cell defused."""
    return pd.DataFrame([[safe_text(v) for v in row] for row in records],
                        columns=[str(h) for h in header], dtype=object)


def file_format_of(request) -> str | None:
    """The format asked for (csv by default), or None for one this module does not write."""
    file_format = request.GET.get("file_format") or "csv"
    return file_format if file_format in FILE_FORMATS else None


def bad_format() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(_("Choose a file format: csv or xlsx."), content_type="text/plain")


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str, about: Sequence[tuple[str, object]] = (),
               money_columns: Sequence[str] = (), percent_columns: Sequence[str] = (),
               widths: dict[str, int] | None = None) -> bytes:
    """The frame on a sheet of its own (money as £#,##0.00, percentages as 0.0%: the frame holds
    them as fractions of 1), and ``about`` as (item, value) rows on an "About" sheet."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
        book = writer.sheets[sheet]
        formats = {**{c: "£#,##0.00" for c in money_columns}, **{c: "0.0%" for c in percent_columns}}
        for index, column in enumerate(frame.columns, start=1):
            number_format = formats.get(column)
            if not number_format:
                continue
            for (cell,) in book.iter_rows(min_row=2, min_col=index, max_col=index):
                if isinstance(cell.value, (int, float, Decimal)):
                    cell.number_format = number_format
        for letter, width in (widths or {}).items():
            book.column_dimensions[letter].width = width
        if about:
            about_frame = pd.DataFrame([(str(k), safe_text(str(v))) for k, v in about],
                                       columns=[_("Item"), _("Value")], dtype=object)
            about_frame.to_excel(writer, sheet_name=_("About")[:31], index=False)
            about_sheet = writer.sheets[_("About")[:31]]
            about_sheet.column_dimensions["A"].width = 28
            about_sheet.column_dimensions["B"].width = 90
    return out.getvalue()


def download(frame: pd.DataFrame, *, name: str, file_format: str, sheet: str = "Data",
             about: Sequence[tuple[str, object]] = (), money_columns: Sequence[str] = (),
             percent_columns: Sequence[str] = (), widths: dict[str, int] | None = None) -> HttpResponse:
    """The frame as an attachment ``name``.csv or ``name``.xlsx."""
    if file_format == "csv":
        out = io.StringIO()
        frame.to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(frame, sheet=sheet, about=about, money_columns=money_columns,
                                           percent_columns=percent_columns, widths=widths),
                                content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
