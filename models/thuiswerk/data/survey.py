"""Loading, validating and writing the two survey tables (establishments, employees).

:func:`load_survey` reads a folder holding ``establishments.<ext>`` and
``employees.<ext>`` (``ext``: ``csv``, ``parquet`` or ``sav``, in any case:
``employees.CSV`` is found too; the two tables may use different formats;
:mod:`thuiswerk.data.readers`), applies an optional mapping file (the data's own
column names and codes -> the codebook's; :mod:`thuiswerk.data.mapping`) and
coerces every column to its codebook dtype (:data:`thuiswerk.data.schema.DTYPES`;
:mod:`thuiswerk.data.conform`). :func:`validate_folder` does the same and
validates chunk by chunk without keeping the tables, so a file far larger than
the survey fits in little memory (see data/README.md "Large files").

Nothing is made up:

* an optional codebook column (``required: false``) that the file does not
  have, or that the mapping file declares ``absent``, is **absent** from the
  loaded table (never created, never filled) and listed in
  :attr:`Survey.absent`; a missing required column is a violation;
* a code or label is matched against the codebook after Unicode
  normalisation (:func:`~thuiswerk.data.mapping.normalise`: accents, case and
  spaces do not count); one that matches nothing is reported once per distinct
  label, with the number of rows, the first row and the nearest codebook label.

Bad data never raises a traceback:

* problems that make a file unreadable (not found, empty, binary, not UTF-8,
  wrong delimiter, ragged rows, corrupt Parquet/SPSS, a broken mapping file or
  one that names a column the file does not have) raise
  :class:`~thuiswerk.data.files.DataError`, which carries every such problem as
  a :class:`~thuiswerk.data.violations.Violation`;
* problems of single values or columns (an unknown or missing column, text in a
  numeric column, a label that maps to no codebook code) are kept in
  ``Survey.violations``; :func:`thuiswerk.data.validation.validate_survey` reports them
  together with the codebook rules.

Row numbers follow :mod:`thuiswerk.data.violations`: CSV line number (header = 1),
Parquet/SPSS 1-based record number.

:func:`write_survey` writes both tables atomically (CSV, Parquet or SPSS).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import TABLES, Codebook
from thuiswerk.data.coerce import CHUNK_CELLS
from thuiswerk.data.conform import Conformer, empty_frame
from thuiswerk.data.files import FORMATS, DataError
from thuiswerk.data.mapping import SurveyMapping, load_mapping
from thuiswerk.data.outcome import ValidationReport
from thuiswerk.data.readers import Source, open_table
from thuiswerk.data.validation import SurveyChecker
from thuiswerk.data.violations import Violation


@dataclass(frozen=True, eq=False)
class Survey:
    """The two tables, where they came from, and how to number their rows.

    ``files``       table -> source file (empty for tables built in memory).
    ``row_origin``  table -> row number of the first data row: 2 for CSV (line 1
                    is the header), 1 for Parquet/SPSS (record number). Tables
                    without an entry are numbered from 1.
    ``row_numbers`` table -> the exact row number of every data row, when it
                    differs from ``row_origin + position`` (a CSV with blank
                    lines or quoted line breaks).
    ``violations``  problems found while loading (unknown/missing columns,
                    values that could not be coerced, unmatched labels).
    ``absent``      table -> the optional codebook columns the data do not
                    have (not in the file, or declared ``absent`` in the
                    mapping file). They are not columns of the tables.
    """

    establishments: pd.DataFrame
    employees: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    row_origin: dict[str, int] = field(default_factory=dict)
    row_numbers: dict[str, tuple[int, ...]] = field(default_factory=dict)
    violations: tuple[Violation, ...] = ()
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; expected one of {TABLES}")
        return getattr(self, name)

    def file_label(self, table: str) -> str:
        """The name used in violations: the file name, or the table name."""
        path = self.files.get(table)
        return path.name if path is not None else table

    def rows(self, table: str) -> list[int]:
        """The row number (as in :class:`~thuiswerk.data.violations.Violation`) of each position."""
        n = len(self.table(table))
        explicit = self.row_numbers.get(table)
        if explicit is not None and len(explicit) == n:
            return list(explicit)
        origin = self.row_origin.get(table, 1)
        return list(range(origin, origin + n))

    def header_row(self, table: str) -> int | None:
        """Row number of the header (1 for CSV), or None for formats without one."""
        path = self.files.get(table)
        return 1 if path is not None and path.suffix.lower() == ".csv" else None


# --------------------------------------------------------------------------- public loaders


def _check_folder(directory: Path) -> None:
    if not directory.exists():
        raise DataError(Violation(str(directory), None, None, "folder not found"))
    if not directory.is_dir():
        raise DataError(
            Violation(
                str(directory),
                None,
                None,
                "is not a folder; give the folder that holds establishments.* and employees.*",
            )
        )


def _tables_parent_first(cb: Codebook) -> list[str]:
    parent = cb.parent["table"]
    return [parent] + [t for t in TABLES if t != parent]


def _concat_columns(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate chunks column by column, freeing each chunk column once copied."""
    if len(parts) == 1:
        return parts[0]
    out: dict[str, pd.Series] = {}
    for column in columns:
        out[column] = pd.concat([p[column] for p in parts], ignore_index=True)
        for p in parts:
            del p[column]
    return pd.DataFrame(out)


