"""The population frame: establishments and employees of the surveyed sectors per stratum.

The frame is ``population.csv`` in the survey folder, beside ``establishments`` and
``employees`` (the frame belongs to the survey it was sampled from: a default
frame elsewhere would pair a real survey with the synthetic frame without anyone
noticing). One row per sector x size class, the strata of the sample design::

    sector,size_class,n_establishments,n_employees,source
    informatie_communicatie,klein,10412,98431,KvK Handelsregister 2022 ...

* ``sector``, ``size_class``: codebook codes or their Dutch labels (compared like the
  survey's labels, :func:`thuiswerk.data.mapping.normalise`); every combination once;
* ``n_establishments``: whole number >= 0, the establishments of the stratum;
* ``n_employees``: whole number >= 0, their employees, within the size class's bounds
  (:data:`SIZE_BOUNDS`: a stratum of 10 small establishments has 10 to 490);
* ``source``: where the counts come from (register, date); not empty.

:func:`load_frame` refuses a frame that breaks any rule with every problem named by
file, row and column (:class:`FrameError`, exit code 1), and an unreadable file with
:class:`thuiswerk.data.files.DataError` (exit code 2). :func:`check_sample` refuses a survey
with more establishments in a stratum than the frame has (or any in a stratum the
frame says is empty).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.errors import InvalidDataError
from thuiswerk.data.violations import Violation

FRAME_FILE = "population.csv"
COLUMNS = ("sector", "size_class", "n_establishments", "n_employees", "source")
# Employees per establishment of each size class (the codebook's labels: minder dan 50, 50 tot 250,
# 250 of meer); the frame's employees of a stratum lie between these times its establishments.
SIZE_BOUNDS: dict[str, tuple[int, int | None]] = {"klein": (1, 49), "midden": (50, 249), "groot": (250, None)}


class FrameError(InvalidDataError):
    """The population frame breaks a rule (exit code 1); ``violations`` lists every problem."""

    def __init__(self, violations: list[Violation], hint: str | None = None) -> None:
        self.violations = violations
        lines = [f"the population frame is not valid ({len(violations)} problem(s)):"]
        lines += [f"  {v}" for v in violations]
        super().__init__("\n".join(lines), hint)


HINT = "Fix the frame (format: data/README.md, 'The population frame'), or remove it to fit without population rows."


def frame_path(data_folder: Path) -> Path | None:
    """The frame of the survey in ``data_folder`` (``population.csv``, any case), or None."""
    folder = Path(data_folder)
    if not folder.is_dir():
        return None
    found = [p for p in folder.iterdir() if p.name.lower() == FRAME_FILE]
    return found[0] if found else None


def strata() -> list[tuple[str, str]]:
    """Every (sector, size class) of the codebook, in codebook order."""
    cb = codebook_module.load()
    return [(s, z) for s in cb.find("sector").categories for z in cb.find("size_class").categories]


def _read(path: Path) -> pd.DataFrame:
    from thuiswerk.data.files import DataError

    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise DataError(Violation(path.name, None, None, f"cannot read the file: {exc.strerror or exc}")) from None
    except UnicodeDecodeError:
        raise DataError(Violation(path.name, None, None, "not a UTF-8 text CSV file")) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise DataError(Violation(path.name, None, None, "the file is empty"))
    header, body = [h.strip() for h in rows[0]], rows[1:]
    ragged = [i + 2 for i, r in enumerate(body) if r and len(r) != len(header)]
    if ragged:
        raise DataError(
            [Violation(path.name, i, None, f"has a different number of cells than the header ({len(header)})")
             for i in ragged]
        )  # fmt: skip
    return pd.DataFrame([r for r in body if r], columns=header, dtype=object)


def _codes(column: str) -> dict[str, str]:
    """normalised code or label -> code."""
    from thuiswerk.data.mapping import normalise

    categories = codebook_module.load().find(column).categories
    out = {normalise(code): code for code in categories}
    out |= {normalise(label): code for code, label in categories.items()}
    return out


def _whole(value: str) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() and number >= 0 else None


def load_frame(path: Path) -> pd.DataFrame:
    """The validated frame: ``sector``, ``size_class`` (codes), ``n_establishments``, ``n_employees``, ``source``.

    One row per stratum of :func:`strata`, in that order. Raises :class:`FrameError`
    listing every problem, or :class:`thuiswerk.data.files.DataError` for an unreadable file.
    """
    from thuiswerk.data.mapping import normalise

    path = Path(path)
    name = path.name
    frame = _read(path)
    problems: list[Violation] = []
    columns = {normalise(c): c for c in frame.columns}
    missing = [c for c in COLUMNS if normalise(c) not in columns]
    unknown = [c for c in frame.columns if normalise(c) not in {normalise(k) for k in COLUMNS}]
    problems += [Violation(name, 1, c, "missing column: the frame needs it") for c in missing]
    problems += [Violation(name, 1, c, f"unknown column: a frame has only {', '.join(COLUMNS)}") for c in unknown]
    if problems:
        raise FrameError(problems, HINT)
    frame = frame.rename(columns={columns[normalise(c)]: c for c in COLUMNS})[list(COLUMNS)]
    lookups = {c: _codes(c) for c in ("sector", "size_class")}
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        line = i + 2  # the header is line 1
        row: dict = {}
        for column in ("sector", "size_class"):
            code = lookups[column].get(normalise(record[column]))
            if code is None:
                allowed = ", ".join(codebook_module.load().find(column).categories)
                problems.append(Violation(name, line, column, f"not a codebook code or label (one of {allowed})",
                                          record[column]))  # fmt: skip
            row[column] = code
        for column in ("n_establishments", "n_employees"):
            row[column] = _whole(record[column])
            if row[column] is None:
                problems.append(Violation(name, line, column, "must be a whole number >= 0", record[column]))
        row["source"] = str(record["source"] or "").strip()
        if not row["source"]:
            problems.append(Violation(name, line, "source", "must say where the counts come from (register, date)"))
        key = (row["sector"], row["size_class"])
        if None not in key:
            if key in seen:
                problems.append(
                    Violation(name, line, "size_class", f"stratum {key[0]} x {key[1]} is also in row {seen[key]}")
                )
            seen.setdefault(cast(tuple[str, str], key), line)
        n, e = row["n_establishments"], row["n_employees"]
        if row["size_class"] in SIZE_BOUNDS and n is not None and e is not None:
            lo, hi = SIZE_BOUNDS[row["size_class"]]
            if e < lo * n or (hi is not None and e > hi * n):
                bound = f"{lo * n} to {hi * n}" if hi is not None else f"at least {lo * n}"
                problems.append(Violation(
                    name, line, "n_employees",
                    f"{n} establishments of size class {row['size_class']} have {bound} employees", e,
                ))  # fmt: skip
        rows.append(row)
    for sector, size in strata():
        if (sector, size) not in seen and not any(v.rule.startswith("not a codebook") for v in problems):
            problems.append(Violation(name, None, None,
                                      f"no row for stratum {sector} x {size} (give 0 establishments if there are none)"))  # fmt: skip
    if problems:
        raise FrameError(problems, HINT)
    out = pd.DataFrame(rows).set_index(["sector", "size_class"]).loc[strata()].reset_index()
    out[["n_establishments", "n_employees"]] = out[["n_establishments", "n_employees"]].astype(np.int64)
    return out


def check_sample(frame: pd.DataFrame, establishments: pd.DataFrame, frame_file: str = FRAME_FILE) -> None:
    """Refuse a survey with more establishments in a stratum than the frame holds there."""
    counts = establishments.groupby(["sector", "size_class"], observed=True).size()
    problems = []
    for i, row in enumerate(frame.to_dict("records")):
        n = int(counts.get((row["sector"], row["size_class"]), 0))
        if n > row["n_establishments"]:
            problems.append(Violation(
                frame_file, i + 2, "n_establishments",
                f"the survey has {n} establishments of stratum {row['sector']} x {row['size_class']}, more than the "
                "frame's", int(row["n_establishments"]),
            ))  # fmt: skip
    if problems:
        raise FrameError(problems, "Is this the frame the survey was sampled from? " + HINT)


def frame_of(data_folder: Path, establishments: pd.DataFrame) -> pd.DataFrame | None:
    """The survey folder's frame, validated and checked against the survey's establishments; None without one."""
    path = frame_path(data_folder)
    if path is None:
        return None
    frame = load_frame(path)
    check_sample(frame, establishments, path.name)
    return frame


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as CSV (atomically: a temporary file renamed over ``path``)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    frame[list(COLUMNS)].to_csv(tmp, index=False)
    tmp.replace(path)
    return path
