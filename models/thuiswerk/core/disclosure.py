"""Disclosure control for every published table and figure: primary and complementary suppression.

The rule is the threshold rule with complementary (secondary) suppression as
Statistics Netherlands (CBS) applies it to frequency tables (in tau-argus:
"hypercube"/"modular" secondary suppression followed by an audit of the
protection intervals), for the small one-level tables of this report:

1. **Primary suppression.** A share or mean computed from fewer than
   :data:`~thuiswerk.core.nl.MIN_CELL` (10) respondents is blanked, and so is its
   ``n`` wherever the output would print it. The unit of suppression is the
   group of respondents behind the value: one item (a share or mean of one
   question), or a whole answer distribution (one stacked bar: a single blanked
   category would follow from 100% minus the others).
2. **Complementary suppression.** Where the respondents of sibling cells together
   make up a published total (size classes and "alle vestigingen"; sectors;
   managers and non-managers, whose total the text and appendix B publish), a
   blanked cell would follow from the total minus its siblings. So when exactly
   one sibling is blanked, the next-smallest sibling (fewest respondents, the
   least information lost) is blanked too. The total stays: it is published
   elsewhere as well (for means by role with an overall mean, the sibling is
   suppressed, not the overall).
3. **Audit.** An attacker who knows every ``n`` (they are in chapter 4 and in
   the legends) learns the sum over the blanked siblings, and each respondent's
   answer lies on a known scale (0-1 for a share, e.g. 1-5 for a score). If that
   still pins down a blanked value (the blanked cells together at 0% or 100%, or
   all at one end of the scale: a feasibility interval of width zero), the
   next-smallest sibling is blanked as well, until no blanked value is
   determined or every sibling is blanked. A total that is itself 0% or 100%
   tells every subgroup's value ("group disclosure"): that follows from the
   published total, not from the pattern of blanks, and is not hidden here.

Every data function of :mod:`thuiswerk.reporting.figures`, the predictive-check tables of
:mod:`thuiswerk.analysis.checks` and the by-group helpers of :mod:`thuiswerk.reporting.summaries`
call :func:`protect` (a tidy frame) or :func:`protect_values` (a few values).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from thuiswerk.core.nl import MIN_CELL, SUPPRESSED_FLAG

SUPPRESSED = SUPPRESSED_FLAG  # True for every blanked row (primary or complementary)
SECONDARY = "secondary"  # True for rows blanked only to protect another cell
TOLERANCE = 1e-9  # relative: a feasibility interval narrower than this is a point

Key = Hashable


@dataclass(frozen=True)
class Measure:
    """A published value column: the mean of ``n`` respondents' values, each in [``lo``, ``hi``].

    ``value`` is the column ("share": 0/1 answers, so ``value * n`` is the count;
    "mean": scores). ``lo`` and ``hi`` are numbers or the names of columns
    holding a row's scale (a mean of a 1-5 item: 1 and 5).
    """

    value: str
    n: str = "n"
    lo: float | str = 0.0
    hi: float | str = 1.0


SHARE = Measure("share")


@dataclass(frozen=True)
class Cell:
    """One value of a unit as the attacker sees it: the respondents' sum, their number and the scale."""

    total: float  # sum of the respondents' values (a count for a share); NaN when unknown
    n: int
    lo: float = 0.0
    hi: float = 1.0


def interval(cells: Sequence[Cell], i: int) -> tuple[float, float]:
    """What an attacker can tell about ``cells[i].total`` from the sum of all ``cells`` and every ``n``.

    ``cells`` are the blanked cells of one group of siblings at one position
    (category, measure); their sum is known from the published total minus the
    published siblings. Returns the feasibility interval ``(lowest, highest)``
    of cell ``i``'s sum (``n * value``).
    """
    k = sum(c.total for c in cells)
    low = [c.n * c.lo for c in cells]
    high = [c.n * c.hi for c in cells]
    rest_low, rest_high = sum(low) - low[i], sum(high) - high[i]
    return max(low[i], k - rest_high), min(high[i], k - rest_low)


def exposed(cells: Sequence[Cell]) -> bool:
    """True when the blanked ``cells`` of one sibling group let some blanked value be recovered exactly."""
    live = [c for c in cells if c.n > 0]
    if not live:
        return False
    if any(math.isnan(c.total) for c in live):  # sums not given: only the counting rule
        return len(live) == 1
    for i, c in enumerate(live):
        lo, hi = interval(live, i)
        if hi - lo <= TOLERANCE * max(1.0, abs(c.n * c.lo), abs(c.n * c.hi)):
            return True
    return False