def load_survey(
    path: str | Path,
    mapping: str | Path | Mapping[str, Any] | SurveyMapping | None = None,
    cb: Codebook | None = None,
) -> Survey:
    """Load both tables from the folder ``path``.

    ``mapping`` is a mapping file (YAML path) or its parsed contents. Raises
    :class:`DataError` only for unreadable input; everything else ends up in
    ``Survey.violations`` and is reported by
    :func:`thuiswerk.data.validation.validate_survey`. Optional codebook columns the
    data do not have are absent from the tables and listed in ``Survey.absent``.
    """
    cb = cb or codebook_module.load()
    directory = Path(path)
    spec = load_mapping(mapping, cb)
    _check_folder(directory)
    fatal: list[Violation] = []
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, Source] = {}
    row_numbers: dict[str, tuple[int, ...]] = {}
    absent: dict[str, tuple[str, ...]] = {}
    violations: list[Violation] = []
    for table in TABLES:
        try:
            source = sources[table] = open_table(directory, table, spec.table(table))
            conformer = Conformer(source, table, spec.table(table), spec.source, cb)
            parts: list[pd.DataFrame] = []
            rows: list[np.ndarray] = []
            for chunk, chunk_rows in source.chunks(conformer.chunk_rows()):
                frame, problems, _ = conformer.conform(chunk, chunk_rows)
                parts.append(frame)
                rows.append(chunk_rows)
                violations += problems
            violations += conformer.finish()
        except DataError as exc:
            fatal += exc.violations
            continue
        frames[table] = _concat_columns(parts, conformer.known) if parts else empty_frame(conformer)
        numbers = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        if not np.array_equal(numbers, np.arange(source.origin, source.origin + len(numbers))):
            row_numbers[table] = tuple(numbers.tolist())
        absent[table] = conformer.absent
    if fatal:
        raise DataError(fatal)
    return Survey(
        establishments=frames["establishments"],
        employees=frames["employees"],
        files={t: sources[t].path for t in TABLES},
        row_origin={t: sources[t].origin for t in TABLES},
        row_numbers=row_numbers,
        violations=tuple(violations),
        absent=absent,
    )


