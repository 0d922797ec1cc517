"""The mapping file: the data's own column names and codes -> the codebook's, and how codes and labels compare.

:func:`load_mapping` reads and checks a mapping file (or its parsed contents)
into a :class:`SurveyMapping` of one :class:`TableMapping` per table; every
problem of the file raises :class:`~thuiswerk.data.files.DataError` naming the
entry. A code or label is matched against the codebook after Unicode
normalisation (:func:`normalise`: accents, case and spaces do not count,
:func:`find_code`); :func:`nearest_label` names the codebook label nearest to
one that matches nothing.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core.codebook import TABLES, Codebook, Variable
from thuiswerk.data.files import FORMATS, DataError, not_a_regular_file
from thuiswerk.data.violations import Violation


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


def find_code(var: Variable, wanted: Any) -> tuple[bool, Any]:
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
    read (:func:`thuiswerk.data.survey.load_survey`).
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
                    found, code = find_code(var, ours)
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
