"""Validation of the survey tables against the codebook.

Every rule is generated from :mod:`thuiswerk.core.codebook`; nothing here names a
survey variable. Four layers, all collected (never fail-fast):

1. **Columns** (:func:`column_violations`, :func:`absent_columns`): a column
   the codebook does not know is a violation; a *required* codebook column
   (``required: true``) that is missing is a violation; an *optional* one that
   is missing is **absent**: it is not created, :attr:`ValidationReport.absent`
   lists it, and every rule that involves it is skipped.
2. **Coercion** (:func:`coerce_table`): each codebook column is brought to its
   codebook dtype (:data:`DTYPES`): nullable ``Int64`` for boolean, ordinal and
   integer; ``float64`` for float; pandas ``string`` for id and category codes.
   A value that cannot be coerced (text in a numeric column, ``40.5`` for an
   integer, a whole number beyond :data:`MAX_WHOLE`, reported with the
   codebook's range as written) and an identifier holding a control or
   invisible character (a quoted line break) become a :class:`Violation` and an
   empty cell.
3. **Per-column rules** (pandera, ``lazy=True``): dtype, range, category
   membership.
4. **Rules between columns and rows** (plain pandas): ``applies_when`` (not
   applicable -> must be empty; applicable -> may be empty only when the
   codebook gives a ``missing`` reason), never-empty variables, the codebook's
   ``constraints``, uniqueness of each table's key, every employee's
   ``establishment_id`` existing in the establishments table, and the sample
   design (``at_most_one_per``: at most one manager and one non-manager per
   establishment).

The rules run through :class:`SurveyChecker`, which takes each table in
chunks and keeps only what the rules between rows need (the key, the parent
column and the design columns) and the counts of the summary. So a survey far
larger than memory allows for its full tables can be validated
(:func:`thuiswerk.data.survey.validate_folder`); :func:`validate_survey` checks a
loaded survey as one chunk per table.

Row numbers
    ``Violation.row`` is the row as a person finds it in the file: for CSV the
    **line number** (the header is line 1, so the first data row is row 2 and
    header problems such as an unknown column are reported as row 1); for
    Parquet and SPSS ``.sav`` the 1-based **record number** (SPSS "case"
    number; the first record is row 1). ``None`` means the problem concerns
    the whole file or a whole column.
"""

from __future__ import annotations

import math
import numbers
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import TABLES, Codebook, Variable

if TYPE_CHECKING:  # pragma: no cover
    from pandas.api.typing import NAType

    from thuiswerk.data.survey import Survey

#: pandas dtype of each codebook type after loading.
DTYPES: dict[str, str] = {
    "id": "string",
    "category": "string",
    "boolean": "Int64",
    "ordinal": "Int64",
    "integer": "Int64",
    "float": "float64",
}

EMPTY_LABEL = "(empty)"

#: Cells coerced and checked at a time (a chunk of a file, a slice of a table).
CHUNK_CELLS = 1_000_000

#: Default number of violation lines :meth:`ValidationReport.format_violations` shows.
VIOLATIONS_SHOWN = 20

#: Other rows named in one uniqueness or design message before "and N more".
ROWS_NAMED = 10


# --------------------------------------------------------------------------- violations


@dataclass
class Violation:
    """One broken rule, located as precisely as possible.

    ``file``   the file name as the user knows it (``employees.csv``), or the
               table name for tables that did not come from a file.
    ``row``    CSV: the line number (header = 1, first data row = 2);
               Parquet/SPSS: the 1-based record number; ``None`` for problems of
               a whole file or column (see the module docstring).
    ``column`` the codebook column name (after mapping), or the file's own
               name for a column that is not in the codebook; ``None`` if the
               problem is not about one column.
    ``rule``   what is wrong, phrased as the rule (``must be between 0 and 100``).
    ``value``  the offending value, or ``None`` when there is none to show.
    ``rows``   for one violation that stands for several rows (one unknown
               label used in many rows), every row it covers; ``row`` is the
               first. Not part of the text nor of equality.
    """

    file: str
    row: int | None
    column: str | None
    rule: str
    value: object = None
    rows: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        text = f"{', '.join(where)}: {self.rule}"
        if not _is_empty(self.value):
            text += f" (got {format_value(self.value)})"
        return text

    def key(self) -> tuple:
        return (self.file, self.row, self.column, self.rule, format_value(self.value))

    def cells(self) -> Iterable[tuple[int, str]]:
        """The ``(row, column)`` cells this violation already reports."""
        if self.column is None:
            return ()
        rows = self.rows or ((self.row,) if self.row is not None else ())
        return ((r, self.column) for r in rows)


def format_value(value: object) -> str:
    """A value as it would appear in the file: ``130``, ``40.5``, ``'veertig'``."""
    if _is_empty(value):
        return "empty"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]  # any object; stubs take only known scalars
    except (TypeError, ValueError):
        return False


