"""Validation of the survey tables against the codebook.

Every rule is generated from :mod:`thuiswerk.codebook`; nothing here names a
survey variable. Three layers, all collected (never fail-fast):

1. **Coercion** (:func:`coerce_table`): each codebook column is brought to its
   codebook dtype (:data:`DTYPES`): nullable ``Int64`` for boolean, ordinal and
   integer; ``float64`` for float; pandas ``string`` for id and category codes.
   A value that cannot be coerced (text in a numeric column, ``40.5`` for an
   integer) becomes a :class:`Violation` and an empty cell.
2. **Per-column rules** (pandera, ``lazy=True``): dtype, range, category
   membership, uniqueness of each table's key.
3. **Cross-column and cross-table rules** (plain pandas): ``applies_when``
   (not applicable -> must be empty; applicable -> may be empty only when the
   codebook gives a ``missing`` reason), never-empty variables, and every
   employee's ``establishment_id`` existing in the establishments table.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from thuiswerk import codebook as codebook_module
from thuiswerk.codebook import TABLES, Codebook, Variable

if TYPE_CHECKING:  # pragma: no cover
    from thuiswerk.data import Survey

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
    """

    file: str
    row: int | None
    column: str | None
    rule: str
    value: object = None

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
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


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


def coerce_column(series: pd.Series, var: Variable) -> tuple[pd.Series, list[tuple[int, Any, str]]]:
    """Bring one column to its codebook dtype.

    Returns the coerced series (same index) and the problems as
    ``(position, original value, rule)``; offending cells become empty.
    """
    dtype = DTYPES[var.type]
    bad: list[tuple[int, Any, str]] = []
    values = series.astype(object).tolist()
    if dtype == "string":
        out = [_as_code_text(v) for v in values]
        return pd.Series(pd.array(out, dtype="string"), index=series.index, name=series.name), bad
    whole = dtype == "Int64"
    parsed: list[Any] = []
    for pos, value in enumerate(values):
        number = _parse_number(value, whole)
        if isinstance(number, _Bad):
            bad.append((pos, value, number.rule))
            number = None
        parsed.append(number)
    if whole:
        array = pd.array(parsed, dtype="Int64")
    else:
        array = np.array([np.nan if v is None else v for v in parsed], dtype="float64")
    return pd.Series(array, index=series.index, name=series.name), bad


def coerce_table(
    frame: pd.DataFrame,
    table: str,
    *,
    file: str,
    rows: Sequence[int],
    cb: Codebook | None = None,
) -> tuple[pd.DataFrame, list[Violation]]:
    """Coerce every codebook column of ``frame`` (other columns are left as they are).

    ``rows`` gives the row number (see module docstring) of each position.
    """
    cb = cb or codebook_module.load()
    frame = frame.reset_index(drop=True).copy()
    violations: list[Violation] = []
    for var in cb.table(table):  # type: ignore[arg-type]
        if var.name not in frame.columns:
            continue
        coerced, bad = coerce_column(frame[var.name], var)
        frame[var.name] = coerced
        violations.extend(Violation(file, rows[pos], var.name, rule, value) for pos, value, rule in bad)
    return frame, violations


# --------------------------------------------------------------------------- column set


def column_violations(
    columns: Iterable[str],
    table: str,
    *,
    file: str,
    header_row: int | None,
    cb: Codebook | None = None,
) -> list[Violation]:
    """Unknown and missing columns of one table (``header_row``: 1 for CSV, else None)."""
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
    for col in expected:
        if col not in columns:
            out.append(Violation(file, header_row, col, f"missing column: the codebook requires it in the {table} table"))
    return out


# --------------------------------------------------------------------------- pandera schema


