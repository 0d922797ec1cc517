"""Conforming the chunks read to the codebook: renaming, recoding codes and labels, coercing the dtypes.

A :class:`Conformer` turns the chunks of one table's :class:`~thuiswerk.data.readers.Source`
into codebook columns in codebook dtypes (:data:`thuiswerk.data.schema.DTYPES`):
it renames the columns by the mapping file, recodes each column's codes,
labels and SPSS value labels into codebook codes (declared missing values are
empty), and coerces the dtypes. Problems of the header and of the mapping file
raise :class:`~thuiswerk.data.files.DataError`; problems of single values or
columns become violations: a code or label that matches no codebook code is
reported once per distinct label, with the number of rows, the first row and
the nearest codebook label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from thuiswerk.core.codebook import Codebook, Variable
from thuiswerk.data.coerce import CHUNK_CELLS, coerce_table
from thuiswerk.data.files import DataError
from thuiswerk.data.mapping import TableMapping, find_code, nearest_label, normalise
from thuiswerk.data.readers import Source, in_missing_ranges
from thuiswerk.data.schema import absent_columns, column_violations
from thuiswerk.data.violations import Violation, format_value, membership_rule


def _label_targets(
    var: Variable, labels: dict[Any, str], missing: list[dict[str, Any]], recode: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, tuple[Any, str]]]:
    """Map each SPSS value label of a column onto a codebook code.

    Order: the mapping file (by code, then by label text); the label text equal
    to a codebook code or label (after :func:`normalise`: accents, case and
    spaces do not count); for boolean/ordinal, the numeric code itself when it
    is a codebook code. Returns (normalised code -> target, unmapped).
    """
    targets: dict[str, Any] = {}
    unmapped: dict[str, tuple[Any, str]] = {}
    for code, label in labels.items():
        if in_missing_ranges(code, missing):
            continue
        key = normalise(code)
        if key in recode:
            targets[key] = recode[key]
        elif normalise(label) in recode:
            targets[key] = recode[normalise(label)]
        elif not var.categories:
            continue  # integer/float: labels only annotate; the number stands
        else:
            found, target = find_code(var, label)
            if not found and var.type in ("boolean", "ordinal"):
                found, target = any(normalise(c) == key for c in var.codes), code
            if found:
                targets[key] = target
            else:
                unmapped[key] = (code, label)
    return targets, unmapped


def _is_number(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    if isinstance(value, str):
        try:
            float(value.strip())
        except ValueError:
            return False
        return True
    return False


@dataclass
class _Unmatched:
    """One distinct code or label that matches no codebook code, over all chunks."""

    value: Any  # as first seen in the file
    label: str | None  # the SPSS value label, when the value is a labelled code
    rows: list[np.ndarray] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(r) for r in self.rows)


class _ColumnRecode:
    """How the cells of one column become codebook codes (per distinct value)."""

    _EMPTY = object()
    _KEEP = object()

    def __init__(self, var: Variable, recode: dict[str, Any], labels: dict[Any, str], missing: list[dict[str, Any]]):
        self.var = var
        self.recode = recode
        self.targets, self.unmapped = _label_targets(var, labels, missing, recode) if labels else ({}, {})
        self.unmatched: dict[str, _Unmatched] = {}
        self.text = var.type == "category"  # cells stay text: an unmatched label is kept as read

    def target(self, value: Any) -> Any:
        """The codebook code, :attr:`_EMPTY`, :attr:`_KEEP` (let coercion judge), or an :class:`_Unmatched` key."""
        key = normalise(value)
        if key == "":
            return self._EMPTY
        if key in self.targets:
            return self.targets[key]
        if key in self.unmapped:
            return ("unmatched", key)
        if key in self.recode:
            target = self.recode[key]
            return self._EMPTY if target is None else target
        var = self.var
        if not var.categories:
            return self._KEEP
        text = value.strip() if isinstance(value, str) else value
        if text in var.categories:
            return text
        found, code = find_code(var, value)
        if found:
            return code
        if var.type != "category" and _is_number(value):
            return self._KEEP  # a number that is no code: the membership rule reports it row by row
        return ("unmatched", key)

    def apply(self, series: pd.Series, rows: np.ndarray) -> tuple[pd.Series, np.ndarray]:
        """The recoded column and the rows of its unmatched cells."""
        codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
        out = np.empty(len(uniques) + 1, dtype=object)
        out[-1] = None
        unmatched_index: list[int] = []
        for i, value in enumerate(uniques):
            target = self.target(value)
            if target is self._EMPTY:
                out[i] = None
            elif target is self._KEEP:
                out[i] = value
            elif isinstance(target, tuple) and target and target[0] == "unmatched":
                key = target[1]
                positions = np.flatnonzero(codes == i)
                entry = self.unmatched.get(key)
                if entry is None:
                    label = self.unmapped[key][1] if key in self.unmapped else None
                    entry = self.unmatched[key] = _Unmatched(value, label)
                entry.rows.append(rows[positions])
                unmatched_index.append(i)
                out[i] = (self.unmapped[key][1] if key in self.unmapped else value) if self.text else None
            else:
                out[i] = target
        recoded = pd.Series(out[codes], index=series.index, dtype=object)
        bad = rows[np.isin(codes, unmatched_index)] if unmatched_index else rows[:0]
        return recoded, bad

    def violations(self, file: str, table: str, column: str) -> list[Violation]:
        """One violation per distinct unmatched value (rows counted, first row named), and per unused unmatched label."""
        hint = f"map it under {table}: values: {column}: in the mapping file"
        out = []
        for key, entry in self.unmatched.items():
            rows = np.concatenate(entry.rows)
            first = int(rows.min())
            n = len(rows)
            where = f"in {n} row{'s' if n != 1 else ''}; the first is row {first}"
            nearest = nearest_label(self.var, entry.label if entry.label is not None else entry.value)
            suggestion = f"; nearest codebook label: {nearest}" if nearest else ""
            if entry.label is not None:
                code = self.unmapped[key][0]
                rule = f"value label {entry.label!r} (code {format_value(code)}) matches no codebook code ({where}){suggestion}; {hint}"
                value = None
            else:
                rule = f"{membership_rule(self.var)}, or a codebook label ({where}){suggestion}; {hint}"
                value = entry.value
            out.append(Violation(file, first, column, rule, value, rows=tuple(sorted(rows.tolist()))))
        for key, (code, label) in self.unmapped.items():
            if key not in self.unmatched:
                nearest = nearest_label(self.var, label)
                suggestion = f"; nearest codebook label: {nearest}" if nearest else ""
                rule = f"value label {label!r} (code {format_value(code)}) matches no codebook code{suggestion}; {hint}"
                out.append(Violation(file, None, column, rule))
        return out


class Conformer:
    """Rename, recode and coerce the chunks of one table; problems become violations.

    Problems of the header and of the mapping file (a duplicate column, a
    mapping entry naming a column the file does not have, a column declared
    absent that the file has) raise :class:`DataError` at construction.
    """

    def __init__(self, source: Source, table: str, spec: TableMapping, mapping_source: str, cb: Codebook) -> None:
        self.source, self.table, self.cb = source, table, cb
        name = self.file = source.path.name
        self.header_row = 1 if source.path.suffix.lower() == ".csv" else None
        own = [str(c).strip() or f"(unnamed column {i + 1})" for i, c in enumerate(source.columns)]
        fatal = [
            Violation(name, self.header_row, col, "column appears more than once")
            for col in sorted({c for c in own if own.count(c) > 1})
        ]
        renamed = [spec.rename(c) for c in own]
        for target in sorted({c for c in renamed if renamed.count(c) > 1} - {c for c in own if own.count(c) > 1}):
            sources = [o for o, r in zip(own, renamed) if r == target]
            fatal.append(
                Violation(
                    name, self.header_row, target, f"columns {', '.join(sources)} all map onto this codebook column"
                )
            )
        used = {spec.source(c) for c in own} - {None}
        for theirs, ours in spec.columns.items():
            if theirs not in used:
                rule = (
                    f"{table}.columns.{theirs}: {name} has no column {theirs!r} (mapped onto {ours}); correct the "
                    f"name, or remove the entry and list {ours} under {table}: absent: if the survey lacks it"
                )
                fatal.append(Violation(mapping_source, None, theirs, rule))
        for column in spec.values:
            if column not in renamed:
                rule = (
                    f"{table}.values.{column}: {name} has no column {column} (after renaming); "
                    "correct the name, or remove the entry"
                )
                fatal.append(Violation(mapping_source, None, column, rule))
        for column in spec.absent:
            if column in renamed:
                own_name = own[renamed.index(column)]
                rule = (
                    f"{table}.absent.{column}: declared absent, but {name} has it (column {own_name!r}); "
                    "remove it from absent, or remove the column from the file"
                )
                fatal.append(Violation(mapping_source, None, column, rule))
        if fatal:
            raise DataError(fatal)
        self.columns = renamed
        self.header_violations = column_violations(renamed, table, file=name, header_row=self.header_row, cb=cb)
        self.absent = absent_columns(renamed, table, cb)
        self.known = [c for c in cb.columns(table) if c in renamed]  # type: ignore[arg-type]
        self.position = {c: renamed.index(c) for c in self.known}
        self.recodes: dict[str, _ColumnRecode] = {}
        for column in self.known:
            var = cb.get(table, column)  # type: ignore[arg-type]
            recode = spec.values.get(column, {})
            own_name = source.columns[self.position[column]]
            labels = source.value_labels.get(own_name, {})
            if var.categories or recode:
                missing = source.missing_ranges.get(own_name, [])
                self.recodes[column] = _ColumnRecode(var, recode, labels, missing)
        self.n_rows = 0

    def chunk_rows(self) -> int:
        return max(1, CHUNK_CELLS // max(1, len(self.source.columns)))

    def conform(
        self, frame: pd.DataFrame, rows: np.ndarray
    ) -> tuple[pd.DataFrame, list[Violation], set[tuple[int, str]]]:
        """One chunk as codebook columns in codebook dtypes, its coercion problems, and the cells already reported."""
        self.n_rows += len(frame)
        columns: dict[str, pd.Series] = {}
        flagged: set[tuple[int, str]] = set()
        for column in self.known:
            series = frame[self.position[column]]
            recode = self.recodes.get(column)
            if recode is not None:
                series, bad = recode.apply(series, rows)
                flagged.update((int(r), column) for r in bad.tolist())
            columns[column] = series.rename(column)
        coerced, problems = coerce_table(
            pd.DataFrame(columns, index=pd.RangeIndex(len(frame))), self.table, file=self.file, rows=rows, cb=self.cb
        )
        flagged.update(cell for v in problems for cell in v.cells())
        return coerced, problems, flagged

    def finish(self) -> list[Violation]:
        """Violations known only at the end: unmatched labels (once each) and an empty table."""
        out = list(self.header_violations)
        for column, recode in self.recodes.items():
            out += recode.violations(self.file, self.table, column)
        if self.n_rows == 0:
            out.append(Violation(self.file, None, None, "contains no data rows"))
        return out


def empty_frame(conformer: Conformer) -> pd.DataFrame:
    """The table without rows: its codebook columns in their codebook dtypes."""
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in conformer.known})
    return coerce_table(frame, conformer.table, file=conformer.file, rows=[], cb=conformer.cb)[0]
