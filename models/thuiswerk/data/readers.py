"""Reading one survey table's file (CSV, Parquet, SPSS .sav) chunk by chunk; its file-level problems.

A reader opens one file, reads its header (column names, SPSS value labels
and missing ranges) and returns a :class:`Source` whose ``chunks()`` yields
``(frame, rows)``: the cells as read, in columns numbered 0.. in file order,
and the row number of every record (CSV line number, header = 1; Parquet/SPSS
1-based record number). :func:`open_table` finds a table's file in a folder
(named in the mapping file, else ``<table>.<ext>`` in any case) and opens it.

A problem that makes a file unreadable (not found, empty, binary, not UTF-8,
wrong delimiter, ragged rows, corrupt Parquet/SPSS, no regular file) raises
:class:`~thuiswerk.data.files.DataError`; one found while streaming (a ragged
row, bytes that are not UTF-8) is raised after the last chunk, listing every
such problem.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet as pq
import pyreadstat

from thuiswerk.data.files import FORMATS, DataError, not_a_regular_file
from thuiswerk.data.mapping import TableMapping, normalise
from thuiswerk.data.violations import Violation

MAX_ENCODING_REPORTS = 20  # undecodable lines listed one by one; the rest are counted


@dataclass
class Source:
    """One opened file: its path, its column names, the row number of its first record, and its chunks."""

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


def _open_csv(path: Path) -> Source:
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

    return Source(path=path, columns=header, origin=2, chunks=chunks)


def _records_frame(records: list[list[str]], width: int) -> pd.DataFrame:
    columns = list(zip(*records)) if records else [()] * width
    return pd.DataFrame({i: np.array(col, dtype=object) for i, col in enumerate(columns)}, copy=False)


_INDEX_COLUMN = re.compile(r"^__index_level_\d+__$")


def _open_parquet(path: Path) -> Source:
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

    return Source(path=path, columns=columns, origin=1, chunks=chunks)


_SAV_ERRORS = (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, UnicodeDecodeError, ValueError)


def _open_sav(path: Path) -> Source:
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
                        declared = [not _is_blank(v) and in_missing_ranges(v, ranges) for v in frame[column].tolist()]
                        frame[column] = frame[column].astype(object).where(~np.asarray(declared, dtype=bool), None)
                frame.columns = range(frame.shape[1])  # type: ignore[assignment]  # stubs omit range
                rows = np.arange(done + 1, done + len(frame) + 1, dtype=np.int64)
                done += len(frame)
                yield frame.reset_index(drop=True), rows
        except _SAV_ERRORS as exc:
            raise DataError(Violation(path.name, None, None, f"not a readable SPSS .sav file ({exc})")) from None

    return Source(
        path=path,
        columns=columns,
        origin=1,
        chunks=chunks,
        value_labels={k: dict(v) for k, v in (meta.variable_value_labels or {}).items()},
        missing_ranges=missing,
    )


def _is_blank(value: Any) -> bool:
    return normalise(value) == ""


_READERS: dict[str, Callable[[Path], Source]] = {"csv": _open_csv, "parquet": _open_parquet, "sav": _open_sav}


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


def open_table(directory: Path, table: str, spec: TableMapping) -> Source:
    """The table's file in ``directory`` (:func:`_find_file`), opened by the reader of its format."""
    file = _find_file(directory, table, spec)
    ext = file.suffix.lower().lstrip(".")
    if ext not in _READERS:
        raise DataError(Violation(file.name, None, None, f"unsupported format; use one of .{', .'.join(FORMATS)}"))
    return _READERS[ext](file)


def in_missing_ranges(code: Any, ranges: list[dict[str, Any]]) -> bool:
    """Whether an SPSS code lies in one of its column's declared missing ranges (such a cell is empty)."""
    for r in ranges:
        try:
            if r["lo"] <= code <= r["hi"]:
                return True
        except TypeError:
            if normalise(r["lo"]) == normalise(code):
                return True
    return False