def build_schema(table: str, columns: Iterable[str] | None = None, cb: Codebook | None = None) -> pa.DataFrameSchema:
    """The pandera schema of one table, restricted to ``columns`` when given.

    Every column is nullable here: whether a cell may be empty depends on other
    columns (``applies_when``) and is checked by :func:`validate_survey`.
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
            unique=var.name == key,
            coerce=False,
            required=True,
        )
    return pa.DataFrameSchema(spec, name=table, strict=False, ordered=False)


def _pandera_violations(frame: pd.DataFrame, table: str, file: str, rows: Sequence[int], cb: Codebook) -> list[Violation]:
    schema = build_schema(table, frame.columns, cb)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    key = cb.keys[table]
    out: list[Violation] = []
    for case in cases.itertuples(index=False):
        column = case.column
        check = str(case.check)
        index = case.index
        position = None if _is_empty(index) else int(index)
        row = None if position is None else rows[position]
        if check == "field_uniqueness":
            matches = frame[column].eq(case.failure_case).fillna(False).astype(bool)
            same = np.flatnonzero(matches.to_numpy()).tolist()
            others = [str(rows[p]) for p in same if p != position]
            rule = f"must be unique: the same {key} is also in row {', '.join(others)}"
            out.append(Violation(file, row, column, rule, case.failure_case))
        elif check.startswith("dtype("):
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
    rows: Sequence[int],
    cb: Codebook,
    flagged: set[tuple[str, int | None, str | None]],
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
            out.append(Violation(file, rows[pos], var.name, rule, values.iloc[pos]))
        if var.missing is None:
            for pos in np.flatnonzero((applies & empty).to_numpy()):
                if (file, rows[pos], var.name) in flagged:
                    continue  # already reported (could not be read)
                rule = "must not be empty"
                if var.applies_when:
                    rule += f" when {_condition_text(var)}"
                out.append(Violation(file, rows[pos], var.name, rule))
    return out


def _foreign_key_violations(
    frames: dict[str, pd.DataFrame], files: dict[str, str], rows: dict[str, Sequence[int]], cb: Codebook
) -> list[Violation]:
    column, parent = cb.parent["column"], cb.parent["table"]
    child = next(t for t in TABLES if t != parent)
    parent_key = cb.keys[parent]
    if column not in frames[child].columns or parent_key not in frames[parent].columns:
        return []
    known = set(frames[parent][parent_key].dropna().tolist())
    values = frames[child][column]
    out = []
    for pos, value in enumerate(values.tolist()):
        if not _is_empty(value) and value not in known:
            rule = f"no row of {files[parent]} has this {parent_key}"
            out.append(Violation(files[child], rows[child][pos], column, rule, value))
    return out


# --------------------------------------------------------------------------- report


@dataclass
class ValidationReport:
    """The outcome of :func:`validate_survey`.

    ``violations`` lists every problem (load-time and validation), sorted by
    file, row and column. ``tables`` holds the coerced tables that were checked.
    """

    violations: list[Violation]
    tables: dict[str, pd.DataFrame] = field(repr=False)
    files: dict[str, str] = field(default_factory=dict)
    codebook: Codebook | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        if self.ok:
            return "no violations"
        lines = [f"{len(self.violations)} violation(s):"]
        lines += [f"  {v}" for v in self.violations]
        return "\n".join(lines)

    def summary(self) -> dict[str, pd.DataFrame]:
        """Tables for a human: sizes, counts by role/size class/sector, missingness.

        Every value is a DataFrame (the CLI prints each as a table under its
        key). Counts include invalid codes and empty cells; nothing is dropped.
        """
        cb = self.codebook or codebook_module.load()
        est = self.tables["establishments"]
        emp = self.tables["employees"]
        out: dict[str, pd.DataFrame] = {}
        out["tables"] = pd.DataFrame(
            {
                "file": [self.files.get(t, t) for t in TABLES],
                "rows": [len(self.tables[t]) for t in TABLES],
                "violations": [sum(v.file == self.files.get(t, t) for v in self.violations) for t in TABLES],
            },
            index=pd.Index(list(TABLES), name="table"),
        )
        out["employees by role"] = _counts(emp, cb.get("employees", "role"))
        out["establishments by size_class"] = _counts(est, cb.get("establishments", "size_class"))
        out["establishments by sector"] = _counts(est, cb.get("establishments", "sector"))
        out["missingness"] = _missingness(self.tables, cb)
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


def _counts(frame: pd.DataFrame, var: Variable) -> pd.DataFrame:
    """Counts per code in codebook order, then invalid values, then empty cells."""
    if var.name not in frame.columns:
        values = pd.Series([], dtype=object)
    else:
        values = frame[var.name]
    observed = values.dropna().value_counts(sort=False)
    codes = list(var.codes) + [c for c in observed.index if c not in var.categories]
    records = [(str(c), var.categories.get(c, "(not a codebook code)"), int(observed.get(c, 0))) for c in codes]
    n_empty = int(values.isna().sum())
    if n_empty:
        records.append((EMPTY_LABEL, "", n_empty))
    result = pd.DataFrame(records, columns=[var.name, "label", "n"]).set_index(var.name)
    total = result["n"].sum()
    result["share"] = result["n"] / total if total else np.nan
    return result


def _missingness(tables: dict[str, pd.DataFrame], cb: Codebook) -> pd.DataFrame:
    """Per variable: applicable rows, empty cells among them and their share,
    structurally not applicable rows, and whether the codebook allows empties.

    Rows whose applicability is unknown (condition column empty or invalid)
    count as applicable. A column absent from the data has empty (NA) counts.
    """
    records = []
    for table in TABLES:
        frame = tables[table]
        for var in cb.table(table):  # type: ignore[arg-type]
            if var.name not in frame.columns:
                records.append((table, var.name, pd.NA, pd.NA, np.nan, pd.NA, var.missing is not None))
                continue
            _, not_applies = applicability(frame, var, cb)
            applicable = ~not_applies
            n_app = int(applicable.sum())
            n_empty = int((frame[var.name].isna() & applicable).sum())
            share = n_empty / n_app if n_app else np.nan
            records.append((table, var.name, n_app, n_empty, share, int(not_applies.sum()), var.missing is not None))
    result = pd.DataFrame(
        records,
        columns=["table", "variable", "applicable", "empty", "empty_share", "not_applicable", "may_be_empty"],
    ).set_index(["table", "variable"])
    return result.astype({"applicable": "Int64", "empty": "Int64", "not_applicable": "Int64"})


# --------------------------------------------------------------------------- entry point


def validate_survey(survey: Survey, cb: Codebook | None = None) -> ValidationReport:
    """Check a loaded survey against the codebook; collect every violation.

    ``survey`` is what :func:`thuiswerk.data.load_survey` returns (any object
    with ``establishments``, ``employees``, ``violations``, ``file_label(t)``,
    ``rows(t)`` and ``header_row(t)`` works). Load-time violations are included.
    Never raises for bad data.
    """
    cb = cb or codebook_module.load()
    violations: list[Violation] = list(getattr(survey, "violations", ()))
    files = {t: survey.file_label(t) for t in TABLES}
    rows = {t: survey.rows(t) for t in TABLES}
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        file = files[table]
        raw = getattr(survey, table)
        violations += column_violations(raw.columns, table, file=file, header_row=survey.header_row(table), cb=cb)
        known = [c for c in cb.columns(table) if c in raw.columns]  # type: ignore[arg-type]
        frame, coerce_problems = coerce_table(raw[known], table, file=file, rows=rows[table], cb=cb)
        violations += coerce_problems
        frames[table] = frame
        violations += _pandera_violations(frame, table, file, rows[table], cb)
    flagged = {(v.file, v.row, v.column) for v in violations}
    for table in TABLES:
        violations += _conditional_violations(frames[table], table, files[table], rows[table], cb, flagged)
    violations += _foreign_key_violations(frames, files, rows, cb)
    for table in TABLES:
        violations += _constraint_violations(frames[table], table, files[table], rows[table], cb)
    return ValidationReport(_sorted_unique(violations, files, cb), frames, files, cb)


def _constraint_violations(
    frame: pd.DataFrame, table: str, file: str, rows: Sequence[int], cb: Codebook
) -> list[Violation]:
    """Rows that break a codebook constraint between columns (rows with an empty column are skipped)."""
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
            out.append(Violation(file, rows[position], ", ".join(c.columns), c.message, values))
    return out


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
        for i, name in enumerate(cb.columns(t)):  # type: ignore[arg-type]
            col_rank[(files[t], name)] = i

    def sort_key(v: Violation) -> tuple:
        return (
            file_rank.get(v.file, len(file_rank)),
            v.file,
            -1 if v.row is None else v.row,
            col_rank.get((v.file, v.column or ""), 10_000),
        )

    return sorted(unique, key=sort_key)
