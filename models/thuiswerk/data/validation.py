"""Validation of the survey tables against the codebook: every rule run, table by table and chunk by chunk.

Every rule is generated from :mod:`thuiswerk.core.codebook`; nothing here names a
survey variable. Four layers, all collected (never fail-fast):

1. **Columns** (:func:`thuiswerk.data.schema.column_violations`,
   :func:`~thuiswerk.data.schema.absent_columns`): unknown and missing required
   columns are violations; a missing optional column is **absent**:
   :attr:`ValidationReport.absent <thuiswerk.data.outcome.ValidationReport.absent>`
   lists it, and every rule that involves it is skipped.
2. **Coercion** (:mod:`thuiswerk.data.coerce`): each codebook column brought to
   its codebook dtype; a value that cannot be coerced is a violation and an
   empty cell.
3. **Per-column rules** (pandera, ``lazy=True``, :mod:`thuiswerk.data.schema`):
   dtype, range, category membership.
4. **Rules between columns and rows** (plain pandas): ``applies_when``,
   never-empty variables and the codebook's ``constraints``
   (:mod:`thuiswerk.data.rowrules`); uniqueness of each table's key, every
   employee's ``establishment_id`` existing in the establishments table, and
   the sample design (``at_most_one_per``) (:mod:`thuiswerk.data.tablerules`).

The rules run through :class:`SurveyChecker`, which takes each table in
chunks and keeps only what the rules between rows need (the key, the parent
column and the design columns) and the counts of the summary. So a survey far
larger than memory allows for its full tables can be validated
(:func:`thuiswerk.data.survey.validate_folder`); :func:`validate_survey` checks a
loaded survey as one chunk per table. Row numbers are those of
:class:`~thuiswerk.data.violations.Violation`.

Imports :mod:`thuiswerk.core.codebook` and the modules of the rules and the
report: :mod:`thuiswerk.data.violations`, :mod:`~thuiswerk.data.coerce`,
:mod:`~thuiswerk.data.schema`, :mod:`~thuiswerk.data.rowrules`,
:mod:`~thuiswerk.data.tablerules` and :mod:`~thuiswerk.data.outcome`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pandera.pandas as pa

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import TABLES, Codebook
from thuiswerk.data.coerce import CHUNK_CELLS, coerce_table
from thuiswerk.data.outcome import TableStats, ValidationReport
from thuiswerk.data.rowrules import conditional_violations, constraint_violations
from thuiswerk.data.schema import absent_columns, build_schema, column_violations, pandera_violations
from thuiswerk.data.tablerules import design_violations, foreign_key_violations, unique_violations
from thuiswerk.data.violations import Violation

if TYPE_CHECKING:  # pragma: no cover
    from thuiswerk.data.survey import Survey


class SurveyChecker:
    """Check a survey table by table, each in one or more chunks.

    For every table (the parent table first)::

        checker.start_table(table, file, columns, header_row)
        for frame, rows in chunks:            # coerced codebook columns
            checker.add(table, frame, rows, flagged)
        report = checker.finish(load_violations)

    Per chunk it runs the per-column rules, ``applies_when``, the codebook's
    constraints and counts for the summary; it keeps only the columns the
    rules between rows need (key, parent column, ``at_most_one_per``
    columns), which :meth:`finish` checks over the whole table.
    """

    def __init__(self, cb: Codebook | None = None) -> None:
        self.cb = cb or codebook_module.load()
        self.files: dict[str, str] = {}
        self.absent: dict[str, tuple[str, ...]] = {}
        self.stats: dict[str, TableStats] = {}
        self.violations: list[Violation] = []
        self._schemas: dict[tuple[str, tuple[str, ...]], pa.DataFrameSchema] = {}
        self._kept: dict[str, list[pd.DataFrame]] = {}
        self._rows: dict[str, list[np.ndarray]] = {}

    def _keep_columns(self, table: str) -> list[str]:
        cols = [self.cb.keys[table]]
        parent = self.cb.parent
        if table != parent["table"]:
            cols.append(parent["column"])
        cols += [c for c in self.cb.at_most_one_per.get(table, ()) if c not in cols]
        return cols

    def start_table(self, table: str, file: str, columns: Iterable[str], header_row: int | None) -> None:
        """Register a table: its column violations and absent optional columns."""
        columns = list(columns)
        self.files[table] = file
        self.violations += column_violations(columns, table, file=file, header_row=header_row, cb=self.cb)
        self.absent[table] = absent_columns(columns, table, self.cb)
        self.stats[table] = TableStats(columns=tuple(c for c in self.cb.columns(table) if c in columns))  # type: ignore[arg-type]
        self._kept[table] = []
        self._rows[table] = []

    def add(
        self,
        table: str,
        frame: pd.DataFrame,
        rows: Sequence[int] | np.ndarray,
        flagged: Iterable[tuple[int, str]] = (),
    ) -> None:
        """Check one chunk of coerced codebook columns.

        ``rows``: the row number of each position; ``flagged``: ``(row, column)``
        cells already reported (unreadable values, unknown labels), which are
        not reported again as out of range or empty.
        """
        cb = self.cb
        file = self.files[table]
        rows = np.asarray(rows, dtype=np.int64)
        frame = frame.reset_index(drop=True)
        flagged = flagged if isinstance(flagged, set) else set(flagged)
        present = tuple(c for c in cb.columns(table) if c in frame.columns)  # type: ignore[arg-type]
        schema = self._schemas.get((table, present))
        if schema is None:
            schema = self._schemas[(table, present)] = build_schema(table, present, cb, unique=False)
        self.violations += pandera_violations(frame[list(present)], schema, table, file, rows, cb, flagged)
        self.violations += conditional_violations(frame, table, file, rows, cb, flagged)
        self.violations += constraint_violations(frame, table, file, rows, cb)
        self.stats[table].add(table, frame, cb)
        keep = [c for c in self._keep_columns(table) if c in frame.columns]
        self._kept[table].append(frame[keep].copy())
        self._rows[table].append(rows)

    def _table(self, table: str) -> tuple[pd.DataFrame, np.ndarray]:
        """The kept columns of a whole table and its row numbers (the chunks are released)."""
        parts, self._kept[table] = self._kept.get(table) or [], []
        chunk_rows, self._rows[table] = self._rows.get(table) or [], []
        if not parts:
            return pd.DataFrame(), np.zeros(0, dtype=np.int64)
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        del parts
        return frame, np.concatenate(chunk_rows)

    def finish(
        self, load_violations: Iterable[Violation] = (), tables: dict[str, pd.DataFrame] | None = None
    ) -> ValidationReport:
        """Check the rules between rows and tables; the report with every violation, sorted."""
        cb = self.cb
        kept = {t: self._table(t) for t in self.files}
        violations = list(load_violations) + self.violations
        for table, (frame, rows) in kept.items():
            violations += unique_violations(frame, rows, table, self.files[table], cb)
            violations += design_violations(frame, rows, table, self.files[table], cb)
        violations += foreign_key_violations(kept, self.files, cb)
        files: dict[str, str] = {t: self.files.get(t, t) for t in TABLES}
        return ValidationReport(
            _sorted_unique(violations, files, cb),
            tables if tables is not None else {},
            files,
            cb,
            absent={t: self.absent.get(t, ()) for t in TABLES},
            stats={t: self.stats.get(t, TableStats()) for t in TABLES},
        )


# --------------------------------------------------------------------------- entry point


def validate_survey(survey: Survey, cb: Codebook | None = None) -> ValidationReport:
    """Check a loaded survey against the codebook; collect every violation.

    ``survey`` is what :func:`thuiswerk.data.survey.load_survey` returns (any object
    with ``establishments``, ``employees``, ``violations``, ``file_label(t)``,
    ``rows(t)`` and ``header_row(t)`` works). Load-time violations are included.
    Never raises for bad data. An optional codebook column the survey does not
    have is listed in :attr:`ValidationReport.absent`, not reported. The
    tables are checked in slices of :data:`CHUNK_CELLS` cells, so checking
    needs little memory beyond the tables themselves; ``report.tables`` holds
    the survey's tables as given.
    """
    cb = cb or codebook_module.load()
    load_violations: list[Violation] = list(getattr(survey, "violations", ()))
    checker = SurveyChecker(cb)
    tables: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        file = survey.file_label(table)
        raw = tables[table] = getattr(survey, table)
        rows = np.asarray(survey.rows(table), dtype=np.int64)
        checker.start_table(table, file, raw.columns, survey.header_row(table))
        known = [c for c in cb.columns(table) if c in raw.columns]
        flagged = {cell for v in load_violations if v.file == file for cell in v.cells()}
        step = max(1, CHUNK_CELLS // max(1, len(known)))
        for start in range(0, len(raw), step):
            part_rows = rows[start : start + step]
            frame, problems = coerce_table(
                raw.iloc[start : start + step][known], table, file=file, rows=part_rows, cb=cb
            )
            checker.violations += problems
            flagged.update(cell for v in problems for cell in v.cells())
            checker.add(table, frame, part_rows, flagged)
    return checker.finish(load_violations, tables)


def _sorted_unique(violations: list[Violation], files: dict[str, str], cb: Codebook) -> list[Violation]:
    seen: set[tuple] = set()
    unique = []
    for v in violations:
        if v.key() not in seen:
            seen.add(v.key())
            unique.append(v)
    file_rank = {f: i for i, f in enumerate(files[t] for t in TABLES)}
    col_rank: dict[tuple[str, str], int] = {}
    for t in TABLES:
        for i, name in enumerate(cb.columns(t)):
            col_rank[(files[t], name)] = i

    def sort_key(v: Violation) -> tuple:
        return (
            file_rank.get(v.file, len(file_rank)),
            v.file,
            -1 if v.row is None else v.row,
            col_rank.get((v.file, v.column or ""), 10_000),
        )

    return sorted(unique, key=sort_key)
