"""Bulk import of capacity declarations from a CSV or XLSX file, read with pandas.

Every row is validated (mostly column by column, with pandas, rather than row by row), every
error is collected with the row number a person sees in their spreadsheet (the header is row 1),
the column and a reason they can act on. Once its cells are parsed, a row is checked by the
rules of a single declaration, with their messages (``members.capacity``). Any error means
nothing changes. A clean file is written in one transaction (``members.capacity.declare_rows``),
superseding the current declaration of each scope it names as ``capacity_declare`` does one at
a time (committed volume carries over).

Volumes are Decimal throughout, parsed from the text of each cell: pandas reads every cell as a
string (``dtype=str``) and never as a float.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consortium.audit import save_audited
from consortium.errors import DomainError, require
from consortium.jobs import enqueue
from consortium.models import Council, ServiceType, TimeBand, User

from . import capacity
from .models import (
    CAPACITY_IMPORT_JOB_TRANSITIONS,
    CapacityImportJob,
    CapacityImportJobStatus,
    CapacityImportStage,
    MemberCoop,
    MembershipStatus,
)
from .selectors import members_editable_by

logger = logging.getLogger(__name__)

RUN_TASK = "members.tasks.run_capacity_import_job"

COLUMNS = (
    "member",
    "service_type",
    "council",
    "time_band",
    "valid_from",
    "valid_to",
    "declared_volume",
    "staff_fte",
    "welsh_speaking_share",
    "min_package",
    "max_package",
)
OPTIONAL_COLUMNS = {"member", "valid_to", "min_package", "max_package"}

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_UNCOMPRESSED_XLSX_BYTES = 250 * 1024 * 1024
MAX_ROWS = 100_000
MAX_ERRORS_SHOWN = 200
# Files with more rows than this are imported by a background job (members.tasks); smaller ones
# inside the request, for an answer straight away.
INLINE_MAX_ROWS = 5_000
PROGRESS_EVERY = 1_000

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
TEMPLATE_FORMATS = ("csv", "xlsx")

# (largest number of digits before the decimal point, as the model's DecimalFields allow)
INTEGER_DIGITS = {
    "declared_volume": 7,
    "staff_fte": 5,
    "welsh_speaking_share": 3,
    "min_package": 5,
    "max_package": 5,
}
CENT = Decimal("0.01")
ZERO = Decimal("0")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXCEL_MIDNIGHT = r"[ T]00:00:00(?:\.0+)?$"
KEY_SHIFT = 1 << 21  # packs two ids into one int64 key for vectorised membership tests


@dataclass(frozen=True)
class RowError:
    row: int  # as in the spreadsheet: the header is row 1, the first data row is row 2
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ImportResult:
    created: int
    superseded: int
    rows: int


class ImportRejected(Exception):
    """The file had row errors; nothing was changed. ``errors`` holds every one of them."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: (e.row, _column_order(e.column)))
        super().__init__(f"{len(self.errors)} row errors")

    @property
    def shown(self) -> list[RowError]:
        return self.errors[:MAX_ERRORS_SHOWN]

    @property
    def hidden_count(self) -> int:
        return max(0, len(self.errors) - MAX_ERRORS_SHOWN)