def _row_list(rows: Sequence[int]) -> str:
    """``3, 4, 5`` or ``3, 4, ... and 12 more``."""
    shown = ", ".join(str(r) for r in rows[:ROWS_NAMED])
    if len(rows) > ROWS_NAMED:
        shown += f" and {len(rows) - ROWS_NAMED} more"
    return shown


# --------------------------------------------------------------------------- rule texts


def _num(x: float) -> str:
    return format_value(float(x))


def membership_rule(var: Variable) -> str:
    """The membership rule of a coded variable in words."""
    codes = var.codes
    if var.type == "boolean":
        return "must be 0 or 1"
    if var.type == "ordinal" and codes == list(range(min(codes), max(codes) + 1)):
        return f"must be a code from {min(codes)} to {max(codes)}"
    return "must be one of " + ", ".join(str(c) for c in codes)


def range_rule(var: Variable) -> str:
    lo, hi = var.range  # type: ignore[misc]
    return f"must be between {_num(lo)} and {_num(hi)}"


def _condition_text(var: Variable) -> str:
    return " and ".join(f"{col} = {val}" for col, val in var.applies_when.items())


# --------------------------------------------------------------------------- coercion

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


class _Bad:
    """Marker for a value that cannot be coerced; carries the rule text."""

    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        self.rule = rule


def _parse_number(value: Any, whole: bool) -> float | int | None | _Bad:
    what = "must be a whole number" if whole else "must be a number"
    if _is_empty(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _DECIMAL_COMMA.match(text):
            return _Bad(f"{what}; use '.' as the decimal separator")
        try:
            number = float(text)
        except ValueError:
            return _Bad(what)
    else:
        return _Bad(what)
    if not math.isfinite(number):
        return _Bad(what)
    if whole:
        if not number.is_integer():
            return _Bad(what)
        return int(number)
    return number


def _as_code_text(value: Any) -> str | None:
    """A cell of an id or category column as a string code (None when empty)."""
    if _is_empty(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _all_text(series: pd.Series) -> bool:
    """True when every non-empty cell is a ``str`` (CSV cells, Parquet strings)."""
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        return True
    return pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")


def _coerce_text(series: pd.Series) -> pd.Series:
    """Strip text cells; empty text becomes an empty cell (vectorised)."""
    text = series.astype("string").str.strip()
    return text.mask(text.eq("").fillna(False).astype(bool))


def _numbers(series: pd.Series, whole: bool) -> tuple[np.ndarray, list[tuple[int, Any, str]]]:
    """``float64`` values of a column (NaN when empty or bad) and its bad cells.

    Vectorised: pandas parses the column; only the cells it cannot read (and
    that are not empty) are looked at one by one, for the rule to report.
    """
    bad: list[tuple[int, Any, str]] = []
    dtype = series.dtype
    original: np.ndarray | None = None
    if pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)
    ):
        values = np.array(series.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
        check = np.flatnonzero(np.isinf(values))
    else:
        original = series.to_numpy(dtype=object)
        parsed = pd.to_numeric(pd.Series(original, copy=False), errors="coerce")
        values = np.array(parsed, dtype="float64")
        empty = np.asarray(pd.isna(original), dtype=bool) | (original == "")
        check = np.flatnonzero(~np.isfinite(values) & ~empty)
    if len(check):
        original = series.to_numpy(dtype=object) if original is None else original
        for pos in check.tolist():
            number = _parse_number(original[pos], whole)
            if isinstance(number, _Bad):
                bad.append((pos, original[pos], number.rule))
                values[pos] = np.nan
            else:
                values[pos] = np.nan if number is None else float(number)
    if whole:
        fraction = np.flatnonzero(np.isfinite(values) & (np.mod(values, 1) != 0))
        if len(fraction):
            original = series.to_numpy(dtype=object) if original is None else original
            for pos in fraction.tolist():
                bad.append((pos, original[pos], "must be a whole number"))
            values[fraction] = np.nan
    bad.sort(key=lambda b: b[0])
    return values, bad


#: The largest whole number a cell may hold: beyond 2**53 a float64 no longer holds every whole
#: number, and beyond 2**63 an int64 none (the cell would wrap around to a negative number).
#: Far outside every codebook range; such a cell is reported with the value as written.
MAX_WHOLE = 2**53

_INTEGER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")


def _as_written(value: Any) -> Any:
    """A cell holding a huge whole number, shown as in the file (``99999999999999999999``, not a float)."""
    if isinstance(value, str) and _INTEGER_TEXT.match(value):
        return int(value)
    return value


#: Control characters (C0, DEL, C1), invisible format characters (zero-width space and joiners,
#: soft hyphen, bidirectional marks, byte-order mark) and the Unicode line and paragraph separators.
_NOT_IN_ID = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
ID_RULE = "must not contain a line break, tab or other control or invisible character"


def _id_violations(series: pd.Series) -> list[tuple[int, Any, str]]:
    """Cells of an identifier column holding a control or invisible character: ``(position, value, rule)``.

    Checked on the cell as read, before stripping: a quoted line break in a CSV
    cell, a tab or a zero-width space makes two identifiers that look the same differ.
    """
    if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)):
        return []  # numbers (Parquet, SPSS) hold no characters
    hits = series.astype(object).str.contains(_NOT_IN_ID, na=False).to_numpy(dtype=bool)
    values = series.to_numpy(dtype=object)
    return [(pos, values[pos], ID_RULE) for pos in np.flatnonzero(hits).tolist()]


