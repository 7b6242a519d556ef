"""A member's electronic call monitoring file read into a return's lines (pure: pandas, no database).

One row per visit, with these columns (headers in any case; spaces or hyphens read as ``_``):
``visit_reference``, ``person_reference`` (pseudonymous), ``planned_start``, ``planned_end``,
``actual_start``, ``actual_end`` (both empty for a missed visit), ``carer_reference``, and
``council`` (a council's code, like GB-CRF, or its name), needed only when the sub-contract
covers more than one council area. Times are UK local wall-clock times (Europe/London), written
``2027-04-05 08:00`` (ISO 8601, seconds optional) or ``05/04/2027 08:00``; an hour repeated when
the clocks go back is read as its first (summer time) occurrence.

The contract's rules (``Rules``) give each delivered visit its charged minutes:
1. the base is the planned time (``charge_basis`` planned) or the actual time (actual); on actual
   time, a visit shorter than planned by no more than ``tolerance_minutes`` is charged as planned;
2. rounded to the nearest ``rounding_minutes`` (a half rounds up);
3. never less than ``minimum_charge_minutes``, itself taken up to a whole number of units, so a
   charged time is always a whole number of units.
A missed visit (no actual start) is charged nothing.

Each visit's time band comes from its planned start, in this order: a bank holiday in Wales
(``holidays``' United Kingdom, Wales subdivision, substitute days included); Saturday or Sunday
(weekend, all day); 22:00-07:00 (night); 19:00-22:00 (evening); otherwise 07:00-19:00 on a weekday
(weekday daytime).

Counts: planned (every row), delivered (actual start and end), missed (no actual start), late
(actual start more than the tolerance after the planned start), cut short (actual time shorter
than planned by more than the tolerance).

Refused, row by row (rows numbered as in a spreadsheet: the header is row 1), and nothing kept:
missing or unknown columns; times that cannot be read; an end before its start; a visit whose
planned start is outside the billing period; two visits of one carer whose actual times overlap;
a visit reference used twice; a council area that is not the sub-contract's, or a time band its
sub-contract has no line for; and a file that looks as if it holds names or NHS numbers (a
header such as "name", "surname" or "NHS"; a person or carer reference of 10 digits, spaced
3-3-4 or not, whose last digit is a valid NHS modulus 11 check digit; a person reference of two
or more capitalised words of letters only, like "Mary Jones" or "Siân O'Neil"). Each distinct
person and carer reference is checked once, so a file of a million visits costs little more than
its distinct people.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import IO
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consortium import formatting
from consortium.errors import DomainErrors

ZONE = "Europe/London"
PLANNED, ACTUAL = "planned", "actual"

VISIT, PERSON, CARER, AREA = "visit_reference", "person_reference", "carer_reference", "council"
PLANNED_START, PLANNED_END = "planned_start", "planned_end"
ACTUAL_START, ACTUAL_END = "actual_start", "actual_end"
TIMES = (PLANNED_START, PLANNED_END, ACTUAL_START, ACTUAL_END)
COLUMNS = (VISIT, PERSON, PLANNED_START, PLANNED_END, ACTUAL_START, ACTUAL_END, CARER)
# Other spellings of the area column's header.
AREA_HEADERS = {"council", "council_area", "area", "council_code"}

# Time bands, by their codes in consortium.models.TimeBand (kept here as strings: no database).
WEEKDAY_DAY, EVENING, NIGHT, WEEKEND, BANK_HOLIDAY = (
    "weekday_day", "evening", "night", "weekend", "bank_holiday")
BANDS = (WEEKDAY_DAY, EVENING, NIGHT, WEEKEND, BANK_HOLIDAY)
COUNTS = ("visits_planned", "visits_delivered", "visits_missed", "visits_late", "visits_short")

#: The most row problems listed; the message says how many more there were.
MAX_PROBLEMS = 200

HEADER_PERSONAL = re.compile(r"(^|_)(name|names|surname|forename|first_?name|last_?name|full_?name|"
                             r"nhs|nhs_?number|nhs_?no|date_of_birth|dob)(_|$)")
_UPPER, _LOWER = "A-ZÀ-ÖØ-ÞŴŶ", "a-zß-öø-ÿŵŷ"
NAME_WORD = rf"[{_UPPER}][{_LOWER}]*(?:['\u2019][{_UPPER}]?[{_LOWER}]+)*"
NAME_LIKE = rf"{NAME_WORD}(?:[ \-]+{NAME_WORD})+"
NHS_SHAPE = r"\d{3} ?\d{3} ?\d{4}"
MINUTE_NS = 60 * 10**9


@dataclass(frozen=True)
class Rules:
    """The contract's charging rules (Contract.charge_basis, tolerance_minutes,
    minimum_charge_minutes, rounding_minutes)."""

    charge_basis: str = ACTUAL
    tolerance_minutes: int = 5
    minimum_charge_minutes: int = 15
    rounding_minutes: int = 15


@dataclass(frozen=True)
class Problem:
    """One refusal: the file's row (None for the whole file), the column, what is wrong."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return str(self.message)
        return _("Row %(row)s, %(column)s: %(problem)s") % {
            "row": self.row, "column": self.column or "-", "problem": self.message}


