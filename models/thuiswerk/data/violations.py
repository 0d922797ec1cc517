"""A broken rule as a person reads it: :class:`Violation` and the wording of its values, rows and rules.

A :class:`Violation` names the file, row and column of one broken rule, the
rule in words and the offending value. This module words them:
:func:`format_value` shows a value as it would appear in the file,
:func:`row_list` names other rows, and :func:`membership_rule`,
:func:`range_rule` and :func:`condition_text` say a codebook rule in words.
Every check of the survey (reading, coercion, the schema, the rules between
columns and rows, the population frame) reports through it.

Row numbers
    ``Violation.row`` is the row as a person finds it in the file: for CSV the
    **line number** (the header is line 1, so the first data row is row 2 and
    header problems such as an unknown column are reported as row 1); for
    Parquet and SPSS ``.sav`` the 1-based **record number** (SPSS "case"
    number; the first record is row 1). ``None`` means the problem concerns
    the whole file or a whole column.

Imports :mod:`thuiswerk.core.codebook` (the :class:`~thuiswerk.core.codebook.Variable`
whose rules it words) and nothing else of the package.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thuiswerk.core.codebook import Variable

#: Other rows named in one uniqueness or design message before "and N more".
ROWS_NAMED = 10


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
        if not is_empty(self.value):
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
    if is_empty(value):
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


def is_empty(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]  # any object; stubs take only known scalars
    except (TypeError, ValueError):
        return False


def row_list(rows: Sequence[int]) -> str:
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


def condition_text(var: Variable) -> str:
    return " and ".join(f"{col} = {val}" for col, val in var.applies_when.items())