def coerce_column(series: pd.Series, var: Variable) -> tuple[pd.Series, list[tuple[int, Any, str]]]:
    """Bring one column to its codebook dtype.

    Returns the coerced series (same index) and the problems as
    ``(position, original value, rule)``; offending cells become empty.
    A column already in its codebook dtype is returned as it is (text only
    stripped).
    """
    dtype = DTYPES[var.type]
    if dtype == "string":
        if _all_text(series):
            out = _coerce_text(series)
        else:
            out = pd.Series(
                pd.array([_as_code_text(v) for v in series.astype(object).tolist()], dtype="string"), index=series.index
            )
        bad_ids = _id_violations(series) if var.type == "id" else []
        if bad_ids:
            out = out.copy()
            out.iloc[[pos for pos, _, _ in bad_ids]] = pd.NA
        return out.rename(series.name), bad_ids  # type: ignore[call-overload]  # stubs refuse a Hashable name
    whole = dtype == "Int64"
    if str(series.dtype) == dtype and whole:
        return series, []
    values, bad = _numbers(series, whole)
    if whole:
        huge = np.flatnonzero(np.isfinite(values) & (np.abs(values) > MAX_WHOLE))
        if len(huge):
            original = series.to_numpy(dtype=object)
            rule = range_rule(var) if var.range is not None else membership_rule(var)
            bad += [(pos, _as_written(original[pos]), rule) for pos in huge.tolist()]
            bad.sort(key=lambda b: b[0])
            values[huge] = np.nan
        missing = np.isnan(values)
        array = pd.arrays.IntegerArray(np.where(missing, 0, values).astype("int64"), missing)
        return pd.Series(array, index=series.index, name=series.name), bad
    return pd.Series(values, index=series.index, name=series.name, dtype="float64"), bad


def coerce_table(
    frame: pd.DataFrame,
    table: str,
    *,
    file: str,
    rows: Sequence[int] | np.ndarray,
    cb: Codebook | None = None,
) -> tuple[pd.DataFrame, list[Violation]]:
    """Coerce every codebook column of ``frame`` (other columns are left as they are).

    ``rows`` gives the row number (see module docstring) of each position.
    """
    cb = cb or codebook_module.load()
    frame = frame.reset_index(drop=True)
    columns: dict[str, pd.Series] = {}
    violations: list[Violation] = []
    for name in frame.columns:
        try:
            var = cb.get(table, name)  # type: ignore[arg-type]
        except KeyError:
            columns[name] = frame[name]
            continue
        coerced, bad = coerce_column(frame[name], var)
        columns[name] = coerced
        violations.extend(Violation(file, int(rows[pos]), var.name, rule, value) for pos, value, rule in bad)
    out = pd.DataFrame(columns, index=frame.index) if columns else frame.copy()
    return out, violations


# --------------------------------------------------------------------------- column set


def column_violations(
    columns: Iterable[str],
    table: str,
    *,
    file: str,
    header_row: int | None,
    cb: Codebook | None = None,
) -> list[Violation]:
    """Unknown columns and missing *required* columns of one table (``header_row``: 1 for CSV, else None).

    A missing optional column is not a violation but absent (:func:`absent_columns`).
    """
    cb = cb or codebook_module.load()
    columns = list(columns)
    expected = cb.columns(table)  # type: ignore[arg-type]
    out = []
    for col in columns:
        if col not in expected:
            out.append(
                Violation(
                    file,
                    header_row,
                    col,
                    f"unknown column: not in the codebook for the {table} table "
                    "(rename it in the mapping file or remove it)",
                )
            )
    for col in cb.required(table):  # type: ignore[arg-type]
        if col not in columns:
            out.append(
                Violation(
                    file,
                    header_row,
                    col,
                    f"missing column: the codebook requires it in the {table} table "
                    "(an identifier or part of the sample design; map the file's own column onto it)",
                )
            )
    return out


def absent_columns(columns: Iterable[str], table: str, cb: Codebook | None = None) -> tuple[str, ...]:
    """The optional codebook columns of ``table`` that ``columns`` lacks (codebook order)."""
    cb = cb or codebook_module.load()
    present = set(columns)
    return tuple(c for c in cb.optional(table) if c not in present)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- pandera schema


