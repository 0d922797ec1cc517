"""Reading and writing the two survey tables (establishments, employees).

:func:`load_survey` reads a folder holding ``establishments.<ext>`` and
``employees.<ext>`` (``ext``: ``csv``, ``parquet`` or ``sav``, in any case:
``employees.CSV`` is found too; the two tables may use different formats),
applies an optional mapping file (the data's own column names and codes -> the
codebook's) and coerces every column to its codebook dtype
(:data:`thuiswerk.data.schema.DTYPES`). :func:`validate_folder` does the same and
validates chunk by chunk without keeping the tables, so a file far larger than
the survey fits in little memory (see data/README.md "Large files").

Nothing is made up:

* an optional codebook column (``required: false``) that the file does not
  have, or that the mapping file declares ``absent``, is **absent** from the
  loaded table (never created, never filled) and listed in
  :attr:`Survey.absent`; a missing required column is a violation;
* a code or label is matched against the codebook after Unicode
  normalisation (:func:`normalise`: accents, case and spaces do not count);
  one that matches nothing is reported once per distinct label, with the
  number of rows, the first row and the nearest codebook label.

Bad data never raises a traceback:

* problems that make a file unreadable (not found, empty, binary, not UTF-8,
  wrong delimiter, ragged rows, corrupt Parquet/SPSS, a broken mapping file or
  one that names a column the file does not have) raise :class:`DataError`,
  which carries every such problem as a :class:`~thuiswerk.data.schema.Violation`;
* problems of single values or columns (an unknown or missing column, text in a
  numeric column, a label that maps to no codebook code) are kept in
  ``Survey.violations``; :func:`thuiswerk.data.schema.validate_survey` reports them
  together with the codebook rules.

Row numbers follow :mod:`thuiswerk.data.schema`: CSV line number (header = 1),
Parquet/SPSS 1-based record number.

:func:`write_survey` writes both tables atomically (CSV, Parquet or SPSS).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import errno
import os
import re
import shutil
import stat
import unicodedata
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet as pq
import pyreadstat
import yaml

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import TABLES, Codebook, Variable
from thuiswerk.core.errors import ThuiswerkError
from thuiswerk.data.schema import (
    CHUNK_CELLS,
    SurveyChecker,
    ValidationReport,
    Violation,
    absent_columns,
    coerce_table,
    column_violations,
    format_value,
    membership_rule,
)

FORMATS: tuple[str, ...] = ("csv", "parquet", "sav")
MAX_ENCODING_REPORTS = 20  # undecodable lines listed one by one; the rest are counted


class DataError(ThuiswerkError):
    """A file (or the mapping file) cannot be read at all (exit code 2).

    ``violations`` lists every such problem; ``str(error)`` lists them one a line.
    """

    exit_code = 2

    def __init__(self, violations: list[Violation] | Violation, hint: str | None = None) -> None:
        self.violations = [violations] if isinstance(violations, Violation) else list(violations)
        lines = ["cannot read the survey data:"]
        lines += [f"  {v}" for v in self.violations]
        super().__init__("\n".join(lines), hint)


# --------------------------------------------------------------------------- survey


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
        """The row number (as in :class:`~thuiswerk.data.schema.Violation`) of each position."""
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


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class TableMapping:
    """How one table's own names map onto the codebook.

    ``columns``: their column name -> codebook column name.
    ``values``:  codebook column -> {their code or label (normalised): codebook
    code, or None for an empty cell}.
    ``absent``:  optional codebook columns the survey does not have.
    """

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    absent: tuple[str, ...] = ()

    def rename(self, name: str) -> str:
        return self.columns.get(self.source(name) or "", name)

    def source(self, name: str) -> str | None:
        """The mapping's key for the file's column ``name`` (exact, else case-insensitive)."""
        if name in self.columns:
            return name
        folded = {column_key(k): k for k in self.columns}
        return folded.get(column_key(name))


def column_key(name: str) -> str:
    """How a file's column name is matched against the mapping's names: case and surrounding spaces do not count."""
    return str(name).strip().casefold()


@dataclass(frozen=True)
class SurveyMapping:
    source: str = "mapping"
    tables: dict[str, TableMapping] = field(default_factory=dict)

    def table(self, name: str) -> TableMapping:
        return self.tables.get(name, TableMapping())


_WORD_JOINER = re.compile(r"(?<=[^\W\d])[-_\u2010\u2011\u2013](?=[^\W\d])")


def normalise(value: Any) -> str:
    """The form in which codes and labels are compared.

    ``1.0`` -> ``'1'``; text is Unicode-normalised (NFKD) without accents or
    diaeresis, case-folded, with leading, trailing and repeated white space
    removed, and a hyphen or underscore between two letters read as a space:
    ``' Financiële  Dienstverlening'`` -> ``'financiele dienstverlening'``,
    ``'Niet-leidinggevende'`` and ``'niet_leidinggevende'`` -> ``'niet leidinggevende'``.
    A minus sign (``'-1'``) is kept.
    """
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _WORD_JOINER.sub(" ", text)
    return " ".join(text.split()).casefold()


def _find_code(var: Variable, wanted: Any) -> tuple[bool, Any]:
    """(found, codebook code) for a code or label written in any form (see :func:`normalise`)."""
    key = normalise(wanted)
    for code in var.categories:
        if normalise(code) == key:
            return True, code
    for code, label in var.categories.items():
        if normalise(label) == key:
            return True, code
    return False, None


def nearest_label(var: Variable, wanted: Any) -> str | None:
    """The codebook label (and code) nearest to ``wanted``, as text, or None when none is close."""
    key = normalise(wanted)
    choices: dict[str, tuple[Any, str]] = {}
    for code, label in var.categories.items():
        choices.setdefault(normalise(label), (code, label))
        choices.setdefault(normalise(code), (code, label))
    match = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    if not match:
        return None
    code, label = choices[match[0]]
    return f"{label!r} (code {code})"


_MAPPING_KEYS = ("file", "columns", "values", "absent")


def load_mapping(
    mapping: str | Path | Mapping[str, Any] | SurveyMapping | None, cb: Codebook | None = None
) -> SurveyMapping:
    """Read and check a mapping file (or an already parsed dict).

    Layout (see ``data/mapping.example.yaml`` and data/README.md)::

        employees:
          file: werknemers.sav            # optional
          columns: {Q12_rug: complaint_back}
          values:  {role: {1: leidinggevende, 2: niet_leidinggevende}}
          absent:  [furniture_present]    # optional columns the survey lacks

    Every problem raises :class:`DataError` naming the mapping file and entry.
    Whether the named columns exist in the data is checked when the data are
    read (:func:`load_survey`).
    """
    if mapping is None:
        return SurveyMapping()
    if isinstance(mapping, SurveyMapping):
        return mapping
    cb = cb or codebook_module.load()
    if isinstance(mapping, (str, Path)):
        path = Path(mapping)
        source = path.name
        what = not_a_regular_file(path)
        if what:
            raise DataError(
                Violation(str(path), None, None, f"mapping file is not a regular readable file: it is {what}")
            )
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(Violation(str(path), None, None, "mapping file not found")) from None
        except UnicodeDecodeError as exc:
            raise DataError(Violation(source, None, None, f"mapping file is not valid UTF-8 ({exc.reason})")) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            row = None if mark is None else mark.line + 1
            problem = getattr(exc, "problem", None) or str(exc)
            raise DataError(Violation(source, row, None, f"mapping file is not valid YAML: {problem}")) from None
        except OSError as exc:
            raise DataError(Violation(source, None, None, f"cannot read the mapping file ({exc.strerror})")) from None
    else:
        source, raw = "mapping", mapping
    raw = raw or {}
    problems: list[Violation] = []

    def bad(where: str, rule: str, value: Any = None) -> None:
        problems.append(Violation(source, None, None, f"{where}: {rule}", value))

    if not isinstance(raw, Mapping):
        raise DataError(Violation(source, None, None, "mapping file must be a YAML mapping of table names"))
    tables: dict[str, TableMapping] = {}
    for table, spec in raw.items():
        if table not in TABLES:
            bad(str(table), f"unknown table; expected one of {', '.join(TABLES)}")
            continue
        spec = spec or {}
        if not isinstance(spec, Mapping):
            bad(table, "must be a mapping with file, columns, values and absent")
            continue
        for key in spec:
            if key not in _MAPPING_KEYS:
                bad(f"{table}.{key}", f"unknown entry; expected {', '.join(_MAPPING_KEYS[:-1])} or {_MAPPING_KEYS[-1]}")
        file = spec.get("file")
        if file is not None and Path(str(file)).suffix.lower().lstrip(".") not in FORMATS:
            bad(f"{table}.file", f"file must end in one of .{', .'.join(FORMATS)}", file)
        known = cb.columns(table)
        columns: dict[str, str] = {}
        column_spec = spec.get("columns") or {}
        value_spec = spec.get("values") or {}
        absent_spec = spec.get("absent") or []
        if not isinstance(column_spec, Mapping):
            bad(f"{table}.columns", "must map their column names onto codebook column names")
            column_spec = {}
        if not isinstance(value_spec, Mapping):
            bad(f"{table}.values", "must map codebook column names onto {their code or label: codebook code}")
            value_spec = {}
        if isinstance(absent_spec, str) or not isinstance(absent_spec, list):
            bad(f"{table}.absent", "must be a list of codebook column names, for example [furniture_present]")
            absent_spec = []
        same: dict[str, list[str]] = {}
        for theirs in column_spec:
            same.setdefault(column_key(theirs), []).append(str(theirs))
        for names in same.values():
            if len(names) > 1:
                listed = " and ".join(repr(n) for n in names)
                bad(
                    f"{table}.columns",
                    f"{listed} are the same column: the data's column names are matched without regard to case "
                    "and surrounding spaces; keep one of them",
                )
        for theirs, ours in column_spec.items():
            if len(same[column_key(theirs)]) > 1:
                continue
            if ours is None:
                bad(
                    f"{table}.columns.{theirs}",
                    "maps onto nothing; to say that the survey has no such column, list the codebook "
                    f"name under {table}: absent:, and leave a column the codebook does not know out of the file",
                )
            elif ours not in known:
                bad(f"{table}.columns.{theirs}", f"maps onto {ours!r}, which is not a codebook column of {table}")
            elif ours in columns.values():
                bad(f"{table}.columns.{theirs}", f"a second column mapped onto {ours!r}")
            else:
                columns[str(theirs)] = ours
        absent: list[str] = []
        for name in absent_spec:
            where = f"{table}.absent.{name}"
            if name not in known:
                bad(where, f"not a codebook column of {table}")
            elif cb.get(table, name).required:
                bad(where, f"{name} is required by the codebook (identifier or sample design) and cannot be absent")
            elif name in columns.values():
                bad(where, f"is also the target of {table}.columns; a column is either mapped or absent")
            elif name in value_spec:
                bad(where, f"has values under {table}.values; a column is either recoded or absent")
            elif name not in absent:
                absent.append(name)
        values: dict[str, dict[str, Any]] = {}
        for column, recode in value_spec.items():
            where = f"{table}.values.{column}"
            if column not in known:
                bad(where, "values must be keyed by the codebook column name (after renaming)")
                continue
            if not isinstance(recode, Mapping):
                bad(where, "must map their codes or labels onto codebook codes")
                continue
            var = cb.get(table, column)
            table_values: dict[str, Any] = {}
            for theirs, ours in recode.items():
                if isinstance(theirs, bool):
                    bad(
                        where,
                        "YAML reads unquoted yes/no/on/off/true/false as a boolean; quote the code or label",
                        theirs,
                    )
                    continue
                if ours is None:
                    table_values[normalise(theirs)] = None
                    continue
                if var.categories:
                    found, code = _find_code(var, ours)
                    if not found:
                        bad(where, f"{theirs!r} maps onto {ours!r}, which is not a codebook code of {column}")
                        continue
                    table_values[normalise(theirs)] = code
                elif isinstance(ours, (int, float)) and not isinstance(ours, bool):
                    table_values[normalise(theirs)] = ours
                else:
                    bad(where, f"{theirs!r} must map onto a number or null", ours)
            values[column] = table_values
        tables[table] = TableMapping(
            file=None if file is None else str(file), columns=columns, values=values, absent=tuple(absent)
        )
    if problems:
        raise DataError(problems)
    return SurveyMapping(source=source, tables=tables)


# --------------------------------------------------------------------------- readers
#
# A reader opens one file, reads its header (column names, SPSS value labels)
# and returns a _Source whose chunks() yields (frame, rows): the cells as read,
# in columns numbered 0.. in file order, and the row number of every record.
# A problem found while streaming (a ragged row, bytes that are not UTF-8) is
# raised as DataError after the last chunk, listing every such problem.


@dataclass
class _Source:
    path: Path
    columns: list[str]  # as in the file
    origin: int
    chunks: Callable[[int], Iterator[tuple[pd.DataFrame, np.ndarray]]]
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    missing_ranges: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _check_not_empty(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(Violation(path.name, None, None, f"cannot read the file ({exc.strerror or exc})")) from None
    if size == 0:
        raise DataError(Violation(path.name, None, None, "file is empty"))
    return size


_DELIMITER_NAMES = {";": "semicolon (';')", "\t": "tab", "|": "pipe ('|')"}
_SNIFF_BYTES = 1 << 16
_MAGIC: dict[bytes, str] = {
    b"PK\x03\x04": "a zip archive (an Excel .xlsx workbook is one)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls (or other Office) file",
    b"PAR1": "a Parquet file (name it .parquet)",
    b"$FL2": "an SPSS .sav file (name it .sav)",
    b"$FL3": "an SPSS .sav file (name it .sav)",
    b"\x1f\x8b": "a gzip archive",
    b"%PDF": "a PDF",
}
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _check_text(name: str, head: bytes) -> None:
    """Refuse a binary file named .csv (an Excel workbook, a zip, random bytes)."""
    advice = "export the table as a CSV file (UTF-8, comma-separated)"
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise DataError(Violation(name, None, None, f"not a text CSV file: it looks like {what}; {advice}"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(Violation(name, None, None, "not a UTF-8 CSV file: it is UTF-16 encoded; save it as CSV UTF-8"))
    control = len(head) - len(head.translate(None, _CONTROL))
    if b"\x00" in head or control > 0.01 * len(head):
        raise DataError(
            Violation(
                name, None, None, f"not a text CSV file: it contains binary data (control or NUL bytes); {advice}"
            )
        )


def _parse_line(text: str) -> list[str]:
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return []


class _CsvProblems:
    """Lines that are not UTF-8 or hold a NUL byte (the first few, then a count) and ragged records."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.encoding: list[Violation] = []
        self.more_encoding = 0
        self.ragged: list[Violation] = []
        self.header: list[str] = []

    def undecodable(self, number: int, line: bytes, exc: UnicodeDecodeError) -> None:
        if len(self.encoding) >= MAX_ENCODING_REPORTS:
            self.more_encoding += 1
            return
        byte = line[exc.start]
        column = None
        value: Any = None
        if number > 1:
            index = line[: exc.start].count(b",")
            fields = line.split(b",")
            if index < len(self.header):
                column = self.header[index].strip()
            value = fields[index].decode("utf-8", "backslashreplace").strip().strip('"')
        rule = f"not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8"
        self.encoding.append(Violation(self.name, number, column, rule, value))

    def binary(self, number: int) -> None:
        if len(self.encoding) >= MAX_ENCODING_REPORTS:
            self.more_encoding += 1
            return
        rule = "contains a NUL byte: not a text CSV file; export the table as a CSV file (UTF-8, comma-separated)"
        self.encoding.append(Violation(self.name, number, None, rule))

    def fatal(self) -> list[Violation]:
        if self.encoding:
            more = []
            if self.more_encoding:
                rule = f"and {self.more_encoding} more lines that are not valid UTF-8 or hold a NUL byte"
                more = [Violation(self.name, None, None, rule)]
            return self.encoding + more
        return self.ragged


