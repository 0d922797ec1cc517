"""Reading and writing the two survey tables (establishments, employees).

:func:`load_survey` reads a folder holding ``establishments.<ext>`` and
``employees.<ext>`` (``ext``: ``csv``, ``parquet`` or ``sav``; the two tables may
use different formats), applies an optional mapping file (the data's own column
names and codes -> the codebook's) and coerces every column to its codebook
dtype (:data:`thuiswerk.schema.DTYPES`).

Bad data never raises a traceback:

* problems that make a file unreadable (not found, empty, not UTF-8, wrong
  delimiter, ragged rows, corrupt Parquet/SPSS, a broken mapping file) raise
  :class:`DataError`, which carries every such problem as a
  :class:`~thuiswerk.schema.Violation`;
* problems of single values or columns (an unknown or missing column, text in a
  numeric column, an SPSS value label that maps to no codebook code) are kept in
  ``Survey.violations``; :func:`thuiswerk.schema.validate_survey` reports them
  together with the codebook rules.

Row numbers follow :mod:`thuiswerk.schema`: CSV line number (header = 1),
Parquet/SPSS 1-based record number.

:func:`write_survey` writes both tables atomically (CSV, Parquet or SPSS).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet as pq
import pyreadstat
import yaml

from thuiswerk import codebook as codebook_module
from thuiswerk.codebook import TABLES, Codebook, Variable
from thuiswerk.schema import Violation, coerce_table, column_violations, format_value

FORMATS: tuple[str, ...] = ("csv", "parquet", "sav")
MAX_ENCODING_REPORTS = 20  # undecodable lines listed one by one; the rest are counted


class DataError(Exception):
    """A file (or the mapping file) cannot be read at all.

    ``violations`` lists every such problem; ``str(error)`` lists them one a line.
    """

    def __init__(self, violations: list[Violation] | Violation) -> None:
        self.violations = [violations] if isinstance(violations, Violation) else list(violations)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = ["cannot read the survey data:"]
        lines += [f"  {v}" for v in self.violations]
        return "\n".join(lines)


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
                    values that could not be coerced, unmapped value labels).
    """

    establishments: pd.DataFrame
    employees: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    row_origin: dict[str, int] = field(default_factory=dict)
    row_numbers: dict[str, tuple[int, ...]] = field(default_factory=dict)
    violations: tuple[Violation, ...] = ()

    def table(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; expected one of {TABLES}")
        return getattr(self, name)

    def file_label(self, table: str) -> str:
        """The name used in violations: the file name, or the table name."""
        path = self.files.get(table)
        return path.name if path is not None else table

    def rows(self, table: str) -> list[int]:
        """The row number (as in :class:`~thuiswerk.schema.Violation`) of each position."""
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
    """

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rename(self, name: str) -> str:
        if name in self.columns:
            return self.columns[name]
        folded = {k.casefold(): v for k, v in self.columns.items()}
        return folded.get(name.casefold(), name)


@dataclass(frozen=True)
class SurveyMapping:
    source: str = "mapping"
    tables: dict[str, TableMapping] = field(default_factory=dict)

    def table(self, name: str) -> TableMapping:
        return self.tables.get(name, TableMapping())


def normalise(value: Any) -> str:
    """The form in which codes and labels are compared: ``1.0`` -> ``'1'``, case-folded text."""
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
    return " ".join(str(value).split()).casefold()


def _find_code(var: Variable, wanted: Any) -> tuple[bool, Any]:
    """(found, codebook code) for a code or label written in any form."""
    key = normalise(wanted)
    for code in var.categories:
        if normalise(code) == key:
            return True, code
    for code, label in var.categories.items():
        if normalise(label) == key:
            return True, code
    return False, None


def load_mapping(
    mapping: str | Path | Mapping[str, Any] | SurveyMapping | None, cb: Codebook | None = None
) -> SurveyMapping:
    """Read and check a mapping file (or an already parsed dict).

    Layout (see ``data/mapping.example.yaml``)::

        employees:
          file: werknemers.sav            # optional
          columns: {Q12_rug: complaint_back}
          values:  {role: {1: leidinggevende, 2: niet_leidinggevende}}

    Every problem raises :class:`DataError` naming the mapping file and entry.
    """
    if mapping is None:
        return SurveyMapping()
    if isinstance(mapping, SurveyMapping):
        return mapping
    cb = cb or codebook_module.load()
    if isinstance(mapping, (str, Path)):
        path = Path(mapping)
        source = path.name
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
            bad(table, "must be a mapping with file, columns and values")
            continue
        for key in spec:
            if key not in ("file", "columns", "values"):
                bad(f"{table}.{key}", "unknown entry; expected file, columns or values")
        file = spec.get("file")
        if file is not None and Path(str(file)).suffix.lower().lstrip(".") not in FORMATS:
            bad(f"{table}.file", f"file must end in one of .{', .'.join(FORMATS)}", file)
        known = cb.columns(table)  # type: ignore[arg-type]
        columns: dict[str, str] = {}
        column_spec = spec.get("columns") or {}
        value_spec = spec.get("values") or {}
        if not isinstance(column_spec, Mapping):
            bad(f"{table}.columns", "must map their column names onto codebook column names")
            column_spec = {}
        if not isinstance(value_spec, Mapping):
            bad(f"{table}.values", "must map codebook column names onto {their code or label: codebook code}")
            value_spec = {}
        for theirs, ours in column_spec.items():
            if ours not in known:
                bad(f"{table}.columns.{theirs}", f"maps onto {ours!r}, which is not a codebook column of {table}")
            elif ours in columns.values():
                bad(f"{table}.columns.{theirs}", f"a second column mapped onto {ours!r}")
            else:
                columns[str(theirs)] = ours
        values: dict[str, dict[str, Any]] = {}
        for column, recode in value_spec.items():
            where = f"{table}.values.{column}"
            if column not in known:
                bad(where, "values must be keyed by the codebook column name (after renaming)")
                continue
            if not isinstance(recode, Mapping):
                bad(where, "must map their codes or labels onto codebook codes")
                continue
            var = cb.get(table, column)  # type: ignore[arg-type]
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
        tables[table] = TableMapping(file=None if file is None else str(file), columns=columns, values=values)
    if problems:
        raise DataError(problems)
    return SurveyMapping(source=source, tables=tables)


# --------------------------------------------------------------------------- readers


@dataclass
class _RawTable:
    frame: pd.DataFrame  # columns named as in the file, values as read
    path: Path
    origin: int
    rows: tuple[int, ...] | None = None
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    missing_ranges: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(Violation(path.name, None, None, f"cannot read the file ({exc.strerror or exc})")) from None
    if not data.strip():
        raise DataError(Violation(path.name, None, None, "file is empty"))
    return data


_DELIMITER_NAMES = {";": "semicolon (';')", "\t": "tab", "|": "pipe ('|')"}


def _encoding_violation(name: str, number: int, line: bytes, exc: UnicodeDecodeError, header: list[str]) -> Violation:
    byte = line[exc.start]
    column = None
    value: Any = None
    if number > 1:
        index = line[: exc.start].count(b",")
        fields = line.split(b",")
        if index < len(header):
            column = header[index].strip()
        value = fields[index].decode("utf-8", "backslashreplace").strip().strip('"')
    rule = f"not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8"
    return Violation(name, number, column, rule, value)


def _read_csv(path: Path) -> _RawTable:
    """Read a UTF-8, comma-separated CSV into strings, remembering each record's line."""
    name = path.name
    data = _read_bytes(path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        if not data.strip():
            raise DataError(Violation(name, None, None, "file is empty"))
    lines = data.split(b"\n")
    header_text = lines[0].decode("utf-8", "replace").rstrip("\r")
    header_guess = next(csv.reader([header_text]), [])
    undecodable = []
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            undecodable.append(_encoding_violation(name, number, line, exc, header_guess))
    if undecodable:
        shown = undecodable[:MAX_ENCODING_REPORTS]
        if len(undecodable) > len(shown):
            shown.append(Violation(name, None, None, f"and {len(undecodable) - len(shown)} more lines that are not valid UTF-8"))
        raise DataError(shown)
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True)
    header: list[str] | None = None
    records: list[list[str]] = []
    starts: list[int] = []
    ragged: list[Violation] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            if header is None:
                if not record:
                    raise DataError(Violation(name, start, None, "the first line must be the header, but it is empty"))
                header = record
                if len(header) == 1:
                    for delimiter, label in _DELIMITER_NAMES.items():
                        if delimiter in header[0]:
                            rule = (
                                f"the header is a single column: the file looks {label}-separated, "
                                "but it must be comma-separated (',')"
                            )
                            raise DataError(Violation(name, start, None, rule, header[0][:80]))
                continue
            if not record:
                continue  # blank line
            if len(record) != len(header):
                rule = f"has {len(record)} fields but the header has {len(header)}; check the delimiter and quoting"
                ragged.append(Violation(name, start, None, rule))
                continue
            records.append(record)
            starts.append(start)
    except csv.Error as exc:
        raise DataError(Violation(name, reader.line_num, None, f"cannot parse the CSV ({exc})")) from None
    if ragged:
        raise DataError(ragged)
    if header is None:
        raise DataError(Violation(name, None, None, "file is empty"))
    names = [h.strip() for h in header]
    frame = pd.DataFrame(records, columns=range(len(names)), dtype=object)
    frame.columns = names
    return _RawTable(frame=frame, path=path, origin=2, rows=tuple(starts))


def _check_not_empty(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(Violation(path.name, None, None, f"cannot read the file ({exc.strerror or exc})")) from None
    if size == 0:
        raise DataError(Violation(path.name, None, None, "file is empty"))


def _read_parquet(path: Path) -> _RawTable:
    _check_not_empty(path)
    try:
        frame = pq.read_table(path).to_pandas()
    except (pyarrow.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(Violation(path.name, None, None, f"not a readable Parquet file ({reason})")) from None
    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.name is None):
        frame = frame.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    return _RawTable(frame=frame.reset_index(drop=True), path=path, origin=1)


def _read_sav(path: Path) -> _RawTable:
    _check_not_empty(path)
    try:
        # user_missing=True keeps the declared missing values and their ranges
        # in the metadata; they are blanked below (SPSS semantics: empty).
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(Violation(path.name, None, None, f"not a readable SPSS .sav file ({exc})")) from None
    missing = {k: list(v) for k, v in (meta.missing_ranges or {}).items()}
    for column, ranges in missing.items():
        if column in frame.columns:
            declared = frame[column].map(lambda value: not _is_blank(value) and _in_missing_ranges(value, ranges))
            frame[column] = frame[column].astype(object).where(~declared.astype(bool), None)
    return _RawTable(
        frame=frame,
        path=path,
        origin=1,
        value_labels={k: dict(v) for k, v in (meta.variable_value_labels or {}).items()},
        missing_ranges=missing,
    )


def _is_blank(value: Any) -> bool:
    return normalise(value) == ""


_READERS: dict[str, Callable[[Path], _RawTable]] = {"csv": _read_csv, "parquet": _read_parquet, "sav": _read_sav}


def _find_file(directory: Path, table: str, spec: TableMapping) -> Path:
    if spec.file is not None:
        path = Path(spec.file)
        path = path if path.is_absolute() else directory / path
        if not path.is_file():
            raise DataError(Violation(str(path), None, None, f"file for the {table} table not found (named in the mapping file)"))
        return path
    found = [directory / f"{table}.{ext}" for ext in FORMATS if (directory / f"{table}.{ext}").is_file()]
    if not found:
        expected = ", ".join(f"{table}.{ext}" for ext in FORMATS)
        raise DataError(Violation(str(directory), None, None, f"no file for the {table} table: expected one of {expected}"))
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        rule = f"more than one file for the {table} table ({names}); keep one, or name it in the mapping file"
        raise DataError(Violation(str(directory), None, None, rule))
    return found[0]


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
    to a codebook code or label; for boolean/ordinal, the numeric code itself
    when it is a codebook code. Returns (normalised code -> target, unmapped).
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


def _conform(raw: _RawTable, table: str, spec: TableMapping, cb: Codebook) -> tuple[pd.DataFrame, list[Violation]]:
    """Rename, recode and coerce one raw table; problems become violations."""
    name = raw.path.name
    header_row = 1 if raw.path.suffix.lower() == ".csv" else None
    frame = raw.frame
    rows = list(raw.rows) if raw.rows is not None else list(range(raw.origin, raw.origin + len(frame)))

    own = [str(c).strip() or f"(unnamed column {i + 1})" for i, c in enumerate(frame.columns)]
    fatal = [
        Violation(name, header_row, col, "column appears more than once")
        for col in sorted({c for c in own if own.count(c) > 1})
    ]
    renamed = [spec.rename(c) for c in own]
    for target in sorted({c for c in renamed if renamed.count(c) > 1} - {c for c in own if own.count(c) > 1}):
        sources = [o for o, r in zip(own, renamed) if r == target]
        fatal.append(Violation(name, header_row, target, f"columns {', '.join(sources)} all map onto this codebook column"))
    if fatal:
        raise DataError(fatal)
    source_of = dict(zip(renamed, own))
    frame = frame.set_axis(renamed, axis=1)

    violations = column_violations(renamed, table, file=name, header_row=header_row, cb=cb)
    if len(frame) == 0:
        violations.append(Violation(name, None, None, "contains no data rows"))
    known = [c for c in cb.columns(table) if c in frame.columns]  # type: ignore[arg-type]
    frame = frame[known].copy()

    for column in known:
        var = cb.get(table, column)  # type: ignore[arg-type]
        recode = spec.values.get(column, {})
        labels = raw.value_labels.get(source_of[column], {})
        if not recode and not labels:
            continue
        targets, unmapped = _label_targets(var, labels, raw.missing_ranges.get(source_of[column], []), recode)
        hint = f"map it under {table}: values: {column}: in the mapping file"
        used: set[str] = set()
        out: list[Any] = []
        for pos, value in enumerate(frame[column].tolist()):
            key = normalise(value)
            if key in targets:
                out.append(targets[key])
            elif key in unmapped:
                used.add(key)
                code, label = unmapped[key]
                rule = f"value label {label!r} (code {format_value(code)}) matches no codebook code; {hint}"
                violations.append(Violation(name, rows[pos], column, rule))
                out.append(None)
            elif key in recode:
                out.append(recode[key])
            else:
                out.append(value)
        for key, (code, label) in unmapped.items():
            if key not in used:
                rule = f"value label {label!r} (code {format_value(code)}) matches no codebook code; {hint}"
                violations.append(Violation(name, None, column, rule))
        frame[column] = pd.Series(out, index=frame.index, dtype=object)

    frame, problems = coerce_table(frame, table, file=name, rows=rows, cb=cb)
    return frame, violations + problems


# --------------------------------------------------------------------------- public loaders


def load_survey(
    path: str | Path,
    mapping: str | Path | Mapping[str, Any] | SurveyMapping | None = None,
    cb: Codebook | None = None,
) -> Survey:
    """Load both tables from the folder ``path``.

    ``mapping`` is a mapping file (YAML path) or its parsed contents. Raises
    :class:`DataError` only for unreadable input; everything else ends up in
    ``Survey.violations`` and is reported by
    :func:`thuiswerk.schema.validate_survey`.
    """
    cb = cb or codebook_module.load()
    directory = Path(path)
    spec = load_mapping(mapping, cb)
    if not directory.exists():
        raise DataError(Violation(str(directory), None, None, "folder not found"))
    if not directory.is_dir():
        raise DataError(
            Violation(str(directory), None, None, "is not a folder; give the folder that holds establishments.* and employees.*")
        )
    fatal: list[Violation] = []
    raws: dict[str, _RawTable] = {}
    for table in TABLES:
        try:
            file = _find_file(directory, table, spec.table(table))
            ext = file.suffix.lower().lstrip(".")
            if ext not in _READERS:
                raise DataError(Violation(file.name, None, None, f"unsupported format; use one of .{', .'.join(FORMATS)}"))
            raws[table] = _READERS[ext](file)
        except DataError as exc:
            fatal += exc.violations
    frames: dict[str, pd.DataFrame] = {}
    violations: list[Violation] = []
    for table, raw in raws.items():
        try:
            frames[table], found = _conform(raw, table, spec.table(table), cb)
        except DataError as exc:
            fatal += exc.violations
            continue
        violations += found
    if fatal:
        raise DataError(fatal)
    return Survey(
        establishments=frames["establishments"],
        employees=frames["employees"],
        files={t: raws[t].path for t in TABLES},
        row_origin={t: raws[t].origin for t in TABLES},
        row_numbers={t: raws[t].rows for t in TABLES if raws[t].rows is not None},  # type: ignore[misc]
        violations=tuple(violations),
    )


# --------------------------------------------------------------------------- writers


def _write_csv(frame: pd.DataFrame, path: Path, table: str, cb: Codebook) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", na_rep="", decimal=".", lineterminator="\n")


def _write_parquet(frame: pd.DataFrame, path: Path, table: str, cb: Codebook) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


def _write_sav(frame: pd.DataFrame, path: Path, table: str, cb: Codebook) -> None:
    out = pd.DataFrame(index=frame.index)
    value_labels: dict[str, dict[Any, str]] = {}
    column_labels: dict[str, str] = {}
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