def build_schema(
    table: str, columns: Iterable[str] | None = None, cb: Codebook | None = None, *, unique: bool = True
) -> pa.DataFrameSchema:
    """The pandera schema of one table, restricted to ``columns`` when given.

    Every column is nullable here: whether a cell may be empty depends on other
    columns (``applies_when``) and is checked by :func:`validate_survey`.
    ``unique=False`` leaves out the key's uniqueness (checked over all chunks
    by :class:`SurveyChecker`).
    """
    cb = cb or codebook_module.load()
    wanted = None if columns is None else set(columns)
    key = cb.keys[table]
    spec: dict[str, pa.Column] = {}
    for var in cb.table(table):  # type: ignore[arg-type]
        if wanted is not None and var.name not in wanted:
            continue
        checks = []
        if var.type in ("boolean", "ordinal", "category"):
            checks.append(pa.Check.isin(var.codes, error=membership_rule(var)))
        if var.type in ("integer", "float"):
            lo, hi = var.range  # type: ignore[misc]
            checks.append(pa.Check.in_range(lo, hi, error=range_rule(var)))
        spec[var.name] = pa.Column(
            DTYPES[var.type],
            checks=checks,
            nullable=True,
            unique=unique and var.name == key,
            coerce=False,
            required=True,
        )
    return pa.DataFrameSchema(spec, name=table, strict=False, ordered=False)


def _pandera_violations(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    table: str,
    file: str,
    rows: np.ndarray,
    cb: Codebook,
    flagged: set[tuple[int, str]],
) -> list[Violation]:
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    out: list[Violation] = []
    for case in cases.itertuples(index=False):
        column = case.column
        check = str(case.check)
        index = case.index
        position = None if _is_empty(index) else int(index)
        row = None if position is None else int(rows[position])
        if row is not None and (row, column) in flagged:
            continue  # already reported when the file was read (an unknown label)
        if check.startswith("dtype("):
            expected = DTYPES[cb.get(table, column).type]  # type: ignore[arg-type]
            out.append(Violation(file, None, column, f"must have dtype {expected}", str(case.failure_case)))
        else:
            out.append(Violation(file, row, column, check, case.failure_case))
    return out


# --------------------------------------------------------------------------- conditional rules


def applicability(frame: pd.DataFrame, var: Variable, cb: Codebook) -> tuple[pd.Series, pd.Series]:
    """``(applies, not_applies)`` boolean masks for ``var`` on ``frame``.

    A row where a condition column is empty, invalid or absent is neither:
    its applicability is unknown and no emptiness rule is enforced on it.
    """
    applies = pd.Series(True, index=frame.index)
    not_applies = pd.Series(False, index=frame.index)
    for col, wanted in var.applies_when.items():
        if col not in frame.columns:
            applies &= False
            continue
        controller = cb.get(var.table, col)
        values = frame[col]
        known = values.notna()
        if controller.codes:
            known &= values.isin(controller.codes).fillna(False).astype(bool)
        equal = values.astype(object).eq(wanted).fillna(False).astype(bool)
        applies &= known & equal
        not_applies |= known & ~equal
    return applies, not_applies


def _conditional_violations(
    frame: pd.DataFrame,
    table: str,
    file: str,
    rows: np.ndarray,
    cb: Codebook,
    flagged: set[tuple[int, str]],
) -> list[Violation]:
    out: list[Violation] = []
    for var in cb.table(table):  # type: ignore[arg-type]
        if var.name not in frame.columns:
            continue
        values = frame[var.name]
        empty = values.isna()
        applies, not_applies = applicability(frame, var, cb)
        for pos in np.flatnonzero((not_applies & ~empty).to_numpy()):
            rule = f"must be empty: only applies when {_condition_text(var)}"
            out.append(Violation(file, int(rows[pos]), var.name, rule, values.iloc[pos]))
        if var.missing is None:
            for pos in np.flatnonzero((applies & empty).to_numpy()):
                if (int(rows[pos]), var.name) in flagged:
                    continue  # already reported (could not be read)
                rule = "must not be empty"
                if var.applies_when:
                    rule += f" when {_condition_text(var)}"
                out.append(Violation(file, int(rows[pos]), var.name, rule))
    return out