def _unit_exposed(hidden: Sequence[Key], cells: Mapping[Key, Mapping[Hashable, Cell]]) -> bool:
    positions = dict.fromkeys(p for u in hidden for p in cells[u])
    return any(exposed([cells[u][p] for u in hidden if p in cells[u]]) for p in positions)


def _unit_n(cells: Mapping[Hashable, Cell]) -> int:
    return max((c.n for c in cells.values()), default=0)


def complementary(
    partitions: Iterable[Sequence[Key]],
    suppressed: Iterable[Key],
    cells: Mapping[Key, Mapping[Hashable, Cell]],
    size: Mapping[Key, float] | None = None,
) -> set[Key]:
    """The units to blank besides ``suppressed`` so that no blanked unit follows from a published total.

    ``partitions``: groups of sibling units whose respondents together make up a
    published total (the total itself is never blanked here). ``cells``: per unit,
    its values by position (category and measure). ``size`` orders the candidates
    (default: the unit's ``n``); ties go to the first unit in ``cells``.
    """
    blank = set(suppressed)
    primary = set(blank)
    order = {k: i for i, k in enumerate(cells)}
    size = size or {}
    partitions = [[c for c in children if c in cells] for children in partitions]
    changed = True
    while changed:  # a unit may sit in several groups: repeat until no group changes
        changed = False
        for children in partitions:
            while True:
                hidden = [c for c in children if c in blank]
                if not hidden or not _unit_exposed(hidden, cells):
                    break
                candidates = [c for c in children if c not in blank and _unit_n(cells[c]) > 0]
                if not candidates:
                    break  # every sibling blanked: what is left is the published total
                blank.add(min(candidates, key=lambda c: (size.get(c, _unit_n(cells[c])), order[c])))
                changed = True
    return blank - primary


# --------------------------------------------------------------------------- frames


def _key(row: tuple) -> Key:
    return row[0] if len(row) == 1 else row


def _bound(row: pd.Series, bound: float | str) -> float:
    return float(row[bound]) if isinstance(bound, str) else float(bound)


def protect(
    frame: pd.DataFrame,
    *,
    unit: str | Sequence[str],
    measures: Sequence[Measure] = (SHARE,),
    partitions: Iterable[Sequence[Key]] = (),
    values: Iterable[str] | None = None,
    position: str | None = "category_code",
    size: str | None = None,
    min_n: int = MIN_CELL,
) -> pd.DataFrame:
    """Primary and complementary suppression of a tidy frame (one row per published cell).

    ``unit``: the column(s) naming the group of respondents behind a row; rows of
    one unit (the categories of one answer distribution) are blanked together.
    ``partitions``: groups of sibling unit keys (a value, or a tuple for several
    ``unit`` columns) whose respondents make up a published total.
    ``position`` names the row within its unit (its category). ``measures``
    say which columns hold published values and their ``n``; ``values`` are the
    columns to blank (default: the measures' values). ``size`` is a column that
    orders the candidates for complementary suppression (default: ``n``).

    Returns a copy with the blanked values ``NaN`` and two boolean columns:
    ``suppressed`` (primary or complementary; a row already flagged stays
    flagged) and ``secondary`` (blanked only to protect another cell).
    ``attrs["min_n"]`` is ``min_n``.
    """
    unit = [unit] if isinstance(unit, str) else list(unit)
    out = frame.copy()
    keys = [_key(r) for r in out[unit].itertuples(index=False, name=None)]
    use_position = position is not None and position in out.columns and position not in unit
    cells: dict[Key, dict[Hashable, Cell]] = {}
    primary: set[Key] = set()
    flagged = (
        out[SUPPRESSED].fillna(False).to_numpy(dtype=bool) if SUPPRESSED in out.columns else np.zeros(len(out), bool)
    )
    for i, (key, (_, row)) in enumerate(zip(keys, out.iterrows())):
        unit_cells = cells.setdefault(key, {})
        if flagged[i]:
            primary.add(key)
        for m in measures:
            n = pd.to_numeric(row[m.n], errors="coerce")
            if pd.isna(n) or n < min_n:
                primary.add(key)
            n = 0 if pd.isna(n) else int(n)
            value = pd.to_numeric(row[m.value], errors="coerce")
            total = 0.0 if n == 0 else (float(value) * n if pd.notna(value) else math.nan)
            where = (m.value, row[cast(str, position)]) if use_position else (m.value,)
            unit_cells[where] = Cell(total, n, _bound(row, m.lo), _bound(row, m.hi))
    order: dict[Key, float] | None = None
    if size is not None:
        order = {}
        for key, s in zip(keys, pd.to_numeric(out[size], errors="coerce")):
            order[key] = min(order.get(key, math.inf), float(s) if pd.notna(s) else 0.0)
    secondary = complementary(partitions, primary, cells, order)
    blank = np.array([k in primary or k in secondary for k in keys], dtype=bool)
    values = [m.value for m in measures] if values is None else list(values)
    for col in dict.fromkeys(values):
        if col in out.columns and blank.any():
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
            out.loc[blank, col] = math.nan
    out[SUPPRESSED] = blank
    out[SECONDARY] = np.array([k in secondary and k not in primary for k in keys], dtype=bool)
    out.attrs["min_n"] = min_n
    return out