def _column_order(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


def can_import_capacity(user: User) -> bool:
    """Coordinators import for any co-op of their consortium; member users for their own."""
    return bool(user and user.is_authenticated and (user.is_coordinator or user.is_member_user))


# ---------------------------------------------------------------------------------------------
# Reading the file


def _file_error(message: str) -> DomainError:
    return DomainError(message, field="file", code="invalid_file")


def _read_bytes(file: Any) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    return data


class _Table:
    """The rows read from a file, up to a limit: ``header`` (the first row's cells), ``rows``
    (the cells of each row below it) and ``numbers`` (each row's number in the spreadsheet, the
    header being row 1). ``over_limit``: reading stopped at the row past the limit, unread."""

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.rows: list[list[str]] = []
        self.numbers: list[int] = []
        self.filled = 0  # rows with at least one cell filled in
        self.over_limit = False


def _csv_records(data: bytes) -> tuple[int, Iterator[list[str]]]:
    """(an estimate of the rows, the rows' cells one row at a time), read as they come."""
    if data[:4] == b"PK\x03\x04":
        raise _file_error(
            _("This file is an Excel workbook with a .csv name. Name it .xlsx, or save it "
              "from Excel as CSV UTF-8.")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            _("The file is not UTF-8 text. In Excel, save it as \"CSV UTF-8 (comma delimited)\", "
              "or upload the .xlsx workbook instead.")
        ) from None
    if "\x00" in text:
        raise _file_error(_("The file does not look like a CSV text file."))
    if not text.strip():
        raise _file_error(_("The file is empty."))

    def records() -> Iterator[list[str]]:
        width = None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            for number, cells in enumerate(reader, start=1):
                if width is None:
                    width = len(cells)
                elif len(cells) > width:
                    raise _file_error(
                        _("Row %(row)s has %(saw)s cells but the header row has %(expected)s. Remove "
                          "the extra cells, or put text that contains commas in quotes.")
                        % {"row": number, "saw": len(cells), "expected": width}
                    )
                yield cells
        except csv.Error:
            raise _file_error(
                _("The file could not be read as CSV. Check that it is saved as comma-separated "
                  "values with a header row.")
            ) from None

    return data.count(b"\n") + 1, records()


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a person typed: whole numbers without ".0", a date cell as
    "YYYY-MM-DD 00:00:00", an empty cell as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_records(data: bytes) -> tuple[int, Iterator[list[str]]]:
    """(the rows the first sheet says it has, its rows' cells one row at a time), streamed by
    openpyxl's read-only mode: a row is parsed only when it is asked for."""
    not_xlsx = _file_error(
        _("The file could not be read as an Excel workbook (.xlsx). Save it again from your "
          "spreadsheet program as .xlsx or as CSV UTF-8.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_XLSX_BYTES:
                raise _file_error(_("The workbook is too large; split it into smaller files."))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise not_xlsx from None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        estimate = sheet.max_row or 0
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a damaged workbook
        raise not_xlsx from None

    def records() -> Iterator[list[str]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_cell_text(v) for v in values]
        except DomainError:
            raise
        except Exception:  # noqa: BLE001 - a damaged sheet fails part-way
            raise not_xlsx from None
        finally:
            workbook.close()

    return estimate, records()


XLSX_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _xlsx_has_more_rows_than(data: bytes, limit: int) -> bool:
    """Whether the workbook's sheets hold more than ``limit`` rows, counted from their XML as
    it is decompressed, without loading the workbook (openpyxl reads every shared string first,
    which takes long for a large file). An over-count (rows of formatting only) just sends a
    file to the background job, which reads it exactly."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_XLSX_BYTES:
                return False  # refused at once by the reader, as too large
            count = 0
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as sheet:
                    tail = b""
                    while chunk := sheet.read(1 << 20):
                        block = tail + chunk
                        # A tag starting in the last 16 bytes may be cut: it is counted with
                        # the next chunk, from the tail kept for it.
                        cut = max(0, len(block) - 16)
                        count += sum(1 for m in XLSX_ROW_TAG.finditer(block) if m.start() < cut)
                        tail = block[cut:]
                        if count > limit:
                            return True
                    count += len(XLSX_ROW_TAG.findall(tail))
            return count > limit
    except Exception:  # noqa: BLE001 - a damaged archive fails in many ways
        return False  # the reader then says what is wrong with the file, in the request


def _read_table(data: bytes, filename: str, *, limit: int,
                on_rows: Callable[[int, int], None] | None = None) -> _Table:
    """Read the file's rows until more than ``limit`` rows are filled in, and no further.

    ``on_rows(rows read, estimated rows)`` is called every ``PROGRESS_EVERY`` rows."""
    if not data:
        raise _file_error(_("The file is empty."))
    extension = os.path.splitext(filename or "")[1].lower()
    if extension == ".xlsx":
        estimate, records = _xlsx_records(data)
    elif extension == ".csv":
        estimate, records = _csv_records(data)
    else:
        raise _file_error(_("Upload a CSV (.csv) or Excel (.xlsx) file."))
    table = _Table()
    for number, cells in enumerate(records, start=1):
        if table.header is None:
            table.header = cells
            continue
        if any(str(cell).strip() for cell in cells):
            if table.filled == limit:
                table.over_limit = True
                records.close()
                break
            table.filled += 1
        table.rows.append(cells)
        table.numbers.append(number)
        if on_rows is not None and number % PROGRESS_EVERY == 0:
            on_rows(number, estimate)
    if table.header is None or (not table.rows and not any(c.strip() for c in table.header)):
        raise _file_error(_("The file is empty."))
    return table


def _check_row_limit(table: _Table) -> None:
    if table.over_limit:
        raise _file_error(
            _("The file has more than %(max)s rows; import at most %(max)s rows at a time.")
            % {"max": MAX_ROWS}
        )


def _frame(table: _Table) -> pd.DataFrame:
    """The rows as a frame of strings: one column per cell position, the index being the row
    number a spreadsheet shows, and the header's cells in ``attrs["header"]``."""
    width = max([len(table.header), *(len(cells) for cells in table.rows)])
    header = table.header + [""] * (width - len(table.header))
    frame = pd.DataFrame(
        [cells + [""] * (width - len(cells)) for cells in table.rows],
        columns=range(width), index=table.numbers, dtype=object,
    )
    frame.attrs["header"] = [str(v) for v in header]
    return frame


def _normalise_frame(frame: pd.DataFrame, *, member_required: bool) -> pd.DataFrame:
    """Name the columns, check they are the expected ones, strip cells, drop blank rows."""
    names = [re.sub(r"[\s\-]+", "_", name.strip().lower()) for name in frame.attrs["header"]]
    stripped = {
        i: np.array([str(v).strip() for v in frame[i].to_numpy()], dtype=object)
        for i in range(len(names))
    }
    # Columns with neither a name nor any value (left over at the right of a sheet) are ignored.
    keep = [i for i, name in enumerate(names) if name or (stripped[i] != "").any()]
    names = [names[i] or _("(no name)") for i in keep]
    seen: set[str] = set()
    repeated = sorted({n for n in names if n in seen or seen.add(n)})
    unknown = [n for n in names if n not in COLUMNS and n not in repeated]
    required = [c for c in COLUMNS if c not in OPTIONAL_COLUMNS or (c == "member" and member_required)]
    missing = [c for c in required if c not in names]
    problems = []
    if missing:
        problems.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if repeated:
        problems.append(_("Columns named twice: %(columns)s.") % {"columns": ", ".join(repeated)})
    if unknown:
        problems.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    if problems:
        problems.append(
            _("The first row must name the columns: %(columns)s (download the template).")
            % {"columns": ", ".join(COLUMNS)}
        )
        raise _file_error(" ".join(problems))
    position = {name: i for name, i in zip(names, keep, strict=True)}
    blank = np.full(len(frame), "", dtype=object)
    columns = {c: stripped[position[c]] if c in position else blank for c in COLUMNS}
    cleaned = pd.DataFrame(columns, index=frame.index)
    cleaned = cleaned[(cleaned != "").to_numpy().any(axis=1)]
    if cleaned.empty:
        raise _file_error(_("The file has no rows of data below the header row."))
    return cleaned


# ---------------------------------------------------------------------------------------------
# Validation. Each column is checked as a whole: a cell's text is parsed once per distinct
# value (a 50,000-row file has a few hundred distinct codes and dates), then mapped back.


def _key(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def _number_key(value: str) -> str:
    return "".join(str(value).split()).casefold()


class _Errors:
    """Collects row errors, with the spreadsheet's row numbers."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        self.items: list[RowError] = []

    def flag(self, mask: Any, column: str, message: str | list[str | None]) -> None:
        """Flag the rows where ``mask`` is true; ``message`` is one text or one per row."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        positions = np.flatnonzero(mask).tolist()
        if isinstance(message, str):
            self.items.extend(RowError(int(self.rows[i]), column, message) for i in positions)
        else:
            self.items.extend(RowError(int(self.rows[i]), column, str(message[i])) for i in positions)


def _by_value(cells: np.ndarray, parse) -> tuple[list, list]:
    """(parsed values, problems): ``parse(text) -> (value, problem)`` once per distinct text."""
    parsed = {text: parse(text) for text in pd.unique(cells).tolist()}
    pairs = [parsed[text] for text in cells.tolist()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _has(problems: list) -> np.ndarray:
    return np.fromiter((p is not None for p in problems), dtype=bool, count=len(problems))


def _reference_lookup(rows: Iterable[tuple]) -> dict[str, int]:
    """Casefolded code, English and Welsh name -> id, from (pk, code, name_en, name_cy) rows."""
    lookup: dict[str, int] = {}
    for pk, *names in rows:
        for name in names:
            if name:
                lookup.setdefault(_key(name), pk)
    return lookup


def _lookup_codes(
    errors: _Errors, cells: np.ndarray, column: str, lookup: dict[str, int], unknown: Any,
) -> np.ndarray:
    """Map cells to ids through ``lookup``; flag blanks and values it does not know.

    ``unknown(value)`` gives the message for a value that is not in the lookup."""

    def parse(text: str) -> tuple[int, str | None]:
        if text == "":
            return 0, _("Fill in %(column)s.") % {"column": column}
        found = lookup.get(_key(text), 0)
        return found, None if found else unknown(text[:80])

    ids, problems = _by_value(cells, parse)
    errors.flag(_has(problems), column, problems)
    return np.array(ids, dtype=np.int64)


def _parse_decimal(text: str, column: str) -> tuple[Decimal | None, str | None]:
    if text == "":
        return None, None
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("£", "")
    if column == "welsh_speaking_share" and cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None, _("\"%(value)s\" is not a number.") % {"value": text[:40]}
    if not value.is_finite():
        return None, _("\"%(value)s\" is not a number.") % {"value": text[:40]}
    if value != 0 and value.adjusted() >= INTEGER_DIGITS[column]:
        return None, _("Too large: use a number below %(limit)s.") % {
            "limit": f"{10 ** INTEGER_DIGITS[column]:,}"
        }
    rounded = value.quantize(CENT)
    if rounded != value:
        return None, _("Use at most 2 decimal places.")
    return rounded, None  # whether it may be negative, or above 100: members.capacity's rules


def _decimal_column(errors: _Errors, cells: np.ndarray, column: str, *, required: bool) -> list:
    """Decimal values, parsed from the cell's text (None where blank or wrong)."""

    def parse(text: str) -> tuple[Decimal | None, str | None]:
        if text == "" and required:
            return None, _("Fill in %(column)s.") % {"column": column}
        return _parse_decimal(text, column)

    values, problems = _by_value(cells, parse)
    errors.flag(_has(problems), column, problems)
    return values


def _date_column(errors: _Errors, cells: np.ndarray, column: str, *, required: bool) -> list:
    """Dates written YYYY-MM-DD (or a date cell of a workbook, read as "YYYY-MM-DD 00:00:00")."""
    wrong = _("Not a date: write it as YYYY-MM-DD, for example %(example)s.") % {
        "example": timezone.localdate().replace(day=1).isoformat()
    }

    def parse(text: str) -> tuple[dt.date | None, str | None]:
        if text == "":
            return None, (_("Fill in %(column)s.") % {"column": column}) if required else None
        text = re.sub(EXCEL_MIDNIGHT, "", text)
        if not ISO_DATE.match(text):
            return None, wrong
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, wrong

    values, problems = _by_value(cells, parse)
    errors.flag(_has(problems), column, problems)
    return values


def _resolve_members(errors: _Errors, cells: np.ndarray, user: User, coops: list[dict]) -> np.ndarray:
    """The co-op id each row names (0 where it names none the user may import for)."""
    is_member_user = user.is_member_user
    by_number: dict[str, set[int]] = {}
    by_name: dict[str, set[int]] = {}
    for coop in coops:
        for number in (coop["society_number"], coop["company_number"]):
            if number:
                by_number.setdefault(_number_key(number), set()).add(coop["pk"])
        for name in (coop["legal_name"], coop["trading_name"]):
            if name:
                by_name.setdefault(_key(name), set()).add(coop["pk"])
    own = coops[0] if is_member_user and coops else None

    def parse(text: str) -> tuple[int, str | None]:
        if is_member_user and own is None:
            return 0, _("Your account is not linked to a member co-op.")
        if text == "":
            if own is not None:
                return own["pk"], None
            return 0, _("Fill in the co-op's society or company number, or its legal name.")
        matches = by_number.get(_number_key(text)) or by_name.get(_key(text)) or set()
        if own is not None and matches != {own["pk"]}:
            return 0, _("You can only import capacity for your own co-op, %(coop)s: leave member "
                        "blank or give its name or number.") % {
                "coop": own["trading_name"] or own["legal_name"]}
        if not matches:
            return 0, _("No member co-op of your consortium has the number or name "
                        "\"%(value)s\".") % {"value": text[:80]}
        if len(matches) > 1:
            return 0, _("More than one co-op matches \"%(value)s\"; use its society or company "
                        "number.") % {"value": text[:80]}
        return next(iter(matches)), None

    ids, problems = _by_value(cells, parse)
    errors.flag(_has(problems), "member", problems)
    return np.array(ids, dtype=np.int64)


def _pair_keys(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return left.astype(np.int64) * KEY_SHIFT + right.astype(np.int64)


def _pair_array(pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    array = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    return _pair_keys(array[:, 0], array[:, 1])


# ---------------------------------------------------------------------------------------------
# The service


def _check_can_import(user: User) -> None:
    require(can_import_capacity(user), _("Only coordinators and member co-ops can import capacity."))


def _import_atomically(table: _Table, user: User, *, then: Callable[[ImportResult], None] | None = None
                       ) -> ImportResult:
    """Validate and write every row in one transaction (``then(result)`` inside it too)."""
    _check_row_limit(table)
    frame = _normalise_frame(_frame(table), member_required=not user.is_member_user)
    try:
        with transaction.atomic():
            result = _import_frame(frame, user)
            if then is not None:
                then(result)
            return result
    except IntegrityError:
        raise _file_error(
            _("Capacity changed while the file was being imported; nothing was saved. Try again.")
        ) from None


def capacity_import(*, user: User, file: Any, filename: str) -> ImportResult:
    """Import every row of the file, or none of them, inside this call (at most ``MAX_ROWS``).

    Raises ``ImportRejected`` with every row error, or ``DomainError`` (field "file") when the
    file itself cannot be used: wrong type, undecodable, empty, too many rows (found without
    reading past the limit), or missing columns.
    """
    _check_can_import(user)
    return _import_atomically(_read_table(_read_bytes(file), filename, limit=MAX_ROWS), user)


def capacity_import_start(*, user: User, file: Any, filename: str) -> ImportResult | CapacityImportJob:
    """Import a file of up to ``INLINE_MAX_ROWS`` rows now (as ``capacity_import``), or queue a
    larger one as a background job, which starts once this commits; returns the result or the
    job. Reads no further than the row past ``INLINE_MAX_ROWS`` to decide."""
    _check_can_import(user)
    data = _read_bytes(file)
    # A workbook's header row and INLINE_MAX_ROWS rows of data, at most, are imported here.
    is_xlsx = os.path.splitext(filename or "")[1].lower() == ".xlsx"
    if not (is_xlsx and _xlsx_has_more_rows_than(data, INLINE_MAX_ROWS + 1)):
        table = _read_table(data, filename, limit=INLINE_MAX_ROWS)
        if not table.over_limit:
            return _import_atomically(table, user)
    job = CapacityImportJob.objects.create(
        requested_by=user, filename=os.path.basename(filename or "")[:255], content=data,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue_job(job_id))
    return job


def _enqueue_job(job_id: int) -> None:
    enqueue(RUN_TASK, job_id, unreachable=_worker_unreachable)


def _worker_unreachable(job_id: int) -> None:
    job = CapacityImportJob.objects.filter(pk=job_id).first()
    with translation.override(job.language if job else None):
        error = _("The import could not be started: the background worker cannot be reached. "
                  "Nothing was imported; try again in a few minutes.")
    _job_move(job_id=job_id, to=CapacityImportJobStatus.FAILED, error=error)


class _JobGone(Exception):
    """The job is no longer running: its import is rolled back."""


def _job_move(*, job_id: int, to: str, **fields: Any) -> CapacityImportJob | None:
    """The one place a job's status moves: lock its row; do nothing when it is already there or
    the transitions table does not allow the move; else set ``fields`` (and the stage, the end
    time and the emptied file of a job that ends) and save it with its audit row."""
    with transaction.atomic():
        job = CapacityImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == to or to not in CAPACITY_IMPORT_JOB_TRANSITIONS[job.status]:
            return None
        job.status = to
        if to in (CapacityImportJobStatus.DONE, CapacityImportJobStatus.FAILED):
            fields.update(finished_at=timezone.now(), content=b"", stage=CapacityImportStage.DONE)
            if to == CapacityImportJobStatus.DONE:
                fields["progress"] = 100
        for name, value in fields.items():
            setattr(job, name, value)
        save_audited(job, job.requested_by, update_fields=["status", *fields])
    return job


class _JobProgress:
    """Writes a running job's progress in short UPDATEs outside the import's transaction, so the
    progress page sees it: reading the file is 5-50%, checking and saving 50-100%."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def write(self, **fields: Any) -> None:
        running = CapacityImportJob.objects.filter(pk=self.job_id, status=CapacityImportJobStatus.RUNNING)
        running.update(**fields)

    def reading(self, rows: int, estimate: int) -> None:
        share = min(1.0, rows / estimate) if estimate else 0.0
        self.write(rows_read=rows, progress=5 + round(45 * share))


def capacity_import_job_run(*, job_id: int) -> str | None:
    """Run one queued import job (what the Celery task calls): mark it running, read the file
    writing progress, import it all or nothing and mark it done in the same transaction; or
    mark it failed with every row error or the file's problem, having changed nothing. Safe to
    call twice: a job that is not queued is left as it is. Returns the job's status."""
    job = _job_move(job_id=job_id, to=CapacityImportJobStatus.RUNNING, started_at=timezone.now(),
                    stage=CapacityImportStage.READING, progress=5)
    if job is None:
        return CapacityImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
    progress = _JobProgress(job.pk)

    def finish(result: ImportResult) -> None:
        if _job_move(job_id=job.pk, to=CapacityImportJobStatus.DONE, created=result.created,
                     superseded=result.superseded, rows=result.rows) is None:
            raise _JobGone  # taken for stopped meanwhile: roll the import back

    with translation.override(job.language):
        try:
            user = job.requested_by
            _check_can_import(user)
            table = _read_table(bytes(job.content), job.filename, limit=MAX_ROWS, on_rows=progress.reading)
            progress.write(rows_read=len(table.rows) + 1, progress=50, stage=CapacityImportStage.CHECKING)
            _import_atomically(table, user, then=finish)
        except _JobGone:
            pass
        except ImportRejected as rejected:
            _job_move(job_id=job.pk, to=CapacityImportJobStatus.FAILED,
                      row_errors=[e.as_dict() for e in rejected.shown], error_count=len(rejected.errors))
        except DomainError as error:
            _job_move(job_id=job.pk, to=CapacityImportJobStatus.FAILED, error=str(error.message))
        except Exception:
            logger.exception("Capacity import job %s failed", job.pk)
            _job_move(job_id=job.pk, to=CapacityImportJobStatus.FAILED,
                      error=_("The import failed because of an unexpected error, which has been "
                              "recorded. Nothing was imported: try again, and if it fails again, tell "
                              "the system's administrators."))
    return CapacityImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()


@dataclass
class _Rows:
    """The file's rows as parsed, one entry per row: ids (0 where unknown), values (None where
    blank or refused)."""

    numbers: np.ndarray  # each row's number in the spreadsheet
    coop: np.ndarray
    service: np.ndarray
    council: np.ndarray
    band: np.ndarray  # time bands as numbers (BAND_IDS), for the vectorised scope tests
    values: dict[str, list]  # valid_from, valid_to and the FIGURES

    def __len__(self) -> int:
        return len(self.numbers)

    def scopes(self) -> pd.DataFrame:
        return pd.DataFrame({"coop": self.coop, "service": self.service, "council": self.council,
                             "band": self.band, "row": self.numbers})


SCOPE_COLUMNS = ["coop", "service", "council", "band"]
BAND_IDS = {value: i + 1 for i, value in enumerate(TimeBand.values)}


def _parse_references(errors: _Errors, cells: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Service types, councils (code, English or Welsh name) and time bands, as ids."""
    services = _reference_lookup(ServiceType.objects.values_list("pk", "code", "name_en", "name_cy"))
    service_codes = ", ".join(sorted(ServiceType.objects.values_list("code", flat=True)))
    councils = _reference_lookup(Council.objects.values_list("pk", "code", "name_en", "name_cy"))
    bands = _reference_lookup((BAND_IDS[value], value, str(label)) for value, label in TimeBand.choices)
    service_ids = _lookup_codes(
        errors, cells["service_type"], "service_type", services,
        lambda value: _("Unknown service type \"%(value)s\". Use one of: %(codes)s.")
        % {"value": value, "codes": service_codes},
    )
    council_ids = _lookup_codes(
        errors, cells["council"], "council", councils,
        lambda value: _("Unknown council \"%(value)s\". Use its code (for example GB-CRF) or its "
                        "English or Welsh name.") % {"value": value},
    )
    band_ids = _lookup_codes(
        errors, cells["time_band"], "time_band", bands,
        lambda value: _("Unknown time band \"%(value)s\". Use one of: %(codes)s.")
        % {"value": value, "codes": ", ".join(TimeBand.values)},
    )
    return service_ids, council_ids, band_ids


def _parse_values(errors: _Errors, cells: dict[str, np.ndarray]) -> dict[str, list]:
    """The dates and figures, parsed from their cells' text."""
    values = {
        "valid_from": _date_column(errors, cells["valid_from"], "valid_from", required=True),
        "valid_to": _date_column(errors, cells["valid_to"], "valid_to", required=False),
    }
    for column in capacity.FIGURES:
        values[column] = _decimal_column(errors, cells[column], column,
                                         required=column not in OPTIONAL_COLUMNS)
    return values


def _flag_refusals(errors: _Errors, column: str, refusals: list[DomainError | None]) -> np.ndarray:
    """Flag each row's refusal (a rule of ``members.capacity``) in ``column``; returns the mask."""
    mask = _has(refusals)
    errors.flag(mask, column, [str(r.message) if r is not None else None for r in refusals])
    return mask


def _check_figures(errors: _Errors, values: dict[str, list]) -> None:
    """The rules of a single declaration on each row's figures and period (the same rules and
    messages: ``members.capacity``); a refused value is blanked, so it is reported once."""
    for column in capacity.FIGURES:
        column_values = values[column]
        refusal = {v: capacity.figure_refusal(column, v) for v in set(column_values) if v is not None}
        refused = _flag_refusals(errors, column, [refusal.get(v) if v is not None else None
                                                  for v in column_values])
        values[column] = [None if no else v
                          for v, no in zip(column_values, refused.tolist(), strict=True)]
    _flag_refusals(errors, "min_package", [
        capacity.packages_refusal(lo, hi)
        for lo, hi in zip(values["min_package"], values["max_package"], strict=True)])
    _flag_refusals(errors, "valid_to", [
        capacity.period_refusal(start, end)
        for start, end in zip(values["valid_from"], values["valid_to"], strict=True)])


def _editable_coops(user: User) -> list[dict]:
    return list(members_editable_by(user).order_by("pk").values(
        "pk", "legal_name", "trading_name", "society_number", "company_number"))


def _check_coops(errors: _Errors, rows: _Rows, coops: list[dict]) -> list[int]:
    """Lock the co-ops the file names and check each row's against the rules of a single
    declaration: not withdrawn, offering the service, serving the council. Returns the co-ops."""
    involved = sorted(int(pk) for pk in np.unique(rows.coop) if pk)
    # Race: as a single declaration, every co-op of the file is locked (members.capacity's lock
    # order, in primary-key order: no deadlock between two imports) before the current rows are
    # read, so neither can supersede a row the other is replacing.
    statuses = capacity.lock_coops(involved)
    withdrawn = np.isin(rows.coop, [pk for pk, s in statuses.items() if capacity.status_refusal(s)])
    _flag_refusals(errors, "member", [capacity.status_refusal(MembershipStatus.WITHDRAWN) if no else None
                                      for no in withdrawn.tolist()])
    offered = _pair_array(MemberCoop.service_types.through.objects.filter(membercoop_id__in=involved)
                          .values_list("membercoop_id", "servicetype_id"))
    served = _pair_array(MemberCoop.councils_served.through.objects.filter(membercoop_id__in=involved)
                         .values_list("membercoop_id", "council_id"))
    known = (rows.coop > 0) & ~withdrawn
    not_offered = known & (rows.service > 0) & ~np.isin(_pair_keys(rows.coop, rows.service), offered)
    not_served = known & (rows.council > 0) & ~np.isin(_pair_keys(rows.coop, rows.council), served)
    names = {coop["pk"]: coop["trading_name"] or coop["legal_name"] for coop in coops}
    if not_offered.any():
        service = ServiceType.objects.in_bulk(set(rows.service[not_offered].tolist()))
        _flag_refusals(errors, "service_type", [
            capacity.service_refusal(names[c], service[s], offered=False) if no else None
            for c, s, no in zip(rows.coop.tolist(), rows.service.tolist(), not_offered.tolist(),
                                strict=True)])
    if not_served.any():
        council = Council.objects.in_bulk(set(rows.council[not_served].tolist()))
        _flag_refusals(errors, "council", [
            capacity.council_refusal(names[c], council[a], served=False) if no else None
            for c, a, no in zip(rows.coop.tolist(), rows.council.tolist(), not_served.tolist(),
                                strict=True)])
    return involved


def _check_repeated_scopes(errors: _Errors, rows: _Rows) -> None:
    """The same scope twice in the file: the later rows are errors, naming the first."""
    scope = rows.scopes()
    complete = (rows.coop > 0) & (rows.service > 0) & (rows.council > 0) & (rows.band > 0)
    scoped = scope[complete]
    repeated = scoped.duplicated(SCOPE_COLUMNS, keep="first").to_numpy()
    if not repeated.any():
        return
    first_row = np.zeros(len(rows), dtype=np.int64)
    first_row[complete] = scoped.groupby(SCOPE_COLUMNS, sort=False)["row"].transform("first").to_numpy()
    mask = np.zeros(len(rows), dtype=bool)
    mask[np.flatnonzero(complete)[repeated]] = True
    errors.flag(mask, "time_band", [
        _("Row %(row)s already declares this co-op, service, council and time band; keep one "
          "of the two rows.") % {"row": r} for r in first_row.tolist()
    ])


def _carry_over(errors: _Errors, rows: _Rows, involved: list[int]) -> tuple[list, list]:
    """The current declaration of each row's scope (superseded) and its committed volume (carried
    over; the row may not declare less, as a single declaration may not)."""
    current = pd.DataFrame(capacity.current_of_coops(involved),
                           columns=["current", "coop", "service", "council", "band", "committed"])
    current["band"] = current["band"].map(BAND_IDS).fillna(0)
    current = current.astype({"current": np.int64, "coop": np.int64, "service": np.int64,
                              "council": np.int64, "band": np.int64})
    merged = rows.scopes().merge(current, how="left", on=SCOPE_COLUMNS)
    has_current = merged["current"].notna().tolist()
    current_pks = [int(pk) if has else None
                   for pk, has in zip(merged["current"].tolist(), has_current, strict=True)]
    committed = [c if has else ZERO
                 for c, has in zip(merged["committed"].tolist(), has_current, strict=True)]
    declared = rows.values["declared_volume"]
    _flag_refusals(errors, "declared_volume", [
        capacity.committed_refusal(d, c) for d, c in zip(declared, committed, strict=True)])
    return current_pks, committed


def _import_frame(frame: pd.DataFrame, user: User) -> ImportResult:
    """Check every row (nothing is written if one is wrong), then write them all."""
    errors = _Errors(frame.index.to_numpy())
    cells = {column: frame[column].to_numpy() for column in COLUMNS}
    service_ids, council_ids, band_ids = _parse_references(errors, cells)
    values = _parse_values(errors, cells)
    _check_figures(errors, values)
    coops = _editable_coops(user)
    rows = _Rows(numbers=frame.index.to_numpy(), coop=_resolve_members(errors, cells["member"], user, coops),
                 service=service_ids, council=council_ids, band=band_ids, values=values)
    involved = _check_coops(errors, rows, coops)
    _check_repeated_scopes(errors, rows)
    current_pks, committed = _carry_over(errors, rows, involved)
    if errors.items:
        raise ImportRejected(errors.items)
    return _write(rows, user, current_pks=current_pks, committed=committed)


def _write(rows: _Rows, user: User, *, current_pks: list, committed: list) -> ImportResult:
    n = len(rows)
    band_of_id = {i: value for value, i in BAND_IDS.items()}
    superseded = [pk for pk in current_pks if pk is not None]
    capacity.declare_rows({
        "coop": rows.coop.tolist(),
        "service_type": rows.service.tolist(),
        "council": rows.council.tolist(),
        "time_band": [band_of_id[b] for b in rows.band.tolist()],
        **rows.values,
        "committed_volume": committed,
        "supersedes": current_pks,
        "declared_by": [user.pk] * n,
        "declared_at": [timezone.now()] * n,
    }, superseded=superseded)
    return ImportResult(created=n, superseded=len(superseded), rows=n)


# ---------------------------------------------------------------------------------------------
# The template


def _example_row() -> list[Any]:
    start = timezone.localdate().replace(day=1)
    return ["", "domiciliary-support", "GB-CRF", TimeBand.WEEKDAY_DAY.value, start, None,
            Decimal("120"), Decimal("4.5"), Decimal("25"), Decimal("2"), Decimal("20")]


def capacity_template(fmt: str) -> tuple[bytes, str, str]:
    """The import template: a header row and one example row, as CSV or XLSX."""
    if fmt not in TEMPLATE_FORMATS:
        raise DomainError(_("Choose csv or xlsx."), field="file_format")
    example = _example_row()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v) for v in example]
        )
        return out.getvalue().encode("utf-8-sig"), CSV_CONTENT_TYPE, "capacity-template.csv"

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Capacity"
    sheet.append(list(COLUMNS))
    sheet.append([float(v) if isinstance(v, Decimal) else v for v in example])
    sheet.cell(row=2, column=COLUMNS.index("valid_from") + 1).number_format = "yyyy-mm-dd"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(name) + 4)
    sheet.freeze_panes = "A2"
    codes = workbook.create_sheet("Codes")
    codes.append(["service_type", "service (English)", "service (Welsh)", "unit"])
    for code, name_en, name_cy, unit in ServiceType.objects.order_by("code").values_list(
        "code", "name_en", "name_cy", "unit"
    ):
        codes.append([code, name_en, name_cy, unit])
    codes.append([])
    codes.append(["council", "council (English)", "council (Welsh)"])
    for code, name_en, name_cy in Council.objects.order_by("code").values_list(
        "code", "name_en", "name_cy"
    ):
        codes.append([code, name_en, name_cy])
    codes.append([])
    codes.append(["time_band", "time band"])
    for value, label in TimeBand.choices:
        codes.append([value, str(label)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), XLSX_CONTENT_TYPE, "capacity-template.xlsx"