class VisitFileRefused(DomainErrors):
    """The file is refused; ``rows`` lists every problem found (up to MAX_PROBLEMS), ``more``
    how many were left off. Still the one domain error type: the API answers 400 with each
    problem under ``visits_file``."""

    def __init__(self, rows: list[Problem], *, more: int = 0, field: str = "visits_file"):
        messages = [str(p) for p in rows]
        if more:
            messages.append(ngettext("and %(n)s more problem.", "and %(n)s more problems.", more)
                            % {"n": more})
        super().__init__([(field, m) for m in messages])
        self.rows = rows
        self.more = more


@dataclass
class Line:
    council: str
    time_band: str
    quantity: Decimal  # hours, to two places
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Summary:
    lines: list[Line]
    counts: dict[str, int]
    visits: int


# --- rules, one visit or many ----------------------------------------------------------------------

def minimum_units(rules: Rules) -> int:
    unit = max(int(rules.rounding_minutes), 1)
    return math.ceil(int(rules.minimum_charge_minutes) / unit)


def charged_minutes(planned: np.ndarray, actual: np.ndarray, delivered: np.ndarray, rules: Rules
                    ) -> np.ndarray:
    """Charged minutes of each visit (int64) from its planned and actual minutes (floats; actual
    is ignored where ``delivered`` is false). The module docstring states the rules."""
    planned = np.asarray(planned, dtype="float64")
    actual = np.asarray(actual, dtype="float64")
    delivered = np.asarray(delivered, dtype=bool)
    if rules.charge_basis == PLANNED:
        base = planned
    else:
        within = (actual < planned) & (planned - actual <= rules.tolerance_minutes)
        base = np.where(within, planned, actual)
    unit = max(int(rules.rounding_minutes), 1)
    units = np.floor(np.nan_to_num(base, nan=0.0) / unit + 0.5)
    units = np.maximum(units, minimum_units(rules))
    return np.where(delivered, units * unit, 0).astype("int64")


def band_codes(local: pd.Series, bank_holidays: Iterable[dt.date] = ()) -> np.ndarray:
    """The index in BANDS (int8) of each local (naive, wall-clock) planned start's time band."""
    values = local.to_numpy(dtype="datetime64[ns]")
    days = values.astype("datetime64[D]")
    minute_of_day = (values - days).astype("timedelta64[m]").astype("int64")
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday (3); Monday is 0
    band = np.zeros(len(values), dtype="int8")  # weekday daytime
    band[(minute_of_day >= 19 * 60) & (minute_of_day < 22 * 60)] = BANDS.index(EVENING)
    band[(minute_of_day >= 22 * 60) | (minute_of_day < 7 * 60)] = BANDS.index(NIGHT)
    band[weekday >= 5] = BANDS.index(WEEKEND)
    holiday_days = np.array(sorted(bank_holidays), dtype="datetime64[D]")
    if len(holiday_days):
        band[np.isin(days, holiday_days)] = BANDS.index(BANK_HOLIDAY)
    return band


def time_bands(local: pd.Series, bank_holidays: Iterable[dt.date] = ()) -> list[str]:
    """The time band code of each local (naive, wall-clock) planned start."""
    return [BANDS[i] for i in band_codes(local, bank_holidays)]