def _constraint_violations(
    frame: pd.DataFrame, table: str, file: str, rows: np.ndarray, cb: Codebook
) -> list[Violation]:
    """Rows that break a codebook constraint between columns.

    Rows with an empty column are skipped; a constraint on an absent column is skipped.
    """
    out = []
    for c in cb.constraints:
        if c.table != table or not set(c.columns) <= set(frame.columns):
            continue
        complete = frame[list(c.columns)].notna().all(axis=1)
        if not complete.any():
            continue
        sub = frame.loc[complete, list(c.columns)].astype(object)
        ok = pd.Series(sub.eval(c.rule, engine="python"), index=sub.index).astype(bool)
        for position in np.flatnonzero(complete.to_numpy())[~ok.to_numpy()]:
            values = "; ".join(f"{col}={format_value(frame.iloc[position][col])}" for col in c.columns)
            out.append(Violation(file, int(rows[position]), ", ".join(c.columns), c.message, values))
    return out


# --------------------------------------------------------------------------- the checker


@dataclass
class TableStats:
    """What the summary needs of one table, accumulated over its chunks.

    ``counts``: column -> {value (None for empty): rows}, for the required
    category columns (the design: role, sector, size class).
    ``applicable`` / ``empty`` / ``not_applicable``: per present column.
    """

    rows: int = 0
    counts: dict[str, Counter] = field(default_factory=dict)
    applicable: Counter = field(default_factory=Counter)
    empty: Counter = field(default_factory=Counter)
    not_applicable: Counter = field(default_factory=Counter)
    columns: tuple[str, ...] = ()


def _count_columns(cb: Codebook, table: str) -> list[Variable]:
    """The columns counted code by code in the summary: the required category columns."""
    return [v for v in cb.table(table) if v.required and v.type == "category"]  # type: ignore[arg-type]


class SurveyChecker:
    """Check a survey table by table, each in one or more chunks.

    For every table (the parent table first)::

        checker.start_table(table, file, columns, header_row)
        for frame, rows in chunks:            # coerced codebook columns
            checker.add(table, frame, rows, flagged)
        report = checker.finish(load_violations)

    Per chunk it runs the per-column rules, ``applies_when``, the codebook's
    constraints and counts for the summary; it keeps only the columns the
    rules between rows need (key, parent column, ``at_most_one_per``
    columns), which :meth:`finish` checks over the whole table.
    """

    def __init__(self, cb: Codebook | None = None) -> None:
        self.cb = cb or codebook_module.load()
        self.files: dict[str, str] = {}
        self.absent: dict[str, tuple[str, ...]] = {}
        self.stats: dict[str, TableStats] = {}
        self.violations: list[Violation] = []
        self._schemas: dict[tuple[str, tuple[str, ...]], pa.DataFrameSchema] = {}
        self._kept: dict[str, list[pd.DataFrame]] = {}
        self._rows: dict[str, list[np.ndarray]] = {}

    def _keep_columns(self, table: str) -> list[str]:
        cols = [self.cb.keys[table]]
        parent = self.cb.parent
        if table != parent["table"]:
            cols.append(parent["column"])
        cols += [c for c in self.cb.at_most_one_per.get(table, ()) if c not in cols]
        return cols

    def start_table(self, table: str, file: str, columns: Iterable[str], header_row: int | None) -> None:
        """Register a table: its column violations and absent optional columns."""
        columns = list(columns)
        self.files[table] = file
        self.violations += column_violations(columns, table, file=file, header_row=header_row, cb=self.cb)
        self.absent[table] = absent_columns(columns, table, self.cb)
        self.stats[table] = TableStats(columns=tuple(c for c in self.cb.columns(table) if c in columns))  # type: ignore[arg-type]
        self._kept[table] = []
        self._rows[table] = []

    def add(
        self,
        table: str,
        frame: pd.DataFrame,
        rows: Sequence[int] | np.ndarray,
        flagged: Iterable[tuple[int, str]] = (),
    ) -> None:
        """Check one chunk of coerced codebook columns.

        ``rows``: the row number of each position; ``flagged``: ``(row, column)``
        cells already reported (unreadable values, unknown labels), which are
        not reported again as out of range or empty.
        """
        cb = self.cb
        file = self.files[table]
        rows = np.asarray(rows, dtype=np.int64)
        frame = frame.reset_index(drop=True)
        flagged = flagged if isinstance(flagged, set) else set(flagged)
        present = tuple(c for c in cb.columns(table) if c in frame.columns)  # type: ignore[arg-type]
        schema = self._schemas.get((table, present))
        if schema is None:
            schema = self._schemas[(table, present)] = build_schema(table, present, cb, unique=False)
        self.violations += _pandera_violations(frame[list(present)], schema, table, file, rows, cb, flagged)
        self.violations += _conditional_violations(frame, table, file, rows, cb, flagged)
        self.violations += _constraint_violations(frame, table, file, rows, cb)
        stats = self.stats[table]
        stats.rows += len(frame)
        for var in _count_columns(cb, table):
            if var.name in frame.columns:
                counts = stats.counts.setdefault(var.name, Counter())
                for value, n in frame[var.name].value_counts(dropna=False).items():
                    counts[None if _is_empty(value) else value] += int(n)
        for var in cb.table(table):  # type: ignore[arg-type]
            if var.name not in frame.columns:
                continue
            _, not_applies = applicability(frame, var, cb)
            applicable = ~not_applies
            stats.applicable[var.name] += int(applicable.sum())
            stats.empty[var.name] += int((frame[var.name].isna() & applicable).sum())
            stats.not_applicable[var.name] += int(not_applies.sum())
        keep = [c for c in self._keep_columns(table) if c in frame.columns]
        self._kept[table].append(frame[keep].copy())
        self._rows[table].append(rows)

    def _table(self, table: str) -> tuple[pd.DataFrame, np.ndarray]:
        """The kept columns of a whole table and its row numbers (the chunks are released)."""
        parts, self._kept[table] = self._kept.get(table) or [], []
        chunk_rows, self._rows[table] = self._rows.get(table) or [], []
        if not parts:
            return pd.DataFrame(), np.zeros(0, dtype=np.int64)
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        del parts
        return frame, np.concatenate(chunk_rows)

    def finish(
        self, load_violations: Iterable[Violation] = (), tables: dict[str, pd.DataFrame] | None = None
    ) -> ValidationReport:
        """Check the rules between rows and tables; the report with every violation, sorted."""
        cb = self.cb
        kept = {t: self._table(t) for t in self.files}
        violations = list(load_violations) + self.violations
        for table, (frame, rows) in kept.items():
            violations += _unique_violations(frame, rows, table, self.files[table], cb)
            violations += _design_violations(frame, rows, table, self.files[table], cb)
        violations += _foreign_key_violations(kept, self.files, cb)
        files: dict[str, str] = {t: self.files.get(t, t) for t in TABLES}
        return ValidationReport(
            _sorted_unique(violations, files, cb),
            tables if tables is not None else {},
            files,
            cb,
            absent={t: self.absent.get(t, ()) for t in TABLES},
            stats={t: self.stats.get(t, TableStats()) for t in TABLES},
        )


