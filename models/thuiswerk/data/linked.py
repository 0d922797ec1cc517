"""One disclosure decision for everything published by sector and size class (linked tables).

The publication gives some establishment answers per size class and per sector: the RI&E and its
attention to home working (figure 15, the RI&E table, the text of chapter 8, and the ``rie_*`` rows of the
findings table with their population estimates). Sector and size class cross in the sample design's
strata, so these are *linked tables*: two margins of one sector-by-size table per answer, and, where a
frame is given, weighted margins of the same table (the design-based estimate adds up the strata's counts
with the weights ``N_h / m_h``). A group blanked in one output and printed in another, or recovered from a
weighted margin, is not protected. So every output asks :func:`protect_groups` which groups it may show
and which weighted estimates, and none decides for itself.

The rule (secondary suppression over linked tables, audited as tau-argus audits its tables, with the
attacker's integer program):

1. **Primary.** A group with fewer than :data:`~thuiswerk.core.nl.MIN_CELL` establishments answering any of
   the linked columns is blanked in every output, with its ``n``.
2. **Secondary, audited.** The attacker knows every stratum's number of answering establishments (the
   allocation), every published group and the total, and solves for the unknown per-stratum counts
   (:func:`thuiswerk.core.disclosure.feasible_range`). While some primary blank's count of some answer is
   pinned (:func:`thuiswerk.core.disclosure.pinned`: exactly, or within one where the total alone leaves
   more), the next-smallest group of its dimension is blanked too (of the other dimension once its own is
   blanked whole). The groups blanked to protect another are not themselves sensitive (they hold at least
   :data:`~thuiswerk.core.nl.MIN_CELL` establishments), as in tau-argus's audit.
3. **Weighted estimates.** A design-based or model (MRP) estimate whose strata include a stratum of a
   blanked group is blanked with it, for establishments and for employees; the sample total stays. The
   audit then adds the equations of the design-based estimates still shown (establishments' weights,
   which the frame and the allocation give); if a blank could be narrowed through them, every weighted
   estimate of that answer is blanked.

Not covered: the employees' weights (each establishment's size, which is not published) and the model's
estimates enter no equation; a model estimate depends on a blanked group only through the pooling of one
fit, and the attacker would have to refit the model for every table that is consistent with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thuiswerk.core import codebook, disclosure
from thuiswerk.core.nl import MIN_CELL
from thuiswerk.data import population, shares

#: The dimensions of the linked tables: each is a partition of all establishments (the published total).
DIMENSIONS = shares.STRATA
#: The establishment columns published per group: those of the findings' shares by sector or size class (the
#: figure and the table show the same columns).
LINKED_COLUMNS = tuple(dict.fromkeys(s.column for s in shares.SHARES if s.by is not None))

Group = tuple[str, str]  # (dimension, code)
Level = Group | None  # a row of a share: one group, or all establishments


@dataclass(frozen=True)
class Protection:
    """What the outputs may show of the linked tables: groups and weighted estimates.

    ``blanked``: the groups blanked everywhere (with their ``n``); ``secondary``: those blanked only to
    protect another; ``hidden_weighted``: ``(column, level)`` pairs whose design-based and model estimates
    are blanked (``level`` None is all establishments); ``notes``: why, one line each, for a log.
    """

    blanked: frozenset[Group] = frozenset()
    secondary: frozenset[Group] = frozenset()
    hidden_weighted: frozenset[tuple[str, Level]] = frozenset()
    notes: tuple[str, ...] = field(default=(), compare=False)

    def shows(self, dimension: str, code: str) -> bool:
        """True when the group's values and its ``n`` may be printed."""
        return (dimension, code) not in self.blanked

    def shows_weighted(self, column: str, level: Level) -> bool:
        """True when the design-based and model estimates of ``column`` at ``level`` may be printed."""
        return (level is None or self.shows(*level)) and (column, level) not in self.hidden_weighted


