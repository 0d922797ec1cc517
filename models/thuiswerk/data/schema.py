"""The codebook as a schema of each table: its columns, their dtypes and the rules of each column.

Every rule is generated from :mod:`thuiswerk.core.codebook`; nothing here names a
survey variable.

* **Columns** (:func:`column_violations`, :func:`absent_columns`): a column
  the codebook does not know is a violation; a *required* codebook column
  (``required: true``) that is missing is a violation; an *optional* one that
  is missing is **absent**: it is not created, the validation report lists
  it, and every rule that involves it is skipped.
* **Dtypes** (:data:`DTYPES`): the pandas dtype of each codebook type after
  loading (:mod:`thuiswerk.data.coerce` brings the columns to it).
* **Per-column rules** (:func:`build_schema`, a pandera schema checked with
  ``lazy=True`` by :func:`pandera_violations`): dtype, range, category
  membership.

Imports :mod:`thuiswerk.core.codebook` and :mod:`thuiswerk.data.violations`
(the violations and the wording of the rules).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import Codebook
from thuiswerk.data.violations import Violation, is_empty, membership_rule, range_rule

#: pandas dtype of each codebook type after loading.
DTYPES: dict[str, str] = {
    "id": "string",
    "category": "string",
    "boolean": "Int64",
    "ordinal": "Int64",
    "integer": "Int64",
    "float": "float64",
}


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
    columns (``applies_when``) and is checked by :func:`~thuiswerk.data.validation.validate_survey`.
    ``unique=False`` leaves out the key's uniqueness (checked over all chunks
    by :class:`~thuiswerk.data.validation.SurveyChecker`).
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


def pandera_violations(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    table: str,
    file: str,
    rows: np.ndarray,
    cb: Codebook,
    flagged: set[tuple[int, str]],
) -> list[Violation]:
    """The per-column rules of ``schema`` that one chunk breaks; cells in ``flagged`` were already reported."""
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
        position = None if is_empty(index) else int(index)
        row = None if position is None else int(rows[position])
        if row is not None and (row, column) in flagged:
            continue  # already reported when the file was read (an unknown label)
        if check.startswith("dtype("):
            expected = DTYPES[cb.get(table, column).type]  # type: ignore[arg-type]
            out.append(Violation(file, None, column, f"must have dtype {expected}", str(case.failure_case)))
        else:
            out.append(Violation(file, row, column, check, case.failure_case))
    return out