def validate_folder(
    path: str | Path,
    mapping: str | Path | Mapping[str, Any] | SurveyMapping | None = None,
    cb: Codebook | None = None,
    *,
    chunk_cells: int = CHUNK_CELLS,
) -> ValidationReport:
    """Read and validate both tables of the folder ``path`` chunk by chunk.

    The same violations, absent columns and summary as
    ``validate_survey(load_survey(path, mapping))``, without ever holding a
    whole table: memory stays near the size of one chunk (``chunk_cells``
    cells) plus the identifiers the rules between rows need. Raises
    :class:`DataError` for unreadable input, like :func:`load_survey`.
    ``report.tables`` is empty.
    """
    cb = cb or codebook_module.load()
    directory = Path(path)
    spec = load_mapping(mapping, cb)
    _check_folder(directory)
    checker = SurveyChecker(cb)
    fatal: list[Violation] = []
    violations: list[Violation] = []
    for table in _tables_parent_first(cb):
        try:
            source = open_table(directory, table, spec.table(table))
            conformer = Conformer(source, table, spec.table(table), spec.source, cb)
            checker.start_table(table, conformer.file, conformer.columns, conformer.header_row)
            chunk_rows = max(1, chunk_cells // max(1, len(source.columns)))
            for chunk, rows in source.chunks(chunk_rows):
                frame, problems, flagged = conformer.conform(chunk, rows)
                violations += problems
                if not fatal:
                    checker.add(table, frame, rows, flagged)
            violations += conformer.finish()
        except DataError as exc:
            fatal += exc.violations
    if fatal:
        raise DataError(fatal)
    return checker.finish(violations)


# --------------------------------------------------------------------------- writers


def _write_csv(frame: pd.DataFrame, path: Path, table: str, cb: Codebook) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", na_rep="", decimal=".", lineterminator="\n")


def _write_parquet(frame: pd.DataFrame, path: Path, table: str, cb: Codebook) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


def _write_sav(frame: pd.DataFrame, path: Path, table: str, cb: Codebook) -> None:
    out = pd.DataFrame(index=frame.index)
    value_labels: dict[str, dict[Any, str]] = {}
    column_labels: dict[str, str | None] = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            out[column] = series.astype("float64")
        elif pd.api.types.is_bool_dtype(series):
            out[column] = series.astype("float64")
        else:
            out[column] = series.astype(object).where(series.notna(), "").astype(str)
        try:
            var = cb.get(table, column)  # type: ignore[arg-type]
        except KeyError:
            continue
        column_labels[column] = var.label
        if var.type in ("boolean", "ordinal"):
            value_labels[column] = {int(code): label for code, label in var.categories.items()}
    pyreadstat.write_sav(out, str(path), column_labels=column_labels, variable_value_labels=value_labels)


_WRITERS: dict[str, Callable[[pd.DataFrame, Path, str, Codebook], None]] = {
    "csv": _write_csv,
    "parquet": _write_parquet,
    "sav": _write_sav,
}


def _write_table(frame: pd.DataFrame, path: Path, fmt: str, table: str, cb: Codebook) -> None:
    _WRITERS[fmt](frame, path, table, cb)


def _as_tables(survey_or_tables: Any) -> dict[str, pd.DataFrame]:
    if isinstance(survey_or_tables, Survey):
        return {t: survey_or_tables.table(t) for t in TABLES}
    if isinstance(survey_or_tables, Mapping):
        missing = [t for t in TABLES if t not in survey_or_tables]
        if missing:
            raise ValueError(f"tables missing: {', '.join(missing)}")
        return {t: survey_or_tables[t] for t in TABLES}
    if isinstance(survey_or_tables, (tuple, list)) and len(survey_or_tables) == len(TABLES):
        return dict(zip(TABLES, survey_or_tables))
    if all(hasattr(survey_or_tables, t) for t in TABLES):
        return {t: getattr(survey_or_tables, t) for t in TABLES}
    raise TypeError("write_survey needs a Survey, a dict of the two tables, or (establishments, employees)")


def write_survey(
    survey_or_tables: Survey | Mapping[str, pd.DataFrame] | tuple[pd.DataFrame, pd.DataFrame],
    out_dir: str | Path,
    fmt: str = "csv",
    cb: Codebook | None = None,
) -> dict[str, Path]:
    """Write ``establishments.<fmt>`` and ``employees.<fmt>`` into ``out_dir`` atomically.

    Both files are first written into a temporary sibling folder; only when
    both succeeded are they moved into place (the folder is renamed when
    ``out_dir`` does not exist yet). On any failure nothing is left behind and
    files already in ``out_dir`` are unchanged. CSV: UTF-8, ``,`` separated,
    ``.`` decimal, no index, empty cells for missing values.

    Returns table -> written path.
    """
    if fmt not in _WRITERS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    cb = cb or codebook_module.load()
    tables = _as_tables(survey_or_tables)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.tmp-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    names = {t: f"{t}.{fmt}" for t in TABLES}
    try:
        for table in TABLES:
            _write_table(tables[table], staging / names[table], fmt, table, cb)
        if not out_dir.exists():
            os.rename(staging, out_dir)
        else:
            _move_into(staging, out_dir, list(names.values()))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {t: out_dir / names[t] for t in TABLES}


def _move_into(staging: Path, out_dir: Path, names: list[str]) -> None:
    """Replace ``names`` in ``out_dir`` by the staged files; restore the old ones on failure."""
    backups: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    try:
        for name in names:
            target = out_dir / name
            if target.exists():
                backup = staging / f"{name}.previous"
                os.replace(target, backup)
                backups.append((backup, target))
            os.replace(staging / name, target)
            placed.append(target)
    except BaseException:
        for target in placed:
            target.unlink(missing_ok=True)
        for backup, target in backups:
            os.replace(backup, target)
        raise