class StratumCounts:
    """One column's count of each answer in each stratum (``counts``), the unknowns of the attacker, who knows
    each stratum's number of answers (``answered``, the allocation); with the audit of :func:`protect_groups`.
    :mod:`thuiswerk.reporting.attack` builds its equations on the same table."""

    def __init__(self, establishments: pd.DataFrame, column: str) -> None:
        answers = shares.as_text(establishments[column].reset_index(drop=True))
        known = answers.notna().to_numpy()
        strata = establishments[list(DIMENSIONS)].astype("string").reset_index(drop=True)[known]
        answers = answers[known]
        self.strata = population.strata()
        self.categories = sorted(answers.unique().tolist())
        counts = pd.crosstab([strata[d] for d in DIMENSIONS], answers).reindex(
            index=pd.MultiIndex.from_tuples(self.strata), columns=self.categories, fill_value=0
        )
        self.counts = counts.fillna(0).to_numpy(dtype=float)  # (stratum, answer)
        self.answered = self.counts.sum(axis=1)  # the allocation: known to the attacker

    def index(self, h: int, c: int) -> int:
        return h * len(self.categories) + c

    def member(self, level: Level) -> np.ndarray:
        """Which strata make up a group (all of them for None)."""
        if level is None:
            return np.ones(len(self.strata), dtype=bool)
        axis = DIMENSIONS.index(level[0])
        return np.array([s[axis] == level[1] for s in self.strata])

    def margin(self, level: Level, c: int, weights: np.ndarray | None = None) -> np.ndarray:
        """Coefficients of a group's (weighted) count of answer ``c``."""
        row = np.zeros(self.counts.size)
        w = self.member(level).astype(float) * (1.0 if weights is None else weights)
        for h in np.flatnonzero(w):
            row[self.index(int(h), c)] = w[h]
        return row

    def equations(self, shown: Iterable[Level], weighted: Mapping[Level, np.ndarray]) -> tuple[np.ndarray, ...]:
        """The published numbers as equations: each stratum's allocation, each shown group's counts, and
        each shown weighted count (with a tolerance for the printed value's rounding)."""
        rows: list[np.ndarray] = []
        tolerance: list[float] = []
        k = len(self.categories)
        for h in range(len(self.strata)):
            row = np.zeros(self.counts.size)
            row[h * k : (h + 1) * k] = 1.0
            rows.append(row)
            tolerance.append(0.0)
        for level in shown:
            rows += [self.margin(level, c) for c in range(k)]
            tolerance += [0.0] * k
        for level, w in weighted.items():
            # a weighted estimate printed to a few decimals: the attacker allows its rounding, 1e-6 of a unit
            margins = [self.margin(level, c, w) for c in range(k)]
            rows += margins
            tolerance += [1e-6 * max(1.0, float(np.abs(m).sum())) for m in margins]
        values = np.array(rows) @ self.counts.ravel()
        return np.array(rows), values, np.array(tolerance)

    def exposed(
        self, blanked: Iterable[Group], shown: Iterable[Level], weighted: Mapping[Level, np.ndarray]
    ) -> list[str]:
        """The blanked groups (with the answer) whose count the published numbers confine too narrowly."""
        equations, values, tolerance = self.equations(list(shown), weighted)
        upper = np.repeat(self.answered, len(self.categories))
        total = self.counts.sum(axis=0)
        everyone = self.answered.sum()
        out = []
        for group in blanked:
            inside = self.answered[self.member(group)].sum()
            if inside == 0:
                continue  # nobody's answer: nothing to protect
            for c, category in enumerate(self.categories):
                a_priori = min(inside, total[c]) - max(0.0, total[c] - (everyone - inside))
                low, high = disclosure.feasible_range(equations, values, upper, self.margin(group, c), tolerance)
                if np.isnan(low) or disclosure.pinned(low, high, a_priori):  # unproved: blank more
                    out.append(f"{group[0]}={group[1]} ({category}: {low:.0f} to {high:.0f})")
        return out


def all_groups() -> list[Group]:
    """Every size class and sector of the codebook, in codebook order."""
    cb = codebook.load()
    return [(d, str(code)) for d in DIMENSIONS for code in cb.find(d).categories]


def design_weights(table: StratumCounts, frame: pd.DataFrame) -> np.ndarray:
    """Per stratum ``N_h / m_h`` (0 where the stratum has no answering establishment)."""
    n = frame.set_index(list(DIMENSIONS))["n_establishments"].astype(float)
    big_n = np.array([float(n.get(s, 0.0)) for s in table.strata])
    return np.divide(big_n, table.answered, out=np.zeros_like(big_n), where=table.answered > 0)


