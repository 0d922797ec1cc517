"""The rules between the columns of one row: ``applies_when``, never-empty variables and the codebook's constraints.

Checked chunk by chunk on coerced codebook columns (plain pandas):

* ``applies_when`` (:func:`applicability`): where a variable does not apply its
  cell must be empty; where it applies the cell may be empty only when the
  codebook gives a ``missing`` reason (:func:`conditional_violations`);
* the codebook's ``constraints`` between columns (:func:`constraint_violations`).

Imports :mod:`thuiswerk.core.codebook` and :mod:`thuiswerk.data.violations`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thuiswerk.core.codebook import Codebook, Variable
from thuiswerk.data.violations import Violation, condition_text, format_value


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


def conditional_violations(
    frame: pd.DataFrame,
    table: str,
    file: str,
    rows: np.ndarray,
    cb: Codebook,
    flagged: set[tuple[int, str]],
) -> list[Violation]:
    """Cells that break ``applies_when`` or are empty where they may not be; cells in ``flagged`` were already reported."""
    out: list[Violation] = []
    for var in cb.table(table):  # type: ignore[arg-type]
        if var.name not in frame.columns:
            continue
        values = frame[var.name]
        empty = values.isna()
        applies, not_applies = applicability(frame, var, cb)
        for pos in np.flatnonzero((not_applies & ~empty).to_numpy()):
            rule = f"must be empty: only applies when {condition_text(var)}"
            out.append(Violation(file, int(rows[pos]), var.name, rule, values.iloc[pos]))
        if var.missing is None:
            for pos in np.flatnonzero((applies & empty).to_numpy()):
                if (int(rows[pos]), var.name) in flagged:
                    continue  # already reported (could not be read)
                rule = "must not be empty"
                if var.applies_when:
                    rule += f" when {condition_text(var)}"
                out.append(Violation(file, int(rows[pos]), var.name, rule))
    return out


def constraint_violations(
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