def _unique_violations(frame: pd.DataFrame, rows: np.ndarray, table: str, file: str, cb: Codebook) -> list[Violation]:
    key = cb.keys[table]
    if key not in frame.columns or frame.empty:
        return []
    values = frame[key]
    duplicated = (values.duplicated(keep=False) & values.notna()).to_numpy(dtype=bool)
    if not duplicated.any():
        return []
    out = []
    positions = np.flatnonzero(duplicated)
    groups = pd.Series(positions).groupby(values.iloc[positions].to_numpy(), sort=False)
    for value, group in groups:
        group_rows = rows[group.to_numpy()].tolist()
        for row in group_rows:
            others = [r for r in group_rows if r != row]
            rule = f"must be unique: the same {key} is also in row {_row_list(others)}"
            out.append(Violation(file, row, key, rule, value))
    return out


def _design_violations(frame: pd.DataFrame, rows: np.ndarray, table: str, file: str, cb: Codebook) -> list[Violation]:
    """At most one row per combination of the ``at_most_one_per`` columns (the sample design)."""
    columns = list(cb.at_most_one_per.get(table, ()))
    if not columns or not set(columns) <= set(frame.columns) or frame.empty:
        return []
    known = frame[columns].notna().all(axis=1)
    for col in columns:
        var = cb.get(table, col)  # type: ignore[arg-type]
        if var.codes:
            known &= frame[col].isin(var.codes).fillna(False).astype(bool)
    sub = frame.loc[known, columns]
    if sub.empty:
        return []
    repeated = sub.duplicated(keep=False)
    if not repeated.any():
        return []
    sub = sub[repeated]
    last = columns[-1]
    by = " and ".join(columns) if len(columns) < 3 else ", ".join(columns[:-1]) + f" and {last}"
    out = []
    for values, group in sub.groupby(columns, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        group_rows = rows[group.index.to_numpy()].tolist()
        where = ", ".join(f"{c} {format_value(v)}" for c, v in zip(columns[:-1], values[:-1]))
        for row in group_rows:
            others = [r for r in group_rows if r != row]
            rule = (
                f"the sample design allows at most one row per {by}: {where} has {len(group_rows)} rows "
                f"with this {last} (also row {_row_list(others)})"
            )
            out.append(Violation(file, row, last, rule, values[-1]))
    return out


def _foreign_key_violations(
    kept: dict[str, tuple[pd.DataFrame, np.ndarray]], files: dict[str, str], cb: Codebook
) -> list[Violation]:
    column, parent = cb.parent["column"], cb.parent["table"]
    child = next(t for t in TABLES if t != parent)
    parent_key = cb.keys[parent]
    if parent not in kept or child not in kept:
        return []
    (parent_frame, _), (child_frame, child_rows) = kept[parent], kept[child]
    if column not in child_frame.columns or parent_key not in parent_frame.columns:
        return []
    known = pd.Index(parent_frame[parent_key].dropna().unique())
    values = child_frame[column]
    unknown = values.notna().to_numpy(dtype=bool) & (known.get_indexer(values) < 0)
    out = []
    rule = f"no row of {files[parent]} has this {parent_key}"
    for pos in np.flatnonzero(unknown).tolist():
        out.append(Violation(files[child], int(child_rows[pos]), column, rule, values.iloc[pos]))
    return out


# --------------------------------------------------------------------------- report


@dataclass
class ValidationReport:
    """The outcome of :func:`validate_survey` or :func:`thuiswerk.data.survey.validate_folder`.

    ``violations`` lists every problem (load-time and validation), sorted by
    file, row and column. ``tables`` holds the coerced tables that were checked
    (empty when the survey was validated chunk by chunk). ``absent`` lists per
    table the optional codebook columns the survey does not have; the rules
    that need them were skipped.
    """

    violations: list[Violation]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    files: dict[str, str] = field(default_factory=dict)
    codebook: Codebook | None = field(default=None, repr=False)
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stats: dict[str, TableStats] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def absent_columns(self) -> list[tuple[str, str]]:
        """``(table, column)`` of every absent optional column, in codebook order."""
        return [(t, c) for t in TABLES for c in self.absent.get(t, ())]

    def __str__(self) -> str:
        lines = ["no violations" if self.ok else f"{len(self.violations)} violation(s):"]
        if not self.ok:
            lines += self.violation_lines(limit=None)
        lines += self.absent_lines()
        return "\n".join(lines)

    def violation_lines(
        self, limit: int | None = VIOLATIONS_SHOWN, *, indent: str = "  ", more: str = "run with --all to see every one"
    ) -> list[str]:
        """At most ``limit`` violations, one a line, then ``... and K more (MORE)``.

        ``limit=None`` lists every violation. ``more`` is the advice in the last
        line (for example the exact command to run).
        """
        shown = self.violations if limit is None else self.violations[: max(limit, 0)]
        lines = [f"{indent}{v}" for v in shown]
        rest = len(self.violations) - len(shown)
        if rest:
            lines.append(f"{indent}... and {rest} more ({more})")
        return lines

    def format_violations(
        self, limit: int | None = VIOLATIONS_SHOWN, *, indent: str = "  ", more: str = "run with --all to see every one"
    ) -> str:
        """:meth:`violation_lines` joined by newlines."""
        return "\n".join(self.violation_lines(limit, indent=indent, more=more))

    def absent_lines(self, *, indent: str = "") -> list[str]:
        """One line per table with absent optional columns (none when nothing is absent)."""
        return [
            f"{indent}{self.files.get(t, t)}: absent (optional, not in the data; the rules and models "
            f"that need them are skipped): {', '.join(cols)}"
            for t in TABLES
            if (cols := self.absent.get(t, ()))
        ]

    def _stats(self) -> dict[str, TableStats]:
        if self.stats is not None:
            return self.stats
        checker = SurveyChecker(self.codebook)
        for table in TABLES:
            frame = self.tables.get(table, pd.DataFrame())
            checker.start_table(table, self.files.get(table, table), frame.columns, None)
            checker.add(table, frame, np.arange(1, len(frame) + 1))
        self.stats = checker.stats
        return self.stats

    def summary(self) -> dict[str, pd.DataFrame]:
        """Tables for a human: sizes, counts per design column, absent columns, missingness.

        Every value is a DataFrame (the CLI prints each as a table under its
        key): ``tables`` (rows and violations per file), ``<table> by
        <column>`` for every required category column (role, size class,
        sector), ``absent columns`` (only when there are), ``missingness``
        and, when there are violations, ``violations by column``. Counts
        include invalid codes and empty cells; nothing is dropped.
        """
        cb = self.codebook or codebook_module.load()
        stats = self._stats()
        out: dict[str, pd.DataFrame] = {}
        out["tables"] = pd.DataFrame(
            {
                "file": [self.files.get(t, t) for t in TABLES],
                "rows": [stats[t].rows for t in TABLES],
                "violations": [sum(v.file == self.files.get(t, t) for v in self.violations) for t in TABLES],
                "absent columns": [len(self.absent.get(t, ())) for t in TABLES],
            },
            index=pd.Index(list(TABLES), name="table"),
        )
        for table in reversed(TABLES):  # employees by role first, then the establishments' design
            for var in _count_columns(cb, table):
                out[f"{table} by {var.name}"] = _counts(stats[table].counts.get(var.name, Counter()), var)
        if self.absent_columns:
            out["absent columns"] = pd.DataFrame(
                [(t, c, cb.get(t, c).label) for t, c in self.absent_columns],  # type: ignore[arg-type]
                columns=["table", "variable", "label"],
            ).set_index(["table", "variable"])
        out["missingness"] = _missingness(stats, cb)
        if self.violations:
            out["violations by column"] = (
                pd.DataFrame(
                    [(v.file, v.column or "", v.rule) for v in self.violations], columns=["file", "column", "rule"]
                )
                .groupby(["file", "column"], sort=False)
                .size()
                .rename("violations")
                .reset_index()
            )
        return out


def _counts(observed: Counter, var: Variable) -> pd.DataFrame:
    """Counts per code in codebook order, then invalid values, then empty cells."""
    codes = list(var.codes) + [c for c in observed if c is not None and c not in var.categories]
    records = [(str(c), var.categories.get(c, "(not a codebook code)"), int(observed.get(c, 0))) for c in codes]
    n_empty = int(observed.get(None, 0))
    if n_empty:
        records.append((EMPTY_LABEL, "", n_empty))
    result = pd.DataFrame(records, columns=[var.name, "label", "n"]).set_index(var.name)
    total = result["n"].sum()
    result["share"] = result["n"] / total if total else np.nan
    return result


def _missingness(stats: dict[str, TableStats], cb: Codebook) -> pd.DataFrame:
    """Per variable: applicable rows, empty cells among them and their share,
    structurally not applicable rows, and whether the codebook allows empties.

    Rows whose applicability is unknown (condition column empty, invalid or
    absent) count as applicable. An absent column has empty (NA) counts.
    """
    records: list[tuple[str, str, int | NAType, int | NAType, float, int | NAType, bool]] = []
    for table in TABLES:
        s = stats[table]
        for var in cb.table(table):
            if var.name not in s.columns:
                records.append((table, var.name, pd.NA, pd.NA, np.nan, pd.NA, var.missing is not None))
                continue
            n_app = s.applicable[var.name]
            n_empty = s.empty[var.name]
            share = n_empty / n_app if n_app else np.nan
            records.append(
                (table, var.name, n_app, n_empty, share, s.not_applicable[var.name], var.missing is not None)
            )
    result = pd.DataFrame(
        records,
        columns=["table", "variable", "applicable", "empty", "empty_share", "not_applicable", "may_be_empty"],
    ).set_index(["table", "variable"])
    return result.astype({"applicable": "Int64", "empty": "Int64", "not_applicable": "Int64"})


# --------------------------------------------------------------------------- entry point


def validate_survey(survey: Survey, cb: Codebook | None = None) -> ValidationReport:
    """Check a loaded survey against the codebook; collect every violation.

    ``survey`` is what :func:`thuiswerk.data.survey.load_survey` returns (any object
    with ``establishments``, ``employees``, ``violations``, ``file_label(t)``,
    ``rows(t)`` and ``header_row(t)`` works). Load-time violations are included.
    Never raises for bad data. An optional codebook column the survey does not
    have is listed in :attr:`ValidationReport.absent`, not reported. The
    tables are checked in slices of :data:`CHUNK_CELLS` cells, so checking
    needs little memory beyond the tables themselves; ``report.tables`` holds
    the survey's tables as given.
    """
    cb = cb or codebook_module.load()
    load_violations: list[Violation] = list(getattr(survey, "violations", ()))
    checker = SurveyChecker(cb)
    tables: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        file = survey.file_label(table)
        raw = tables[table] = getattr(survey, table)
        rows = np.asarray(survey.rows(table), dtype=np.int64)
        checker.start_table(table, file, raw.columns, survey.header_row(table))
        known = [c for c in cb.columns(table) if c in raw.columns]
        flagged = {cell for v in load_violations if v.file == file for cell in v.cells()}
        step = max(1, CHUNK_CELLS // max(1, len(known)))
        for start in range(0, len(raw), step):
            part_rows = rows[start : start + step]
            frame, problems = coerce_table(
                raw.iloc[start : start + step][known], table, file=file, rows=part_rows, cb=cb
            )
            checker.violations += problems
            flagged.update(cell for v in problems for cell in v.cells())
            checker.add(table, frame, part_rows, flagged)
    return checker.finish(load_violations, tables)


def _sorted_unique(violations: list[Violation], files: dict[str, str], cb: Codebook) -> list[Violation]:
    seen: set[tuple] = set()
    unique = []
    for v in violations:
        if v.key() not in seen:
            seen.add(v.key())
            unique.append(v)
    file_rank = {f: i for i, f in enumerate(files[t] for t in TABLES)}
    col_rank: dict[tuple[str, str], int] = {}
    for t in TABLES:
        for i, name in enumerate(cb.columns(t)):
            col_rank[(files[t], name)] = i

    def sort_key(v: Violation) -> tuple:
        return (
            file_rank.get(v.file, len(file_rank)),
            v.file,
            -1 if v.row is None else v.row,
            col_rank.get((v.file, v.column or ""), 10_000),
        )

    return sorted(unique, key=sort_key)
