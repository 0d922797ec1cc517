"""The disclosure attack on everything published together by sector and size class.

An attacker who reads the publication — the findings table (``thuiswerk findings --format csv``: its
sample rows, its design-based estimates), figure 15, the RI&E table and the sizes in the text of chapter
8 — and who knows how many establishments of each stratum answered (the allocation; the report's ``n``
gives it away), writes every published number as an equation on the unknown count of each answer in each
stratum, and solves the integer program (:func:`thuiswerk.core.disclosure.feasible_range`) for the lowest
and highest count of each answer in each blanked group. This module does that from the published frames
alone; it does not ask :mod:`thuiswerk.data.linked` what it blanked, so it checks that module rather than
repeating it. The answer for each blanked group of fewer than :data:`~thuiswerk.core.nl.MIN_CELL`
establishments (the cells the blanking protects): the range, the truth, and whether the range gives it
away (:func:`thuiswerk.core.disclosure.pinned`).

``thuiswerk attack`` runs it on a survey before publishing (README "Disclosure control").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thuiswerk.core import codebook, disclosure
from thuiswerk.core.nl import MIN_CELL
from thuiswerk.data import linked, shares
from thuiswerk.reporting.figures import descriptive, descriptive_tables

#: Dutch group names of the RI&E table's ``dimension`` column, as codebook columns.
TABLE_DIMENSIONS = {"grootteklasse": "size_class", "sector": "sector"}
#: The linked columns and, per published share, the answers it counts (:data:`thuiswerk.data.shares.SHARES`).
COUNTED = {s.column: s.codes for s in shares.SHARES if s.by is not None}
#: The answers each findings row counts, by row id (a share's groups count what the share counts).
_CODES_OF_ROW = {
    row_id: s.codes
    for s in shares.SHARES
    for row_id, _ in shares.groups(s, {d: list(codebook.load().find(d).categories) for d in linked.DIMENSIONS})
}
#: What the RI&E table's value columns count.
TABLE_COLUMNS = {"rie": ("rie_present", ("1",)), "homeworking": ("rie_homeworking", ("een_risico", "beide_risicos"))}


@dataclass(frozen=True)
class Publication:
    """Everything published by group, as the outputs print it (blanks are NaN)."""

    findings: pd.DataFrame | None  # the findings' population rows (:func:`thuiswerk.analysis.mrp.rows`), or None
    figure: pd.DataFrame  # figure 15 (:func:`thuiswerk.reporting.figures.descriptive.rie_data`)
    table: pd.DataFrame  # the RI&E table (:func:`thuiswerk.reporting.figures.descriptive_tables.rie_by_sector_data`)
    text: pd.Series  # the RI&E per size class in the text (:func:`thuiswerk.data.linked.group_shares`)


def publication(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    findings: pd.DataFrame | None,
    protection: linked.Protection,
    min_n: int = MIN_CELL,
) -> Publication:
    """The by-group outputs of the report under one ``protection`` (the findings rows are made by the caller
    with the same protection); an output whose columns the survey lacks is empty, as the report leaves it out."""
    has = set(establishments.columns)
    return Publication(
        findings=findings,
        figure=descriptive.rie_data(establishments, employees, min_n, protection)
        if "rie_homeworking" in has
        else pd.DataFrame(columns=["group_code", "category_code", "share"]),
        table=descriptive_tables.rie_by_sector_data(establishments, employees, min_n, protection)
        if {"rie_present", "rie_homeworking"} <= has
        else pd.DataFrame(columns=["dimension", "group_code", "rie", "homeworking"]),
        text=linked.group_shares(establishments, "rie_present", 1, "size_class", min_n, protection)
        if "rie_present" in has
        else pd.Series(dtype="float64"),
    )


class _Attacker:
    """The unknown counts of one column (per stratum and answer) and the equations the publication gives."""

    def __init__(self, establishments: pd.DataFrame, column: str, frame: pd.DataFrame | None) -> None:
        table = linked.StratumCounts(establishments, column)
        self.strata, self.categories, self.answered = table.strata, table.categories, table.answered
        self.truth = table.counts
        self.weights = None if frame is None else linked.design_weights(table, frame)
        self._table = table
        k = len(self.categories)
        self.rows: list[np.ndarray] = []
        self.values: list[float] = []
        self.tolerance: list[float] = []
        for h in range(len(self.strata)):  # each stratum's answers add up to its allocation
            row = np.zeros(self.truth.size)
            row[h * k : (h + 1) * k] = 1.0
            self.add(row, float(self.answered[h]), 0.0)

    def member(self, dimension: str | None, code: str | None) -> np.ndarray:
        return self._table.member(None if dimension is None else (str(dimension), str(code)))

    def coefficients(self, dimension: str | None, code: str | None, codes, weighted: bool = False) -> np.ndarray:
        """The (weighted) count of ``codes`` in a group, as coefficients on the unknowns."""
        w = self.member(dimension, code).astype(float)
        if weighted:
            w = w * self.weights
        c = np.isin(self.categories, list(codes)).astype(float)
        return np.outer(w, c).ravel()

    def add(self, row: np.ndarray, value: float, tolerance: float) -> None:
        self.rows.append(row)
        self.values.append(value)
        self.tolerance.append(tolerance)

    def share(self, dimension: str | None, code: str | None, codes, share: float) -> None:
        """A published share of a group: a count, given the group's allocation."""
        if pd.isna(share):
            return
        n = float(self.answered[self.member(dimension, code)].sum())
        self.add(self.coefficients(dimension, code, codes), round(float(share) * n), 0.0)

    def design(self, dimension: str | None, code: str | None, codes, estimate: float) -> None:
        """A published design-based estimate for all establishments: a weighted count over the group's strata."""
        if pd.isna(estimate) or self.weights is None:
            return
        inside = self.member(dimension, code) & (self.answered > 0)
        covered = float((self.weights * self.answered)[inside].sum())
        row = self.coefficients(dimension, code, codes, weighted=True)
        self.add(row, float(estimate) * covered, 1e-6 * max(1.0, covered))

    def range(self, dimension: str, code: str, c: int) -> tuple[float, float]:
        target = self.coefficients(dimension, code, [self.categories[c]])
        upper = np.repeat(self.answered, len(self.categories))
        return disclosure.feasible_range(
            np.array(self.rows), np.array(self.values), upper, target, np.array(self.tolerance)
        )