def welsh_bank_holidays(first: dt.date, last: dt.date) -> list[dt.date]:
    """Bank holidays in Wales from ``first`` to ``last`` (substitute days included)."""
    calendar = holidays.UnitedKingdom(subdiv="WLS", years=range(first.year, last.year + 1))
    return sorted(day for day in calendar if first <= day <= last)


def nhs_number_valid(digits: str) -> bool:
    """A 10-digit NHS number's modulus 11 check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _nhs_valid(values: pd.Series) -> np.ndarray:
    """For strings of 10 digits: is the last the NHS modulus 11 check digit? (vectorised)"""
    if values.empty:
        return np.zeros(0, dtype=bool)
    digits = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - 48
    total = (digits[:, :9].astype("int64") * np.arange(10, 1, -1)).sum(axis=1)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    return (check != 10) & (check == digits[:, 9])


# --- reading ---------------------------------------------------------------------------------------

def _header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def read_frame(data: bytes | IO[bytes], *, filename: str = "") -> pd.DataFrame:
    """The file's rows as text, every column a string ("" for an empty cell), headers normalised.
    XLSX when the name ends .xlsx (or the bytes are a zip), CSV otherwise."""
    raw = data if isinstance(data, bytes) else data.read()
    is_xlsx = filename.lower().endswith(".xlsx") or raw[:2] == b"PK"
    try:
        if is_xlsx:
            frame = pd.read_excel(io.BytesIO(raw), dtype=object, engine="openpyxl")
            frame = frame.map(_cell_text)
        else:
            frame = pd.read_csv(io.BytesIO(raw), dtype=object, keep_default_na=False, na_filter=False,
                                skipinitialspace=True, encoding="utf-8-sig")
    except Exception as error:  # noqa: BLE001 - any unreadable file is one refusal
        raise VisitFileRefused([Problem(None, "", _("The file cannot be read as CSV or XLSX (%(why)s).")
                                        % {"why": str(error)[:200]})]) from None
    frame.columns = [_header(c) for c in frame.columns]
    return frame


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_times(text: pd.Series) -> pd.Series:
    """Naive local datetimes from text; NaT where empty or unreadable."""
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", cache=False)
    nat = parsed.isna().to_numpy()
    retry = np.flatnonzero(nat)
    retry = retry[text.to_numpy()[retry] != ""]
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"):
        if not len(retry):
            break
        again = pd.to_datetime(text.iloc[retry], format=fmt, errors="coerce")
        parsed.iloc[retry] = again.to_numpy()
        retry = retry[again.isna().to_numpy()]
    if getattr(parsed.dt, "tz", None) is not None:  # written with an offset: UK wall-clock time
        parsed = parsed.dt.tz_convert(ZONE).dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


class _Problems:
    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.more = 0

    def add_rows(self, mask: np.ndarray, column: str, message: str, *, details: pd.Series | None = None
                 ) -> None:
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        room = MAX_PROBLEMS - len(self.found)
        for i in rows[:max(room, 0)]:
            text = message if details is None else message % {"value": details.iloc[i]}
            self.found.append(Problem(int(i) + 2, column, text))
        self.more += max(len(rows) - max(room, 0), 0)

    def add(self, message: str, column: str = "") -> None:
        self.found.append(Problem(None, column, message))

    def raise_if_any(self) -> None:
        if self.found:
            self.found.sort(key=lambda p: (p.row or 0))
            raise VisitFileRefused(self.found, more=self.more)


def _check_columns(frame: pd.DataFrame, *, needs_area: bool) -> str | None:
    """The area column's name (None if absent); refuses missing, unknown or personal columns."""
    problems = _Problems()
    headers = list(frame.columns)
    personal = [h for h in headers if HEADER_PERSONAL.search(h)]
    for header in personal:
        problems.add(_("The column “%(column)s” looks as if it holds names or NHS numbers: a return "
                       "holds pseudonymous references only. Remove it and send the file again.")
                     % {"column": header}, header)
    areas = [h for h in headers if h in AREA_HEADERS]
    known = set(COLUMNS) | AREA_HEADERS
    for header in headers:
        if header not in known and header not in personal:
            problems.add(_("The column “%(column)s” is not one this file may have.") % {"column": header},
                         header)
    for column in COLUMNS:
        if column not in headers:
            problems.add(_("The column “%(column)s” is missing.") % {"column": column}, column)
    if len(areas) > 1 or len(set(headers)) != len(headers):
        problems.add(_("A column appears twice."))
    if needs_area and not areas:
        problems.add(_("The sub-contract covers more than one council area: add a “council” column "
                       "giving each visit's council (its code, like GB-CRF, or its name)."), AREA)
    problems.raise_if_any()
    return areas[0] if areas else None