def protect_values(
    values: Mapping[Key, float],
    sizes: Mapping[Key, int],
    sums: Mapping[Key, float] | None = None,
    scale: tuple[float, float] = (0.0, 1.0),
    order: Mapping[Key, float] | None = None,
) -> dict[Key, float]:
    """Complementary suppression of sibling values that are already blanked (``NaN``) where primary.

    ``values`` are the siblings of one published total (a value per role, per
    size class), ``NaN`` where fewer than :data:`~thuiswerk.core.nl.MIN_CELL`
    respondents answered; ``sizes`` their numbers of respondents (a blank of
    size 0 holds nothing to protect). With the respondents' ``sums`` (and the
    answer ``scale``) the audit of :func:`complementary` applies; without them the
    counting rule. ``order`` ranks the candidates (default: ``sizes``). Returns
    the values with the complementary blanks added.
    """
    keys = list(values)
    blank = [k for k in keys if pd.isna(values[k])]
    cells: dict[Key, dict[Hashable, Cell]] = {}
    for k in keys:
        n = int(sizes.get(k, 0))
        if sums is None:
            total = math.nan
        else:
            total = 0.0 if n == 0 else float(sums[k]) if pd.notna(sums.get(k, math.nan)) else math.nan
        cells[k] = {(): Cell(total, n, *scale)}
    rank = {k: float((order or sizes).get(k, 0)) for k in keys}
    extra = complementary([keys], blank, cells, rank)
    return {k: (math.nan if k in extra else values[k]) for k in keys}


# --------------------------------------------------------------------------- linked tables


#: A blanked count's feasible range must be at least this wide (four whole numbers: an attacker who guesses
#: the middle is off by more than one for some of them), unless the published total alone leaves less.
MIN_WIDTH = 3
#: Seconds HiGHS may take for one end of one range (the sector-by-size programs take milliseconds).
TIME_LIMIT = 60.0


def feasible_range(
    equations: np.ndarray, values: np.ndarray, upper: np.ndarray, target: np.ndarray, tolerance: np.ndarray
) -> tuple[float, float]:
    """Lowest and highest ``target @ x`` over whole-number tables ``x`` consistent with what is published.

    The attacker's integer program (HiGHS through :func:`scipy.optimize.milp`): ``x`` are the unknown
    counts (for example, per stratum and answer), ``0 <= x <= upper``, and every published number is an
    equation ``equations[k] @ x == values[k]`` up to ``tolerance[k]`` (0 for a count; the rounding of a
    printed weighted estimate otherwise). Returns ``(nan, nan)`` when nothing fits (the equations
    contradict each other: a caller's mistake, never a property of the data) or when HiGHS has not proved
    the range within ``TIME_LIMIT`` seconds; a caller that protects treats that as a disclosure.
    """
    constraint = LinearConstraint(equations, values - tolerance, values + tolerance)
    bounds = Bounds(np.zeros(len(upper)), np.asarray(upper, dtype=float))
    integrality = np.ones(len(upper))
    ends = []
    for sign in (1.0, -1.0):
        result = milp(sign * np.asarray(target, dtype=float), constraints=constraint, bounds=bounds,
                      integrality=integrality, options={"time_limit": TIME_LIMIT})  # fmt: skip
        if result.status != 0:
            return math.nan, math.nan
        ends.append(sign * float(result.fun))
    return ends[0], ends[1]


def pinned(low: float, high: float, a_priori: float) -> bool:
    """True when a blanked count's feasible range ``[low, high]`` gives it away.

    ``a_priori`` is the width the published total alone leaves (the group's size and the total's
    count). Where that is at least :data:`MIN_WIDTH`, a range narrower than :data:`MIN_WIDTH` is a
    disclosure (the count recovered within one unit); where the group is too small for that (two
    establishments: any guess of one is within one of the truth), only an exact recovery is, unless the
    total itself tells it (a total of 0: every group's count is 0, "group disclosure").
    """
    width = high - low
    if a_priori >= MIN_WIDTH:
        return width < MIN_WIDTH - 1e-9
    return a_priori > 0 and width < 1e-9