_SURROGATE = re.compile("[\udc80-\udcff]")


def _readable(line: str) -> str:
    """A line read with ``surrogateescape``, its undecodable bytes replaced by U+FFFD."""
    if line.isascii() or not _SURROGATE.search(line):
        return line
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _csv_records(path: Path, problems: _CsvProblems) -> Generator[tuple[int, list[str]], None, None]:
    """(line number where the record starts, fields) for every record, header included."""
    name = path.name

    def lines(handle) -> Iterator[str]:
        # Text mode with newline="": lines end at \n, \r\n or a lone \r (Excel
        # for Mac), as the csv module expects. Bytes that are not UTF-8 arrive
        # as lone surrogates; they are located and reported per line.
        for number, line in enumerate(handle, start=1):
            if number == 1:
                line = line.removeprefix("\ufeff")
                problems.header = _parse_line(_readable(line).rstrip("\r\n"))
            if line.isascii():
                if "\x00" in line:
                    problems.binary(number)
                yield line
                continue
            if "\x00" in line:
                problems.binary(number)
            if _SURROGATE.search(line):
                raw = line.encode("utf-8", "surrogateescape")
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    problems.undecodable(number, raw, exc)
                line = _readable(line)
            yield line

    try:
        handle = open(path, encoding="utf-8", errors="surrogateescape", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DataError(Violation(name, None, None, f"cannot read the file ({exc.strerror or exc})")) from None
    try:
        reader = csv.reader(lines(handle), strict=True)
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DataError(Violation(name, reader.line_num, None, f"cannot parse the CSV ({exc})")) from None
            yield start, record
    finally:
        handle.close()


def _open_csv(path: Path) -> _Source:
    """A UTF-8, comma-separated CSV, read as text, one chunk of records at a time."""
    name = path.name
    size = _check_not_empty(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise DataError(Violation(name, None, None, f"cannot read the file ({exc.strerror or exc})")) from None
    head = head.removeprefix(codecs.BOM_UTF8)
    if not head.strip() and size <= _SNIFF_BYTES + len(codecs.BOM_UTF8):
        raise DataError(Violation(name, None, None, "file is empty"))
    _check_text(name, head)
    problems = _CsvProblems(name)
    records = _csv_records(path, problems)
    try:
        header: list[str] | None = None
        for start, record in records:
            header = record
            if not record:
                raise DataError(Violation(name, start, None, "the first line must be the header, but it is empty"))
            break
        if header is not None and problems.encoding:
            for _ in records:  # list every line that is not UTF-8, as the whole file is refused
                pass
    finally:
        records.close()
    if problems.encoding:
        raise DataError(problems.fatal())
    if header is None:
        raise DataError(Violation(name, None, None, "file is empty"))
    if len(header) == 1:
        for delimiter, label in _DELIMITER_NAMES.items():
            if delimiter in header[0]:
                rule = (
                    f"the header is a single column: the file looks {label}-separated, "
                    "but it must be comma-separated (',')"
                )
                raise DataError(Violation(name, 1, None, rule, header[0][:80]))
    width = len(header)

    def chunks(chunk_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        problems = _CsvProblems(name)
        stream = _csv_records(path, problems)
        batch: list[list[str]] = []
        starts: list[int] = []
        try:
            next(stream, None)  # the header
            for start, record in stream:
                if not record:
                    continue  # blank line
                if len(record) != width:
                    rule = f"has {len(record)} fields but the header has {width}; check the delimiter and quoting"
                    problems.ragged.append(Violation(name, start, None, rule))
                    continue
                if problems.encoding or problems.ragged:
                    continue  # the file is refused; keep reading only to list every problem
                batch.append(record)
                starts.append(start)
                if len(batch) >= chunk_rows:
                    yield _records_frame(batch, width), np.asarray(starts, dtype=np.int64)
                    batch, starts = [], []
        finally:
            stream.close()
        if problems.encoding or problems.ragged:
            raise DataError(problems.fatal())
        if batch:
            yield _records_frame(batch, width), np.asarray(starts, dtype=np.int64)

    return _Source(path=path, columns=header, origin=2, chunks=chunks)


def _records_frame(records: list[list[str]], width: int) -> pd.DataFrame:
    columns = list(zip(*records)) if records else [()] * width
    return pd.DataFrame({i: np.array(col, dtype=object) for i, col in enumerate(columns)}, copy=False)


_INDEX_COLUMN = re.compile(r"^__index_level_\d+__$")


def _open_parquet(path: Path) -> _Source:
    _check_not_empty(path)

    def unreadable(exc: Exception) -> DataError:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return DataError(Violation(path.name, None, None, f"not a readable Parquet file ({reason})"))

    try:
        names = pq.ParquetFile(path).schema_arrow.names
    except (pyarrow.ArrowException, OSError, ValueError) as exc:
        raise unreadable(exc) from None
    columns = ["index" if _INDEX_COLUMN.match(str(c)) else str(c) for c in names]

    def chunks(chunk_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        done = 0
        try:
            batches = pq.ParquetFile(path).iter_batches(batch_size=chunk_rows)
            for batch in batches:
                frame = pyarrow.Table.from_batches([batch]).to_pandas(ignore_metadata=True)
                frame.columns = range(frame.shape[1])
                rows = np.arange(done + 1, done + len(frame) + 1, dtype=np.int64)
                done += len(frame)
                yield frame, rows
        except (pyarrow.ArrowException, OSError, ValueError) as exc:
            raise unreadable(exc) from None

    return _Source(path=path, columns=columns, origin=1, chunks=chunks)


_SAV_ERRORS = (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, UnicodeDecodeError, ValueError)


def _open_sav(path: Path) -> _Source:
    _check_not_empty(path)
    try:
        # user_missing=True keeps the declared missing values and their ranges
        # in the metadata; they are blanked below (SPSS semantics: empty).
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    except _SAV_ERRORS as exc:
        raise DataError(Violation(path.name, None, None, f"not a readable SPSS .sav file ({exc})")) from None
    columns = [str(c) for c in meta.column_names]
    # .sav: each a {"lo", "hi"} range (pyreadstat's type also lists the bare values of other formats)
    missing = {k: cast(list[dict[str, Any]], list(v)) for k, v in (meta.missing_ranges or {}).items()}

    def chunks(chunk_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        done = 0
        try:
            reader = pyreadstat.read_file_in_chunks(
                pyreadstat.read_sav, str(path), chunksize=chunk_rows, apply_value_formats=False, user_missing=True
            )
            for frame, _ in reader:
                for column, ranges in missing.items():
                    if column in frame.columns:
                        declared = [not _is_blank(v) and _in_missing_ranges(v, ranges) for v in frame[column].tolist()]
                        frame[column] = frame[column].astype(object).where(~np.asarray(declared, dtype=bool), None)
                frame.columns = range(frame.shape[1])  # type: ignore[assignment]  # stubs omit range
                rows = np.arange(done + 1, done + len(frame) + 1, dtype=np.int64)
                done += len(frame)
                yield frame.reset_index(drop=True), rows
        except _SAV_ERRORS as exc:
            raise DataError(Violation(path.name, None, None, f"not a readable SPSS .sav file ({exc})")) from None

    return _Source(
        path=path,
        columns=columns,
        origin=1,
        chunks=chunks,
        value_labels={k: dict(v) for k, v in (meta.variable_value_labels or {}).items()},
        missing_ranges=missing,
    )


def _is_blank(value: Any) -> bool:
    return normalise(value) == ""


_READERS: dict[str, Callable[[Path], _Source]] = {"csv": _open_csv, "parquet": _open_parquet, "sav": _open_sav}


def not_a_regular_file(path: Path) -> str | None:
    """What ``path`` is when a directory entry of that name exists but is no regular file; else None.

    ``"a symbolic link loop"``, ``"a named pipe (FIFO)"``, ``"a folder"`` and so on.
    Only ``stat`` is called: a FIFO is never opened (opening one waits for a writer).
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if not os.path.lexists(path):
            return None
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if exc.errno == errno.ENOENT:
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        return f"not readable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    for test, what in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return what
    return "not a regular file"


def _not_regular_error(path: Path, what: str, table: str, named: str = "") -> DataError:
    rule = (
        f"exists{named}, but is not a regular readable file: it is {what}; the {table} table must be "
        f"a regular .{', .'.join(FORMATS[:-1])} or .{FORMATS[-1]} file"
    )
    return DataError(Violation(str(path), None, None, rule))


def _find_file(directory: Path, table: str, spec: TableMapping) -> Path:
    """The table's file: named in the mapping, else ``<table>.<ext>`` in any case (``employees.CSV``).

    A name that matches but is no regular file (a symbolic link loop, a FIFO, a
    folder) is a :class:`DataError` saying what it is; a FIFO is never opened.
    """
    if spec.file is not None:
        path = Path(spec.file)
        path = path if path.is_absolute() else directory / path
        what = not_a_regular_file(path)
        if what:
            raise _not_regular_error(path, what, table, " (named in the mapping file)")
        if not path.is_file():
            raise DataError(
                Violation(str(path), None, None, f"file for the {table} table not found (named in the mapping file)")
            )
        return path
    wanted = {f"{table}.{ext}" for ext in FORMATS}
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise DataError(
            Violation(str(directory), None, None, f"cannot list the folder ({exc.strerror or exc})")
        ) from None
    named = [p for p in entries if p.name.casefold() in wanted]
    found = [p for p in named if p.is_file()]
    if not found:
        for path in named:
            what = not_a_regular_file(path)
            if what:
                raise _not_regular_error(path, what, table)
        expected = ", ".join(f"{table}.{ext}" for ext in FORMATS)
        raise DataError(
            Violation(str(directory), None, None, f"no file for the {table} table: expected one of {expected}")
        )
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        rule = f"more than one file for the {table} table ({names}); keep one, or name it in the mapping file"
        raise DataError(Violation(str(directory), None, None, rule))
    return found[0]


def _open(directory: Path, table: str, spec: TableMapping) -> _Source:
    file = _find_file(directory, table, spec)
    ext = file.suffix.lower().lstrip(".")
    if ext not in _READERS:
        raise DataError(Violation(file.name, None, None, f"unsupported format; use one of .{', .'.join(FORMATS)}"))
    return _READERS[ext](file)


# --------------------------------------------------------------------------- conforming to the codebook


def _in_missing_ranges(code: Any, ranges: list[dict[str, Any]]) -> bool:
    for r in ranges:
        try:
            if r["lo"] <= code <= r["hi"]:
                return True
        except TypeError:
            if normalise(r["lo"]) == normalise(code):
                return True
    return False


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
        if _in_missing_ranges(code, missing):
            continue
        key = normalise(code)
        if key in recode:
            targets[key] = recode[key]
        elif normalise(label) in recode:
            targets[key] = recode[normalise(label)]
        elif not var.categories:
            continue  # integer/float: labels only annotate; the number stands
        else:
            found, target = _find_code(var, label)
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
        found, code = _find_code(var, value)
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


class _Conformer:
    """Rename, recode and coerce the chunks of one table; problems become violations.

    Problems of the header and of the mapping file (a duplicate column, a
    mapping entry naming a column the file does not have, a column declared
    absent that the file has) raise :class:`DataError` at construction.
    """

    def __init__(self, source: _Source, table: str, spec: TableMapping, mapping_source: str, cb: Codebook) -> None:
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


def _empty_frame(conformer: _Conformer) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in conformer.known})
    return coerce_table(frame, conformer.table, file=conformer.file, rows=[], cb=conformer.cb)[0]


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
    :func:`thuiswerk.data.schema.validate_survey`. Optional codebook columns the
    data do not have are absent from the tables and listed in ``Survey.absent``.
    """
    cb = cb or codebook_module.load()
    directory = Path(path)
    spec = load_mapping(mapping, cb)
    _check_folder(directory)
    fatal: list[Violation] = []
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, _Source] = {}
    row_numbers: dict[str, tuple[int, ...]] = {}
    absent: dict[str, tuple[str, ...]] = {}
    violations: list[Violation] = []
    for table in TABLES:
        try:
            source = sources[table] = _open(directory, table, spec.table(table))
            conformer = _Conformer(source, table, spec.table(table), spec.source, cb)
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
        frames[table] = _concat_columns(parts, conformer.known) if parts else _empty_frame(conformer)
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
            source = _open(directory, table, spec.table(table))
            conformer = _Conformer(source, table, spec.table(table), spec.source, cb)
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
