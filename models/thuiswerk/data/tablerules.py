"""The rules between the rows of a table and between the tables: the key, the parent key and the sample design.

Checked once per table, on the columns :class:`~thuiswerk.data.validation.SurveyChecker`
keeps of every chunk (plain pandas):

* each table's key is unique (:func:`unique_violations`);
* every employee's ``establishment_id`` exists in the establishments table
  (:func:`foreign_key_violations`);
* the sample design, ``at_most_one_per``: at most one row per combination of
  its columns, so at most one manager and one non-manager per establishment
  (:func:`design_violations`).

Imports :mod:`thuiswerk.core.codebook` and :mod:`thuiswerk.data.violations`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thuiswerk.core.codebook import TABLES, Codebook
from thuiswerk.data.violations import Violation, format_value, row_list


def unique_violations(frame: pd.DataFrame, rows: np.ndarray, table: str, file: str, cb: Codebook) -> list[Violation]:
    """Every row whose key another row of the table also has."""
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
            rule = f"must be unique: the same {key} is also in row {row_list(others)}"
            out.append(Violation(file, row, key, rule, value))
    return out


def design_violations(frame: pd.DataFrame, rows: np.ndarray, table: str, file: str, cb: Codebook) -> list[Violation]:
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
                f"with this {last} (also row {row_list(others)})"
            )
            out.append(Violation(file, row, last, rule, values[-1]))
    return out


def foreign_key_violations(
    kept: dict[str, tuple[pd.DataFrame, np.ndarray]], files: dict[str, str], cb: Codebook
) -> list[Violation]:
    """Every row of the child table whose parent column names no row of the parent table."""
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
