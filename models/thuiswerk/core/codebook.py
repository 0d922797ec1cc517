"""The codebook: every variable of the survey, read from ``data/codebook.yaml``.

This module only parses and expands the YAML (per-measure templates, named value
sets) into immutable :class:`Variable` records. Validation lives in
:mod:`thuiswerk.data.validation`, labels in :mod:`thuiswerk.core.nl`, the generator in
:mod:`thuiswerk.data.generator`; all three read the codebook through :func:`load`.

Required and optional columns
    ``required: true`` marks a column without which the survey cannot be read
    at all: the identifiers, the parent link, and the sample design (role,
    sector, size class). Every other column is optional: it is used only by the
    models, figures and chapters that need it, and a survey file without it
    loads and validates with the column *absent* (never created, never filled).
    The loader refuses a codebook whose table key, parent column or
    ``at_most_one_per`` columns are not required.

The sample design (``tables.<table>.at_most_one_per``)
    A list of columns of which each combination may occur in at most one row;
    for the employees table ``[establishment_id, role]``: at most one manager
    and one non-manager were interviewed per establishment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from thuiswerk.core.errors import UsageError
from thuiswerk.core.resources import resource_path

TableName = Literal["establishments", "employees"]
TABLES: tuple[TableName, ...] = ("establishments", "employees")
TYPES = ("id", "category", "boolean", "integer", "float", "ordinal")
SOURCES = (
    "employer_interview",
    "employee_interview",
    "questionnaire",
    "inspector",
    "documents",
    "register",
    "design",
)


class CodebookError(UsageError):
    """The codebook file itself is malformed (exit 3, as a bad configuration)."""


@dataclass(frozen=True)
class Variable:
    """One column of one table."""

    name: str
    table: TableName
    type: str
    label: str
    source: str
    missing: str | None = None  # reason an applicable value may be empty; None: never
    categories: dict[Any, str] = field(default_factory=dict)  # code -> Dutch label
    range: tuple[float, float] | None = None
    applies_when: dict[str, Any] = field(default_factory=dict)
    measure: str | None = None  # the measure id for per-measure variables
    required: bool = False  # True: the survey cannot be read without this column

    @property
    def codes(self) -> list[Any]:
        return list(self.categories)

    @property
    def numeric(self) -> bool:
        return self.type in ("boolean", "integer", "float", "ordinal")


@dataclass(frozen=True)
class Constraint:
    """A rule between columns of one row: a pandas expression true for a valid row."""

    table: TableName
    columns: tuple[str, ...]
    rule: str
    message: str


@dataclass(frozen=True)
class Codebook:
    path: Path
    version: int
    keys: dict[str, str]
    parent: dict[str, str]  # {"column": ..., "table": ...} for employees
    measures: dict[str, str]  # id -> Dutch label, in Table 1 order
    measure_groups: dict[str, list[str]]
    variables: tuple[Variable, ...]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # scale name -> variable names
    constraints: tuple[Constraint, ...] = ()
    # table -> columns of which each combination may occur in at most one row
    # (the sample design: one manager and one non-manager per establishment)
    at_most_one_per: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def table(self, table: TableName) -> list[Variable]:
        return [v for v in self.variables if v.table == table]

    def columns(self, table: TableName) -> list[str]:
        return [v.name for v in self.table(table)]

    def required(self, table: TableName) -> list[str]:
        """The columns without which ``table`` cannot be read (codebook order)."""
        return [v.name for v in self.table(table) if v.required]

    def optional(self, table: TableName) -> list[str]:
        """The columns that may be absent from a survey file (codebook order)."""
        return [v.name for v in self.table(table) if not v.required]

    def get(self, table: TableName, name: str) -> Variable:
        for v in self.variables:
            if v.table == table and v.name == name:
                return v
        raise KeyError(f"{table}.{name} is not in the codebook {self.path}")

    def find(self, name: str) -> Variable:
        """The variable called ``name``; employee table wins for shared keys."""
        matches = [v for v in self.variables if v.name == name]
        if not matches:
            raise KeyError(f"{name} is not in the codebook {self.path}")
        return matches[-1]

    def measure_columns(self, prefix: Literal["employer", "knows"]) -> list[str]:
        return [f"{prefix}_{m}" for m in self.measures]


def _expand(entry: dict[str, Any], value_sets: dict, measures: dict[str, str], where: str) -> list[Variable]:
    fields = {"name", "table", "type", "label", "source", "missing"}
    absent = fields - entry.keys()
    if absent:
        raise CodebookError(f"{where}: missing field(s) {sorted(absent)}")
    if entry["table"] not in TABLES:
        raise CodebookError(f"{where}: table must be one of {TABLES}")
    if entry["type"] not in TYPES:
        raise CodebookError(f"{where}: type must be one of {TYPES}")
    if entry["source"] not in SOURCES:
        raise CodebookError(f"{where}: source must be one of {SOURCES}")
    categories = entry.get("categories") or {}
    if "value_set" in entry:
        if entry["value_set"] not in value_sets:
            raise CodebookError(f"{where}: unknown value_set {entry['value_set']!r}")
        categories = value_sets[entry["value_set"]]
    if entry["type"] in ("category", "ordinal", "boolean") and not categories:
        raise CodebookError(f"{where}: type {entry['type']} needs categories or a value_set")
    rng = entry.get("range")
    if entry["type"] in ("integer", "float") and rng is None:
        raise CodebookError(f"{where}: type {entry['type']} needs a range")
    missing = entry["missing"]
    if missing is not False and not (isinstance(missing, str) and missing.strip()):
        raise CodebookError(f"{where}: missing must be false or a reason")
    required = entry.get("required", False)
    if not isinstance(required, bool):
        raise CodebookError(f"{where}: required must be true or false")
    base = dict(
        table=entry["table"],
        type=entry["type"],
        source=entry["source"],
        missing=None if missing is False else missing,
        categories=dict(categories),
        range=tuple(rng) if rng is not None else None,
        applies_when=dict(entry.get("applies_when") or {}),
        required=required,
    )
    if entry.get("per_measure"):
        return [
            Variable(
                name=entry["name"].format(measure=m),
                label=entry["label"].format(measure_label=label),
                measure=m,
                **base,
            )
            for m, label in measures.items()
        ]
    return [Variable(name=entry["name"], label=entry["label"], **base)]


@lru_cache(maxsize=8)
def load(path: Path | str | None = None) -> Codebook:
    """Read and expand the codebook (default: the shipped ``codebook.yaml``)."""
    path = Path(path) if path is not None else resource_path("codebook.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    measures = dict(raw["measures"])
    variables: list[Variable] = []
    for i, entry in enumerate(raw["variables"]):
        variables.extend(_expand(entry, raw.get("value_sets", {}), measures, f"{path}: variables[{i}]"))
    seen: set[tuple[str, str]] = set()
    for v in variables:
        if (v.table, v.name) in seen:
            raise CodebookError(f"{path}: duplicate variable {v.table}.{v.name}")
        seen.add((v.table, v.name))
    for v in variables:
        for col in v.applies_when:
            if (v.table, col) not in seen:
                raise CodebookError(f"{path}: {v.name}.applies_when names unknown column {col}")
    groups = {g: list(ms) for g, ms in (raw.get("measure_groups") or {}).items()}
    for g, ms in groups.items():
        unknown = set(ms) - measures.keys()
        if unknown:
            raise CodebookError(f"{path}: measure_groups.{g} names unknown measures {sorted(unknown)}")
    names = {v.name for v in variables}
    variable_groups = {g: tuple(vs) for g, vs in (raw.get("variable_groups") or {}).items()}
    for g, vs in variable_groups.items():
        unknown = set(vs) - names
        if unknown:
            raise CodebookError(f"{path}: variable_groups.{g} names unknown variables {sorted(unknown)}")
    constraints = []
    for i, c in enumerate(raw.get("constraints") or []):
        unknown_cols = [col for col in c["columns"] if (c["table"], col) not in seen]
        if unknown_cols:
            raise CodebookError(f"{path}: constraints[{i}] names unknown columns {unknown_cols}")
        constraints.append(Constraint(c["table"], tuple(c["columns"]), c["rule"], c["message"]))
    tables = raw["tables"]
    required = {(v.table, v.name) for v in variables if v.required}
    at_most_one_per: dict[str, tuple[str, ...]] = {}
    for t in TABLES:
        key = tables[t]["key"]
        if (t, key) not in required:
            raise CodebookError(f"{path}: {t}.{key} is the table's key and must be required: true")
        design = tables[t].get("at_most_one_per")
        if design:
            undefined = [col for col in design if (t, col) not in seen]
            if undefined:
                raise CodebookError(f"{path}: tables.{t}.at_most_one_per names unknown columns {undefined}")
            optional = [col for col in design if (t, col) not in required]
            if optional:
                raise CodebookError(f"{path}: tables.{t}.at_most_one_per columns {optional} must be required: true")
            at_most_one_per[t] = tuple(design)
    parent = dict(tables["employees"]["parent"])
    if ("employees", parent["column"]) not in required:
        raise CodebookError(
            f"{path}: employees.{parent['column']} links to the parent table and must be required: true"
        )
    return Codebook(
        path=path,
        version=int(raw["version"]),
        keys={t: tables[t]["key"] for t in TABLES},
        parent=parent,
        measures=measures,
        measure_groups=groups,
        variables=tuple(variables),
        groups=variable_groups,
        constraints=tuple(constraints),
        at_most_one_per=at_most_one_per,
    )


# The two roles of the design (the codebook's ``role`` codes): one manager and one non-manager per
# establishment. Every module names them through these constants.
MANAGER = "leidinggevende"
NON_MANAGER = "niet_leidinggevende"
ROLES = (MANAGER, NON_MANAGER)