def protect_groups(
    establishments: pd.DataFrame,
    frame: pd.DataFrame | None = None,
    min_n: int = MIN_CELL,
    *,
    columns: Iterable[str] = LINKED_COLUMNS,
    linked: bool = True,
    weighted: bool = True,
) -> Protection:
    """The groups and weighted estimates every output leaves blank (module docstring).

    ``columns``: the answers published per group (absent columns are left out). ``frame`` (the
    population frame, :func:`thuiswerk.data.population.load_frame`) adds the weighted estimates to the
    audit; without it the outputs print none. ``linked=False`` is the protection switched off (the
    primary rule only, weighted estimates of a shown group shown); ``weighted=False`` leaves the weighted
    estimates out of the protection (the linked suppression of the sample's numbers only). Both exist for
    the attack test and for measuring what each part of the protection buys, never for publishing.
    """
    columns = [c for c in columns if c in establishments.columns]
    tables = [StratumCounts(establishments, c) for c in columns]
    groups = all_groups()
    size = {g: int((establishments[g[0]].astype("string") == g[1]).sum()) for g in groups}
    order = {g: i for i, g in enumerate(groups)}
    primary = {g for g in groups if any(t.answered[t.member(g)].sum() < min_n for t in tables)}
    blanked = set(primary)
    notes: list[str] = []
    # the cells to protect are the primary blanks (too few establishments); a group blanked to protect
    # them holds enough establishments that its own count is no disclosure, as in tau-argus's audit
    sensitive = [g for g in groups if g in primary and size[g] > 0]

    def live(g: Group) -> bool:
        return size[g] > 0

    def shown() -> list[Level]:
        return [None, *(g for g in groups if g not in blanked)]

    while linked and tables:
        found = [(t, e) for t in tables for e in t.exposed(sensitive, shown(), {})]
        if not found:
            break
        exposed_dims = {e.split("=")[0] for _, e in found}
        # the next-smallest group of the exposed dimension; when that dimension is blanked whole, the other
        # dimension's margins are what narrows the blank (with the allocation), so a group of it goes
        candidates = [g for g in groups if g[0] in exposed_dims and g not in blanked and live(g)]
        candidates = candidates or [g for g in groups if g not in blanked and live(g)]
        if not candidates:
            break  # every group blanked: only the total is published, which the audit measures against
        pick = min(candidates, key=lambda g: (size[g], order[g]))
        blanked.add(pick)
        shown_found = "; ".join(e for _, e in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        notes.append(f"{pick[0]}={pick[1]} blanked as well: otherwise {shown_found}")

    hidden: set[tuple[str, Level]] = set()
    if frame is not None and tables:
        blanked_strata = np.zeros(len(tables[0].strata), dtype=bool)
        for g in blanked:
            if live(g):
                blanked_strata |= tables[0].member(g)
        for column, t in zip(columns, tables):
            levels: list[Level] = [None, *groups]
            if linked and weighted:
                for level in levels:
                    if (t.member(level) & blanked_strata & (t.answered > 0)).any():
                        hidden.add((column, level))
            weights = design_weights(t, frame)
            published = {
                lv: weights for lv in levels if (column, lv) not in hidden and (lv is None or lv not in blanked)
            }
            if linked and weighted and sensitive and t.exposed(sensitive, shown(), published):
                hidden.update((column, lv) for lv in levels)
                notes.append(
                    f"every weighted estimate of {column} blanked: the design-based estimates narrowed a blank"
                )
    secondary = frozenset(blanked - primary)
    return Protection(frozenset(blanked), secondary, frozenset(hidden), tuple(notes))


def group_shares(
    establishments: pd.DataFrame,
    column: str,
    codes: str | int | Iterable,
    dimension: str,
    min_n: int = MIN_CELL,
    protection: Protection | None = None,
) -> pd.Series:
    """The share of establishments whose ``column`` is one of ``codes``, per group of ``dimension`` (codebook
    order), blank (NaN) where :func:`protect_groups` blanks the group (``protection``: that decision,
    computed here when not given); the text of chapter 8 prints these."""
    wanted = {str(c) for c in ([codes] if isinstance(codes, (str, int)) else codes)}
    protection = protection or protect_groups(
        establishments, min_n=min_n, columns=dict.fromkeys([*LINKED_COLUMNS, column])
    )
    out = {}
    for _, code in [g for g in all_groups() if g[0] == dimension]:
        answers = shares.as_text(
            establishments.loc[establishments[dimension].astype("string") == code, column]
        ).dropna()
        shown = protection.shows(dimension, code) and len(answers) > 0
        out[code] = float(answers.isin(wanted).mean()) if shown else float("nan")
    return pd.Series(out, dtype="float64").rename_axis(dimension)
