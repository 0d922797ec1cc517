"""The tidy, protected frames behind the descriptive figures and tables: one row per plotted cell.

A data function builds rows with :func:`share_row` or :func:`mean_row` (through :func:`category_rows` and
:func:`boolean_rows`) and ends in :func:`finish`, which gives a frame with the columns ``group_code, group,
category_code, category, n, count, share`` (or ``mean`` and ``sd`` for mean scores) and ``suppressed``.
``n`` is the number of respondents (employees or establishments) behind the cell; cells with ``n < min_n``
are blanked (``NaN``) and flagged, and so are the cells that would let a blank be worked out from a total
minus its siblings (complementary suppression, :mod:`thuiswerk.core.disclosure`; those are also flagged
``secondary``). Row order is plotting order.

Disclosure control: :func:`finish` calls :func:`thuiswerk.core.disclosure.protect` with the figure's sibling
groups (managers and non-managers, whose total the text and appendix B publish; the size classes under
"Alle vestigingen"; the sectors).

Missing values: every share or mean is over the respondents with a non-missing answer to that item
(questionnaire items: the employees who completed the online questionnaire and answered the item).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import disclosure, nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.data.linked import Protection

#: The size classes of the establishments, in plotting order; siblings under all establishments.
SIZE_CLASSES = ["klein", "midden", "groot"]

SHARE_COLUMNS = ["count", "share"]
MEAN_COLUMNS = ["mean", "sd"]

#: Units of suppression: one item per row (a share or mean of one question), or
#: all categories of one answer distribution (one bar of a stacked or grouped figure).
ITEM = ("group_code", "category_code")
DISTRIBUTION = ("group_code",)
#: A mean score: each answer lies on the item's scale (columns added by :func:`mean_row`).
MEAN = disclosure.Measure("mean", lo="scale_min", hi="scale_max")

# --------------------------------------------------------------------------- rows


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def strip_prefix(text: str) -> str:
    """'Voordeel: meer focus' -> 'Meer focus'."""
    return capitalise(text.split(":", 1)[1].strip()) if ":" in text else text


def codebook_categories(variable: str) -> dict[Any, str]:
    return dict(codebook_module.load().find(variable).categories)


def valid_answers(series: pd.Series) -> pd.Series:
    return series.dropna()


def share_row(group_code: str, group: str, category_code: Any, category: str, hits: pd.Series) -> dict:
    """One cell: ``hits`` is a boolean Series over the respondents with an answer."""
    n = int(len(hits))
    count = int(hits.sum())
    return {
        "group_code": group_code,
        "group": group,
        "category_code": category_code,
        "category": category,
        "n": n,
        "count": count,
        "share": count / n if n else np.nan,
    }


def _scale(variable: str) -> tuple[float, float]:
    """Lowest and highest code of an ordinal codebook item (1 and 5 for a 1-5 scale)."""
    codes = [float(c) for c in codebook_module.load().find(variable).categories]
    return min(codes), max(codes)


def mean_row(group_code: str, group: str, category_code: Any, category: str, values: pd.Series) -> dict:
    """One mean score; ``category_code`` is the codebook item (its scale bounds the disclosure audit)."""
    v = pd.to_numeric(valid_answers(values), errors="coerce").dropna().astype(float)
    n = int(len(v))
    lo, hi = _scale(str(category_code))
    return {
        "group_code": group_code,
        "group": group,
        "category_code": category_code,
        "category": category,
        "n": n,
        "mean": float(v.mean()) if n else np.nan,
        "sd": float(v.std(ddof=1)) if n > 1 else np.nan,
        "scale_min": lo,
        "scale_max": hi,
    }


def _partitions(frame: pd.DataFrame, unit: tuple[str, ...], groups: Iterable[str]) -> list[list]:
    """Sibling units: the ``groups`` (e.g. the two roles) of each item, or of the whole distribution."""
    present = set(frame["group_code"])
    groups = [g for g in groups if g in present]
    if tuple(unit) == DISTRIBUTION:
        return [groups]
    return [[(g, c) for g in groups] for c in dict.fromkeys(frame["category_code"])]


def finish(
    rows: list[dict],
    min_n: int,
    values: list[str],
    *,
    unit: tuple[str, ...] = ITEM,
    siblings: Iterable[Iterable[str]] = (),
    measures: tuple[disclosure.Measure, ...] | None = None,
) -> pd.DataFrame:
    """The tidy frame of the rows, protected (:func:`thuiswerk.core.disclosure.protect`).

    ``siblings``: groups of ``group_code`` whose respondents together make up a
    published total (:data:`ROLES`: the text and appendix B give the total over
    both roles), per item (``unit=ITEM``) or per distribution (``DISTRIBUTION``).
    """
    frame = pd.DataFrame(rows)
    frame["n"] = frame["n"].astype("int64")
    if measures is None:
        measures = (MEAN,) if "mean" in values and "share" not in values else (disclosure.SHARE,)
    partitions = [p for groups in siblings for p in _partitions(frame, unit, groups)]
    return disclosure.protect(
        frame,
        unit=unit,
        measures=measures,
        partitions=partitions,
        values=[c for c in values if c in frame.columns],
        min_n=min_n,
    )


def role_groups(employees: pd.DataFrame) -> Iterable[tuple[str, str, pd.DataFrame]]:
    labels = codebook_categories("role")
    for code in ROLES:
        yield code, labels[code], employees[employees["role"] == code]


def category_rows(
    series: pd.Series,
    group_code: str,
    group: str,
    categories: dict[Any, str],
    cumulative: dict[Any, list] | None = None,
) -> list[dict]:
    """Shares of each category (or of each set of codes in ``cumulative``)."""
    answered = valid_answers(series)
    sets = cumulative or {code: [code] for code in categories}
    return [share_row(group_code, group, code, categories[code], answered.isin(codes)) for code, codes in sets.items()]


def boolean_rows(frame: pd.DataFrame, columns: list[str], group_code: str, group: str, label=None) -> list[dict]:
    label = label or (lambda c: nl.label(c))
    rows = []
    for col in columns:
        answered = valid_answers(frame[col])
        rows.append(share_row(group_code, group, col, label(col), answered == 1))
    return rows


def blank_groups(frame: pd.DataFrame, protection: Protection, dimension: str, values: list[str]) -> pd.DataFrame:
    """Blank the rows of the groups (``group_code``s of ``dimension``) that the linked tables' protection
    blanks (:func:`thuiswerk.data.linked.protect_groups`): one decision for every output by sector and size
    class, so no figure or table prints a group another blanks. Adds to the flags of :func:`finish`."""
    out = frame.copy()
    codes = out["group_code"].astype(str)
    blank = codes.map(lambda c: not protection.shows(dimension, c)).to_numpy(dtype=bool)
    secondary = codes.map(lambda c: (dimension, c) in protection.secondary).to_numpy(dtype=bool)
    for col in [c for c in values if c in out.columns]:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64").mask(blank)
    out[disclosure.SECONDARY] = (out[disclosure.SECONDARY].to_numpy(dtype=bool) & ~blank) | (blank & secondary)
    out[disclosure.SUPPRESSED] = out[disclosure.SUPPRESSED].to_numpy(dtype=bool) | blank
    return out
