"""What the survey says, as the report shows it: shares and means with small cells blanked.

Descriptive numbers of the two survey tables (no model): the share of a yes, a
mean, a value per role or per group, the questionnaire's respondents, the design
counts and "at least one KANS complaint". A number behind fewer than
:data:`thuiswerk.core.nl.MIN_CELL` respondents is NaN (printed as "–"), and where a
total is published too, the next-smallest group is blanked with it
(:mod:`thuiswerk.core.disclosure`). The report's chapters, the findings' headlines and
the share estimands (:mod:`thuiswerk.data.shares`) all use these, so a number is
computed one way everywhere.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import cast

import numpy as np
import pandas as pd

from thuiswerk.core import codebook, disclosure, nl
from thuiswerk.core.codebook import MANAGER, NON_MANAGER, ROLES

KANS_REGIONS = tuple(codebook.load().groups["kans"])  # neck, shoulders, arm: a KANS complaint


def share(values: pd.Series | np.ndarray, min_n: int = nl.MIN_CELL) -> float:
    """Share of True among the non-missing values; NaN (shown as '–') below ``min_n``."""
    return mean(values, min_n)


def mean(values: pd.Series | np.ndarray, min_n: int = nl.MIN_CELL) -> float:
    """Mean of the non-missing values; NaN (shown as '–') below ``min_n``."""
    s = pd.Series(values).dropna().astype(float)
    if len(s) < min_n:
        return float("nan")
    return float(s.mean())


def by_role(employees: pd.DataFrame, fn, min_n: int = nl.MIN_CELL) -> dict[str, float]:
    """``fn(frame_of_role)`` per role, NaN for a role with fewer than ``min_n`` employees.

    ``fn`` blanks its own small cells (:func:`share`, :func:`mean`). Complementary
    suppression (:mod:`thuiswerk.core.disclosure`): the report also gives values over
    both roles, so when one role is blank, the other is blanked too.
    """
    subs = {role: employees[employees["role"] == role] for role in ROLES}
    values: dict[Hashable, float] = {
        role: (fn(sub) if len(sub) >= min_n else float("nan")) for role, sub in subs.items()
    }
    sizes: dict[Hashable, int] = {role: len(sub) for role, sub in subs.items()}
    return cast(dict[str, float], disclosure.protect_values(values, sizes))


def questionnaire(employees: pd.DataFrame) -> pd.DataFrame:
    """Employees who completed the online questionnaire."""
    return employees[employees["questionnaire_completed"].astype("Int64") == 1]


def design_counts(establishments: pd.DataFrame, employees: pd.DataFrame) -> dict[str, int]:
    """Establishments, interviewed managers and non-managers, questionnaire completes per role."""
    q = questionnaire(employees)
    return {
        "establishments": int(len(establishments)),
        "employees": int(len(employees)),
        "managers": int((employees["role"] == MANAGER).sum()),
        "non_managers": int((employees["role"] == NON_MANAGER).sum()),
        "completed_managers": int((q["role"] == MANAGER).sum()),
        "completed_non_managers": int((q["role"] == NON_MANAGER).sum()),
        "completed": int(len(q)),
    }


def any_complaint(employees: pd.DataFrame, regions=KANS_REGIONS) -> pd.Series:
    """At least one of ``regions`` (questionnaire completers with every region answered)."""
    q = questionnaire(employees)
    items = q[list(regions)].astype("Float64")
    return (items == 1).any(axis=1).astype(float).where(items.notna().all(axis=1))


def overtime(employees: pd.DataFrame) -> pd.Series:
    """Actual minus contract hours per week."""
    return employees["actual_hours"].astype(float) - employees["contract_hours"].astype(float)


def establishment_share(establishments: pd.DataFrame, column: str, codes) -> float:
    """Share of establishments whose ``column`` is one of ``codes`` (at least MIN_CELL)."""
    codes = codes if isinstance(codes, (list, tuple, set)) else [codes]
    values = establishments[column]
    valid = values.dropna()
    return share(valid.astype(str).isin([str(c) for c in codes]), nl.MIN_CELL) if len(valid) else float("nan")


def top_categories(values: pd.Series, k: int = 2) -> list[str]:
    """Index labels of the ``k`` largest values (ties in the given order)."""
    return [str(i) for i in values.sort_values(ascending=False, kind="stable").index[:k]]


def ratio(a: float, b: float) -> float:
    return float(a / b) if b and np.isfinite(a) and np.isfinite(b) else float("nan")
