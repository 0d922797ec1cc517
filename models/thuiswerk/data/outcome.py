"""The outcome of a validation: :class:`ValidationReport`, its violation lines and its summary tables.

:class:`ValidationReport` holds every violation (sorted by file, row and
column), the absent optional columns and the counts of the summary;
:meth:`ValidationReport.violation_lines` lists them for a person (at most
:data:`VIOLATIONS_SHOWN`, then "... and K more") and
:meth:`ValidationReport.summary` gives the tables (sizes, counts per design
column, absent columns, missingness, violations by column). The counts are
kept per table in :class:`TableStats`, accumulated chunk by chunk
(:meth:`TableStats.add`), so a survey validated in chunks needs no full table.

Imports :mod:`thuiswerk.core.codebook`, :mod:`thuiswerk.data.violations` and
:mod:`thuiswerk.data.rowrules` (which rows a variable applies to).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import TABLES, Codebook, Variable
from thuiswerk.data.rowrules import applicability
from thuiswerk.data.violations import Violation, is_empty

if TYPE_CHECKING:  # pragma: no cover
    from pandas.api.typing import NAType

EMPTY_LABEL = "(empty)"

#: Default number of violation lines :meth:`ValidationReport.format_violations` shows.
VIOLATIONS_SHOWN = 20


@dataclass
class TableStats:
    """What the summary needs of one table, accumulated over its chunks.

    ``counts``: column -> {value (None for empty): rows}, for the required
    category columns (the design: role, sector, size class).
    ``applicable`` / ``empty`` / ``not_applicable``: per present column.
    """

    rows: int = 0
    counts: dict[str, Counter] = field(default_factory=dict)
    applicable: Counter = field(default_factory=Counter)
    empty: Counter = field(default_factory=Counter)
    not_applicable: Counter = field(default_factory=Counter)
    columns: tuple[str, ...] = ()

    def add(self, table: str, frame: pd.DataFrame, cb: Codebook) -> None:
        """Count one chunk of coerced codebook columns of ``table``."""
        self.rows += len(frame)
        for var in _count_columns(cb, table):
            if var.name in frame.columns:
                counts = self.counts.setdefault(var.name, Counter())
                for value, n in frame[var.name].value_counts(dropna=False).items():
                    counts[None if is_empty(value) else value] += int(n)
        for var in cb.table(table):  # type: ignore[arg-type]
            if var.name not in frame.columns:
                continue
            _, not_applies = applicability(frame, var, cb)
            applicable = ~not_applies
            self.applicable[var.name] += int(applicable.sum())
            self.empty[var.name] += int((frame[var.name].isna() & applicable).sum())
            self.not_applicable[var.name] += int(not_applies.sum())


def _count_columns(cb: Codebook, table: str) -> list[Variable]:
    """The columns counted code by code in the summary: the required category columns."""
    return [v for v in cb.table(table) if v.required and v.type == "category"]  # type: ignore[arg-type]


@dataclass
class ValidationReport:
    """The outcome of :func:`thuiswerk.data.validation.validate_survey` or :func:`thuiswerk.data.survey.validate_folder`.

    ``violations`` lists every problem (load-time and validation), sorted by
    file, row and column. ``tables`` holds the coerced tables that were checked
    (empty when the survey was validated chunk by chunk). ``absent`` lists per
    table the optional codebook columns the survey does not have; the rules
    that need them were skipped.
    """

    violations: list[Violation]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    files: dict[str, str] = field(default_factory=dict)
    codebook: Codebook | None = field(default=None, repr=False)
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stats: dict[str, TableStats] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def absent_columns(self) -> list[tuple[str, str]]:
        """``(table, column)`` of every absent optional column, in codebook order."""
        return [(t, c) for t in TABLES for c in self.absent.get(t, ())]

    def __str__(self) -> str:
        lines = ["no violations" if self.ok else f"{len(self.violations)} violation(s):"]
        if not self.ok:
            lines += self.violation_lines(limit=None)
        lines += self.absent_lines()
        return "\n".join(lines)

    def violation_lines(
        self, limit: int | None = VIOLATIONS_SHOWN, *, indent: str = "  ", more: str = "run with --all to see every one"
    ) -> list[str]:
        """At most ``limit`` violations, one a line, then ``... and K more (MORE)``.

        ``limit=None`` lists every violation. ``more`` is the advice in the last
        line (for example the exact command to run).
        """
        shown = self.violations if limit is None else self.violations[: max(limit, 0)]
        lines = [f"{indent}{v}" for v in shown]
        rest = len(self.violations) - len(shown)
        if rest:
            lines.append(f"{indent}... and {rest} more ({more})")
        return lines

    def format_violations(
        self, limit: int | None = VIOLATIONS_SHOWN, *, indent: str = "  ", more: str = "run with --all to see every one"
    ) -> str:
        """:meth:`violation_lines` joined by newlines."""
        return "\n".join(self.violation_lines(limit, indent=indent, more=more))

    def absent_lines(self, *, indent: str = "") -> list[str]:
        """One line per table with absent optional columns (none when nothing is absent)."""
        return [
            f"{indent}{self.files.get(t, t)}: absent (optional, not in the data; the rules and models "
            f"that need them are skipped): {', '.join(cols)}"
            for t in TABLES
            if (cols := self.absent.get(t, ()))
        ]

    def _stats(self) -> dict[str, TableStats]:
        if self.stats is not None:
            return self.stats
        cb = self.codebook or codebook_module.load()
        stats: dict[str, TableStats] = {}
        for table in TABLES:
            frame = self.tables.get(table, pd.DataFrame())
            stats[table] = TableStats(columns=tuple(c for c in cb.columns(table) if c in frame.columns))
            stats[table].add(table, frame.reset_index(drop=True), cb)
        self.stats = stats
        return self.stats

    def summary(self) -> dict[str, pd.DataFrame]:
        """Tables for a human: sizes, counts per design column, absent columns, missingness.

        Every value is a DataFrame (the CLI prints each as a table under its
        key): ``tables`` (rows and violations per file), ``<table> by
        <column>`` for every required category column (role, size class,
        sector), ``absent columns`` (only when there are), ``missingness``
        and, when there are violations, ``violations by column``. Counts
        include invalid codes and empty cells; nothing is dropped.
        """
        cb = self.codebook or codebook_module.load()
        stats = self._stats()
        out: dict[str, pd.DataFrame] = {}
        out["tables"] = pd.DataFrame(
            {
                "file": [self.files.get(t, t) for t in TABLES],
                "rows": [stats[t].rows for t in TABLES],
                "violations": [sum(v.file == self.files.get(t, t) for v in self.violations) for t in TABLES],
                "absent columns": [len(self.absent.get(t, ())) for t in TABLES],
            },
            index=pd.Index(list(TABLES), name="table"),
        )
        for table in reversed(TABLES):  # employees by role first, then the establishments' design
            for var in _count_columns(cb, table):
                out[f"{table} by {var.name}"] = _counts(stats[table].counts.get(var.name, Counter()), var)
        if self.absent_columns:
            out["absent columns"] = pd.DataFrame(
                [(t, c, cb.get(t, c).label) for t, c in self.absent_columns],  # type: ignore[arg-type]
                columns=["table", "variable", "label"],
            ).set_index(["table", "variable"])
        out["missingness"] = _missingness(stats, cb)
        if self.violations:
            out["violations by column"] = (
                pd.DataFrame(
                    [(v.file, v.column or "", v.rule) for v in self.violations], columns=["file", "column", "rule"]
                )
                .groupby(["file", "column"], sort=False)
                .size()
                .rename("violations")
                .reset_index()
            )
        return out


def _counts(observed: Counter, var: Variable) -> pd.DataFrame:
    """Counts per code in codebook order, then invalid values, then empty cells."""
    codes = list(var.codes) + [c for c in observed if c is not None and c not in var.categories]
    records = [(str(c), var.categories.get(c, "(not a codebook code)"), int(observed.get(c, 0))) for c in codes]
    n_empty = int(observed.get(None, 0))
    if n_empty:
        records.append((EMPTY_LABEL, "", n_empty))
    result = pd.DataFrame(records, columns=[var.name, "label", "n"]).set_index(var.name)
    total = result["n"].sum()
    result["share"] = result["n"] / total if total else np.nan
    return result


def _missingness(stats: dict[str, TableStats], cb: Codebook) -> pd.DataFrame:
    """Per variable: applicable rows, empty cells among them and their share,
    structurally not applicable rows, and whether the codebook allows empties.

    Rows whose applicability is unknown (condition column empty, invalid or
    absent) count as applicable. An absent column has empty (NA) counts.
    """
    records: list[tuple[str, str, int | NAType, int | NAType, float, int | NAType, bool]] = []
    for table in TABLES:
        s = stats[table]
        for var in cb.table(table):
            if var.name not in s.columns:
                records.append((table, var.name, pd.NA, pd.NA, np.nan, pd.NA, var.missing is not None))
                continue
            n_app = s.applicable[var.name]
            n_empty = s.empty[var.name]
            share = n_empty / n_app if n_app else np.nan
            records.append(
                (table, var.name, n_app, n_empty, share, s.not_applicable[var.name], var.missing is not None)
            )
    result = pd.DataFrame(
        records,
        columns=["table", "variable", "applicable", "empty", "empty_share", "not_applicable", "may_be_empty"],
    ).set_index(["table", "variable"])
    return result.astype({"applicable": "Int64", "empty": "Int64", "not_applicable": "Int64"})