def summarise(data: bytes | IO[bytes], *, rules: Rules, period: tuple[dt.date, dt.date],
              areas: Mapping[str, str], lines: Iterable[tuple[str, str]] | None = None,
              filename: str = "", band_names: Mapping[str, str] | None = None) -> Summary:
    """The file's hours per (council, time band) and its counts, or ``VisitFileRefused``.

    ``areas`` maps each way of writing one of the sub-contract's council areas (code and name,
    any case) to its code; ``lines`` are the sub-contract's (council code, time band) pairs (a
    visit in any other is refused; None accepts every band)."""
    frame = read_frame(data, filename=filename)
    codes = sorted(set(areas.values()))
    area_column = _check_columns(frame, needs_area=len(codes) > 1)
    n = len(frame)
    problems = _Problems()
    if n == 0:
        problems.add(_("The file has no visits."))
        problems.raise_if_any()

    # Personal data first: a file that holds it is refused whatever else is wrong with it.
    carer_codes = _check_personal(frame, problems)
    problems.raise_if_any()

    times, empty = {}, {}
    for c in TIMES:
        times[c] = _parse_times(frame[c])
        nat = times[c].isna().to_numpy()
        empty[c] = np.zeros(n, dtype=bool)
        empty[c][nat] = frame[c].to_numpy()[nat] == ""
        problems.add_rows(nat & ~empty[c], c, _("“%(value)s” is not a date and time like 2027-04-05 08:00"),
                          details=frame[c])
    for c in (PLANNED_START, PLANNED_END):
        problems.add_rows(empty[c], c, _("enter the time"))
    has_start, has_end = ~empty[ACTUAL_START], ~empty[ACTUAL_END]
    problems.add_rows(has_start & ~has_end, ACTUAL_END,
                      _("a visit with an actual start needs its actual end"))
    problems.add_rows(~has_start & has_end, ACTUAL_START,
                      _("a visit with an actual end needs its actual start"))

    spans = _summer_spans(*period)
    ps, pe = _utc_ns(times[PLANNED_START], spans), _utc_ns(times[PLANNED_END], spans)
    as_, ae = _utc_ns(times[ACTUAL_START], spans), _utc_ns(times[ACTUAL_END], spans)
    valid_planned = ~(times[PLANNED_START].isna() | times[PLANNED_END].isna()).to_numpy()
    delivered = has_start & has_end & ~(times[ACTUAL_START].isna() | times[ACTUAL_END].isna()).to_numpy()
    problems.add_rows(valid_planned & (pe < ps), PLANNED_END,
                      _("the planned end is before the planned start"))
    problems.add_rows(delivered & (ae < as_), ACTUAL_END, _("the actual end is before the actual start"))

    first, last = period
    local_start = times[PLANNED_START]
    start_day = local_start.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    outside = valid_planned & ((start_day < np.datetime64(first)) | (start_day > np.datetime64(last)))
    problems.add_rows(outside, PLANNED_START, _("the visit is outside the billing period (%(first)s to "
                                                "%(last)s)") % {"first": formatting.day(first),
                                                               "last": formatting.day(last)})

    visit = frame[VISIT]
    problems.add_rows(visit.to_numpy() == "", VISIT, _("enter the visit reference"))
    problems.add_rows(visit.duplicated(keep="first").to_numpy() & (visit.to_numpy() != ""), VISIT,
                      _("the visit reference “%(value)s” is on an earlier row too"), details=visit)
    person = frame[PERSON]
    problems.add_rows(person.to_numpy() == "", PERSON, _("enter the person's pseudonymous reference"))
    carer = frame[CARER]
    problems.add_rows(carer.to_numpy() == "", CARER, _("enter the carer reference"))

    ordered = delivered & (ae >= as_)
    problems.add_rows(_overlaps(carer_codes, as_, ae, ordered), ACTUAL_START,
                      _("carer “%(value)s” has another visit at this time"), details=carer)

    area = _areas(frame, area_column, areas, codes, problems)
    band = band_codes(local_start.fillna(pd.Timestamp(first)), welsh_bank_holidays(first, last))
    if lines is not None:
        allowed = np.zeros((max(len(codes), 1), len(BANDS)), dtype=bool)
        for council, time_band in lines:
            if council in codes and time_band in BANDS:
                allowed[codes.index(council), BANDS.index(time_band)] = True
        known = area >= 0
        missing = np.zeros(n, dtype=bool)
        missing[known] = ~allowed[area[known], band[known]]
        named = band_names or {}
        names = np.array([[f"{c}, {named.get(b, b)}" for b in BANDS] for c in codes or [""]], dtype=object)
        described = pd.Series(names[np.maximum(area, 0), band])
        problems.add_rows(missing & valid_planned, PLANNED_START,
                          _("the sub-contract has no line for this council area and time band (%(value)s)"),
                          details=described)
    problems.raise_if_any()

    planned_min = (pe - ps) / MINUTE_NS
    actual_min = np.where(delivered, (ae - as_) / MINUTE_NS, np.nan)
    charged = charged_minutes(planned_min, actual_min, delivered, rules)
    tol = rules.tolerance_minutes
    late = delivered & ((as_ - ps) > tol * MINUTE_NS)
    short = delivered & (planned_min - actual_min > tol)
    missed = ~has_start
    return _group(area, band, codes, charged, delivered, missed, late, short)