def _level(by: str) -> tuple[str | None, str | None]:
    if not isinstance(by, str) or not by:
        return None, None
    dimension, code = by.split("=", 1)
    return dimension, code


def _read(attackers: Mapping[str, _Attacker], published: Publication) -> None:
    """Every published number of the publication as an equation of its column's attacker."""
    if published.findings is not None:
        rows = published.findings[published.findings["outcome"].isin(list(attackers))]
        for _, r in rows.iterrows():
            a, codes = attackers[r["outcome"]], _CODES_OF_ROW[r["id"]]
            dimension, code = _level(r["by"])
            if r["population"] == "sample":
                a.share(dimension, code, codes, r["mean"])
            elif r["population"] == "establishments":
                a.design(dimension, code, codes, r["design_mean"])
    for _, r in published.table.iterrows():
        dimension, code = TABLE_DIMENSIONS.get(r["dimension"]), r["group_code"]
        for value, (column, codes) in TABLE_COLUMNS.items():
            if column in attackers:
                a = attackers[column]
                a.share(dimension, None if dimension is None else code, codes, r[value])
    if "rie_homeworking" in attackers:
        for _, r in published.figure.iterrows():
            dimension = None if r["group_code"] == "alle" else "size_class"
            code = None if dimension is None else str(r["group_code"])
            attackers["rie_homeworking"].share(dimension, code, [str(r["category_code"])], r["share"])
    if "rie_present" in attackers:
        for size_class, value in published.text.items():
            attackers["rie_present"].share("size_class", str(size_class), ("1",), value)


def _blanked(published: Publication) -> set[tuple[str, str]]:
    """The groups the publication leaves blank somewhere (the attacker sees the dashes)."""
    out: set[tuple[str, str]] = set()
    for _, r in published.table.iterrows():
        if r["dimension"] in TABLE_DIMENSIONS and pd.isna(r["rie"]) and pd.isna(r["homeworking"]):
            out.add((TABLE_DIMENSIONS[r["dimension"]], str(r["group_code"])))
    for code, shares_of in published.figure.groupby("group_code")["share"]:
        if code != "alle" and shares_of.isna().all():
            out.add(("size_class", str(code)))
    out.update(("size_class", str(code)) for code, value in published.text.items() if pd.isna(value))
    if published.findings is not None:
        sample = published.findings[(published.findings["population"] == "sample") & (published.findings["by"] != "")]
        for by in sample.loc[sample["mean"].isna(), "by"]:
            dimension, code = str(by).split("=", 1)
            out.add((dimension, code))
    return out


def attack(
    establishments: pd.DataFrame, frame: pd.DataFrame | None, published: Publication, min_n: int = MIN_CELL
) -> pd.DataFrame:
    """What the attacker learns about each protected cell: one row per blanked group of fewer than
    ``min_n`` answering establishments and answer, with the feasible range (``low``, ``high``), the
    ``truth``, the width the total alone leaves (``a_priori``) and ``pinned`` (given away)."""
    columns = [c for c in COUNTED if c in establishments.columns]
    attackers = {c: _Attacker(establishments, c, frame) for c in columns}
    _read(attackers, published)
    cb = codebook.load()
    out = []
    for column, a in attackers.items():
        total = a.truth.sum(axis=0)
        everyone = a.answered.sum()
        for dimension, code in sorted(_blanked(published)):
            inside = a.member(dimension, code)
            n = float(a.answered[inside].sum())
            if n == 0 or n >= min_n:
                continue
            for c, category in enumerate(a.categories):
                low, high = a.range(dimension, code, c)
                a_priori = min(n, total[c]) - max(0.0, total[c] - (everyone - n))
                label = cb.find(dimension).categories.get(code, code)
                out.append({"column": column, "dimension": dimension, "group": code, "label": label,
                            "answer": category, "n": int(n), "truth": float(a.truth[inside, c].sum()),
                            "low": low, "high": high, "a_priori": a_priori,
                            "pinned": bool(np.isnan(low) or disclosure.pinned(low, high, a_priori))})  # fmt: skip
    return pd.DataFrame(out, columns=["column", "dimension", "group", "label", "answer", "n", "truth", "low",
                                      "high", "a_priori", "pinned"])  # fmt: skip
