"""Coercion: each codebook column of a table brought to its codebook dtype, every value that cannot be a violation.

:func:`coerce_column` brings one column to its dtype (:data:`thuiswerk.data.schema.DTYPES`):
nullable ``Int64`` for boolean, ordinal and integer; ``float64`` for float;
pandas ``string`` for id and category codes. A value that cannot be coerced
(text in a numeric column, ``40.5`` for an integer, a whole number beyond
:data:`MAX_WHOLE`, reported with the codebook's range as written) and an
identifier holding a control or invisible character (a quoted line break)
become a problem and an empty cell. :func:`coerce_table` does every column of
a table and reports the problems as violations
(:class:`~thuiswerk.data.violations.Violation`, located by file, row and column).
:data:`CHUNK_CELLS` is how many cells are coerced and checked at a time.

Imports :mod:`thuiswerk.core.codebook`, :mod:`thuiswerk.data.schema` (the dtypes)
and :mod:`thuiswerk.data.violations` (the violations and the wording of the rules).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import Codebook, Variable
from thuiswerk.data.schema import DTYPES
from thuiswerk.data.violations import Violation, is_empty, membership_rule, range_rule

#: Cells coerced and checked at a time (a chunk of a file, a slice of a table).
CHUNK_CELLS = 1_000_000

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


class _Bad:
    """Marker for a value that cannot be coerced; carries the rule text."""

    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        self.rule = rule


def _parse_number(value: Any, whole: bool) -> float | int | None | _Bad:
    what = "must be a whole number" if whole else "must be a number"
    if is_empty(value):
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
    if is_empty(value):
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

    ``rows`` gives the row number (as in :class:`~thuiswerk.data.violations.Violation`) of each position.
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