def _check_personal(frame: pd.DataFrame, problems: _Problems) -> np.ndarray:
    """Person references that look like names, and values that look like NHS numbers (each
    distinct value checked once: a person has many visits). Returns the carers' codes."""
    codes, uniques = pd.factorize(frame[PERSON].to_numpy())
    uniques = pd.Series(uniques, dtype=object)
    names = uniques.str.fullmatch(NAME_LIKE).to_numpy(dtype=bool, na_value=False)
    problems.add_rows(names[codes], PERSON, _("this looks like a person's name: use the pseudonymous "
                                              "reference only"))
    problems.add_rows(_nhs_like(uniques)[codes], PERSON, NHS_MESSAGE())
    carer_codes, carers = pd.factorize(frame[CARER].to_numpy())
    problems.add_rows(_nhs_like(pd.Series(carers, dtype=object))[carer_codes], CARER, NHS_MESSAGE())
    return carer_codes


def NHS_MESSAGE() -> str:  # noqa: N802 - read in the reader's language
    return _("this looks like an NHS number: a return holds pseudonymous references only")


def _nhs_like(values: pd.Series) -> np.ndarray:
    """Values shaped like an NHS number (10 digits, or 3-3-4 with spaces) with a valid check digit."""
    values = pd.Series(values.to_numpy(), dtype=object)
    lengths = values.str.len().to_numpy(dtype="float64", na_value=0)
    mask = np.zeros(len(values), dtype=bool)
    candidates = np.flatnonzero((lengths == 10) | (lengths == 12))
    if not len(candidates):
        return mask
    shaped = values.iloc[candidates]
    fits = shaped.str.fullmatch(NHS_SHAPE).to_numpy(dtype=bool, na_value=False)
    shaped = shaped[fits].str.replace(" ", "", regex=False)
    shaped = shaped[shaped.str.len() == 10]
    mask[shaped.index[_nhs_valid(shaped)].to_numpy()] = True
    return mask


def _summer_spans(first: dt.date, last: dt.date) -> list[tuple[np.datetime64, np.datetime64]]:
    """Local wall-clock spans [from, to) read as summer time (UTC+1) from ``first`` to ``last``: from
    the hour the clocks go forward (its missing hour read as winter time, so shifted forward) to
    the hour they go back (its repeated hour read as summer time)."""
    zone = ZoneInfo(ZONE)
    spans = []
    for year in range(first.year - 1, last.year + 2):
        day, summer = dt.date(year, 1, 1), []
        while day.year == year:
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
            summer.append(noon.utcoffset() != dt.timedelta(0))
            day += dt.timedelta(days=1)
        if any(summer):
            start = dt.date(year, 1, 1) + dt.timedelta(days=summer.index(True))
            end = dt.date(year, 12, 31) - dt.timedelta(days=summer[::-1].index(True)) + dt.timedelta(days=1)
            spans.append((np.datetime64(dt.datetime.combine(start, dt.time(2)), "ns"),
                          np.datetime64(dt.datetime.combine(end, dt.time(2)), "ns")))
    return spans


def _utc_ns(local: pd.Series, spans) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of local wall-clock times; NaT as 0 (callers mask)."""
    values = local.to_numpy(dtype="datetime64[ns]")
    out = values.astype("int64")
    summer = np.zeros(len(values), dtype=bool)
    for begin, end in spans:
        summer |= (values >= begin) & (values < end)
    out = out - summer.astype("int64") * 3600 * 10**9
    out[np.isnat(values)] = 0
    return out


def _overlaps(carer: np.ndarray, start: np.ndarray, end: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Rows whose actual times overlap an earlier-starting visit of the same carer (touching is
    fine). One sort: each carer's visits in a block of its own on one time line (seconds), so a
    running maximum of the ends never carries from one carer to the next."""
    rows = np.flatnonzero(use)
    mask = np.zeros(len(carer), dtype=bool)
    if len(rows) < 2:
        return mask
    first = int(min(start[rows].min(), end[rows].min()))
    s = (start[rows] - first) // 10**9
    e = (end[rows] - first) // 10**9
    block = int(max(s.max(), e.max())) + 1
    offset = carer[rows].astype("int64") * block
    order = np.argsort(offset + s, kind="stable")
    s_key, e_key = (offset + s)[order], (offset + e)[order]
    running = np.maximum.accumulate(e_key)
    clash = np.zeros(len(order), dtype=bool)
    clash[1:] = s_key[1:] < running[:-1]
    mask[rows[order[clash]]] = True
    return mask


def _areas(frame: pd.DataFrame, column: str | None, areas: Mapping[str, str], codes: list[str],
           problems: _Problems) -> np.ndarray:
    """Each visit's council as an index in ``codes`` (-1: not one of the sub-contract's)."""
    if column is None:
        return np.zeros(len(frame), dtype="int64")
    written = frame[column]
    found, uniques = pd.factorize(written.to_numpy())
    lookup = {str(k).strip().lower(): codes.index(v) for k, v in areas.items() if v in codes}
    mapped = np.array([lookup.get(str(u).strip().lower(), -1) for u in uniques], dtype="int64")
    area = mapped[found] if len(mapped) else np.full(len(frame), -1, dtype="int64")
    problems.add_rows(area < 0, column, _("“%(value)s” is not a council area of this sub-contract"),
                      details=written)
    return area


def _group(area: np.ndarray, band: np.ndarray, codes: list[str], charged: np.ndarray,
           delivered: np.ndarray, missed: np.ndarray, late: np.ndarray, short: np.ndarray) -> Summary:
    size = max(len(codes), 1) * len(BANDS)
    key = area.astype("int64") * len(BANDS) + band

    def total(weights=None) -> np.ndarray:
        return np.bincount(key, weights=weights, minlength=size)

    minutes = total(charged.astype("float64"))
    figures = {"visits_planned": total(), "visits_delivered": total(delivered.astype("float64")),
               "visits_missed": total(missed.astype("float64")), "visits_late": total(late.astype("float64")),
               "visits_short": total(short.astype("float64"))}
    out: list[Line] = []
    for k in np.flatnonzero(figures["visits_planned"]):
        hours = (Decimal(int(round(minutes[k]))) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        out.append(Line(council=codes[k // len(BANDS)] if codes else "", time_band=BANDS[k % len(BANDS)],
                        quantity=hours, counts={name: int(v[k]) for name, v in figures.items()}))
    counts = {name: int(v.sum()) for name, v in figures.items()}
    return Summary(lines=out, counts=counts, visits=len(charged))
