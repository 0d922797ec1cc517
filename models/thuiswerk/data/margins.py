"""Published sample margins of the seed report and the assumptions of the synthetic survey.

``data/margins.yaml`` holds two lists, ``published`` (numbers the seed states for its own
sample, each with the seed sentence it comes from) and ``assumptions`` (plausible values
where the seed gives none, each with a reason). Every entry carries a small declarative
``statistic`` that :func:`evaluate` computes on the two survey tables, so the same file
(1) feeds the generator in :mod:`thuiswerk.data.calibrate` its targets and (2) checks any pair of
tables, synthetic or real, against them.

Both functions are pure: :func:`load_margins` only reads the file, :func:`evaluate` only
reads the tables.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from thuiswerk.core.errors import UsageError
from thuiswerk.core.resources import resource_path

Kind = Literal["published", "assumption"]
KINDS: dict[str, Kind] = {"published": "published", "assumptions": "assumption"}
TABLE_NAMES = ("establishments", "employees")
STATS = (
    "share",
    "share_any",
    "mean",
    "mean_difference",
    "sum_per_establishment",
    "count_per_establishment",
    "share_difference",
    "share_lead",
    "disagreement",
    "known_to_reported_loss",
    "not_known_given_reported",
)
CONDITIONS = ("equals", "in", "at_least", "below")
EMPLOYER_PREFIX = "employer_"
KNOWS_PREFIX = "knows_"
ESTABLISHMENT_KEY = "establishment_id"


class MarginsError(UsageError):
    """The margins file is malformed (exit 3, as a bad configuration)."""


@dataclass(frozen=True)
class Margin:
    """One target: a published number or an assumption."""

    id: str
    kind: Kind
    value: float
    tolerance: float
    statistic: Mapping[str, Any]
    tolerance_type: Literal["absolute", "relative"] = "absolute"
    quote: str | None = None
    reason: str | None = None
    note: str | None = None

    @property
    def absolute_tolerance(self) -> float:
        if self.tolerance_type == "relative":
            return self.tolerance * abs(self.value)
        return self.tolerance


@dataclass(frozen=True)
class Margins:
    """All margins of one file, in file order (published first)."""

    entries: tuple[Margin, ...]
    path: str | None = None
    _by_id: dict[str, Margin] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({m.id: m for m in self.entries})

    def __iter__(self) -> Iterator[Margin]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, margin_id: object) -> bool:
        return margin_id in self._by_id

    def __getitem__(self, margin_id: str) -> Margin:
        try:
            return self._by_id[margin_id]
        except KeyError:
            raise KeyError(f"no margin with id {margin_id!r} in {self.path or 'the margins'}") from None

    def value(self, margin_id: str) -> float:
        """The target value of the margin ``margin_id``."""
        return self[margin_id].value

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.entries]

    @property
    def published(self) -> tuple[Margin, ...]:
        return tuple(m for m in self.entries if m.kind == "published")

    @property
    def assumptions(self) -> tuple[Margin, ...]:
        return tuple(m for m in self.entries if m.kind == "assumption")

    def digest(self) -> str:
        """SHA-256 of a canonical JSON of ids, values, tolerances and statistics."""
        canon = [[m.id, m.kind, m.value, m.tolerance, m.tolerance_type, _plain(m.statistic)] for m in self.entries]
        blob = json.dumps(canon, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _parse_entry(raw: Any, kind: Kind, where: str) -> Margin:
    if not isinstance(raw, Mapping):
        raise MarginsError(f"{where}: an entry must be a mapping")
    for key in ("id", "value", "tolerance", "statistic"):
        if key not in raw:
            raise MarginsError(f"{where}: missing field {key!r}")
    mid = raw["id"]
    text_field = "quote" if kind == "published" else "reason"
    text = raw.get(text_field)
    if not (isinstance(text, str) and text.strip()):
        raise MarginsError(f"{where} ({mid}): a {kind} margin needs a non-empty {text_field!r}")
    try:
        value = float(raw["value"])
        tolerance = float(raw["tolerance"])
    except (TypeError, ValueError):
        raise MarginsError(f"{where} ({mid}): value and tolerance must be numbers") from None
    if not (math.isfinite(value) and math.isfinite(tolerance)) or tolerance < 0:
        raise MarginsError(f"{where} ({mid}): value must be finite and tolerance >= 0")
    tolerance_type = raw.get("tolerance_type", "absolute")
    if tolerance_type not in ("absolute", "relative"):
        raise MarginsError(f"{where} ({mid}): tolerance_type must be absolute or relative")
    spec = raw["statistic"]
    if not isinstance(spec, Mapping):
        raise MarginsError(f"{where} ({mid}): statistic must be a mapping")
    if spec.get("table") not in TABLE_NAMES:
        raise MarginsError(f"{where} ({mid}): statistic.table must be one of {TABLE_NAMES}")
    if spec.get("stat") not in STATS:
        raise MarginsError(f"{where} ({mid}): statistic.stat must be one of {STATS}")
    conditions = [c for c in CONDITIONS if c in spec]
    if len(conditions) > 1:
        raise MarginsError(f"{where} ({mid}): give at most one of {CONDITIONS}")
    if spec["stat"] in ("share", "share_any", "share_difference", "share_lead") and not conditions:
        raise MarginsError(f"{where} ({mid}): stat {spec['stat']} needs a condition {CONDITIONS}")
    if spec["stat"] in ("share", "mean", "sum_per_establishment", "share_difference", "share_lead"):
        if "variable" not in spec:
            raise MarginsError(f"{where} ({mid}): stat {spec['stat']} needs 'variable'")
    if spec["stat"] in ("share_any", "mean_difference") and not spec.get("variables"):
        raise MarginsError(f"{where} ({mid}): stat {spec['stat']} needs 'variables'")
    if spec["stat"] == "share" and not 0.0 <= value <= 1.0:
        raise MarginsError(f"{where} ({mid}): a share must lie in [0, 1]")
    return Margin(
        id=str(mid),
        kind=kind,
        value=value,
        tolerance=tolerance,
        tolerance_type=tolerance_type,
        statistic=dict(spec),
        quote=raw.get("quote"),
        reason=raw.get("reason"),
        note=raw.get("note"),
    )


def load_margins(path: Path | str | None = None) -> Margins:
    """Read and check a margins file (default: the shipped ``margins.yaml``)."""
    path = Path(path) if path is not None else resource_path("margins.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, Mapping) or set(raw) != set(KINDS):
        raise MarginsError(f"{path}: expected exactly the top-level lists {sorted(KINDS)}")
    entries: list[Margin] = []
    for key, kind in KINDS.items():
        items = raw[key] or []
        if not isinstance(items, list):
            raise MarginsError(f"{path}: {key} must be a list")
        entries.extend(_parse_entry(item, kind, f"{path}: {key}[{i}]") for i, item in enumerate(items))
    seen: set[str] = set()
    for m in entries:
        if m.id in seen:
            raise MarginsError(f"{path}: duplicate margin id {m.id!r}")
        seen.add(m.id)
    return Margins(entries=tuple(entries), path=str(path))


# ----------------------------------------------------------------------------- evaluation


def _column(frame: pd.DataFrame, name: str, establishments: pd.DataFrame, table: str) -> pd.Series:
    """A column of ``frame``; employee rows may name an establishment column."""
    if name in frame.columns:
        return frame[name]
    if table == "employees" and name in establishments.columns:
        mapped = establishments.set_index(ESTABLISHMENT_KEY)[name]
        return frame[ESTABLISHMENT_KEY].map(mapped)
    raise KeyError(f"column {name!r} is in neither the {table} table nor the establishments table")


def _rows(spec: Mapping[str, Any], frame: pd.DataFrame, establishments: pd.DataFrame) -> pd.DataFrame:
    table = spec["table"]
    keep = np.ones(len(frame), dtype=bool)
    for col, wanted in (spec.get("filter") or {}).items():
        values = _column(frame, col, establishments, table)
        wanted = list(wanted) if isinstance(wanted, (list, tuple)) else [wanted]
        keep &= values.isin(wanted).fillna(False).to_numpy(dtype=bool)
    return frame.loc[keep]


def _condition(values: pd.Series, spec: Mapping[str, Any]) -> np.ndarray:
    """Boolean array of the condition on the observed ``values``."""
    if "equals" in spec:
        out = values == spec["equals"]
    elif "in" in spec:
        out = values.isin(list(spec["in"]))
    elif "at_least" in spec:
        out = values.astype("float64") >= float(spec["at_least"])
    elif "below" in spec:
        out = values.astype("float64") < float(spec["below"])
    else:  # pragma: no cover - guarded by the parser
        raise MarginsError("no condition")
    return np.asarray(out.fillna(False), dtype=bool)


def _share(values: pd.Series, spec: Mapping[str, Any]) -> float:
    observed = values[values.notna()]
    if len(observed) == 0:
        return float("nan")
    return float(_condition(observed, spec).mean())


def _measure_pairs(employees: pd.DataFrame, establishments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(employer, knows) as float arrays (employees x measures), NaN where missing."""
    measures = [
        c[len(KNOWS_PREFIX) :]
        for c in employees.columns
        if c.startswith(KNOWS_PREFIX) and EMPLOYER_PREFIX + c[len(KNOWS_PREFIX) :] in establishments.columns
    ]
    if not measures:
        raise KeyError("no knows_* columns with a matching employer_* column")
    knows = employees[[KNOWS_PREFIX + m for m in measures]].astype("float64").to_numpy()
    employer_cols = [EMPLOYER_PREFIX + m for m in measures]
    lookup = establishments.set_index(ESTABLISHMENT_KEY)[employer_cols].astype("float64")
    employer = lookup.reindex(employees[ESTABLISHMENT_KEY]).to_numpy()
    return employer, knows


def statistic_value(spec: Mapping[str, Any], establishments: pd.DataFrame, employees: pd.DataFrame) -> float:
    """Compute one margin's ``statistic`` on the two tables."""
    table = spec["table"]
    base = establishments if table == "establishments" else employees
    frame = _rows(spec, base, establishments)
    stat = spec["stat"]
    n_establishments = len(establishments)

    def col(name: str) -> pd.Series:
        return _column(frame, name, establishments, table)

    if stat == "share":
        return _share(col(spec["variable"]), spec)
    if stat == "share_any":
        cols = [col(v) for v in spec["variables"]]
        complete = np.logical_and.reduce([c.notna().to_numpy() for c in cols])
        if not complete.any():
            return float("nan")
        hits = np.logical_or.reduce([_condition(c[complete], spec) for c in cols])
        return float(hits.mean())
    if stat == "mean":
        return float(col(spec["variable"]).astype("float64").mean())
    if stat == "mean_difference":
        a, b = (col(v).astype("float64") for v in spec["variables"])
        return float((a - b).mean())
    if stat == "sum_per_establishment":
        return float(col(spec["variable"]).astype("float64").sum() / n_establishments)
    if stat == "count_per_establishment":
        return float(len(frame) / n_establishments)
    if stat == "share_difference":
        ((by_col, levels),) = spec["by"].items()
        groups = col(by_col)
        values = col(spec["variable"])
        first, second = (_share(values[groups == level], spec) for level in levels)
        return first - second
    if stat == "share_lead":
        lead = _share(col(spec["variable"]), spec)
        return lead - max(_share(col(o), spec) for o in spec["others"])
    if stat in ("disagreement", "known_to_reported_loss", "not_known_given_reported"):
        employer, knows = _measure_pairs(frame, establishments)
        if stat == "disagreement":
            per_employee = ((employer == 1) & (knows == 0)).sum(axis=1)  # NaN compares False
            value = float(per_employee.mean()) if len(per_employee) else float("nan")
            return value / employer.shape[1] if spec.get("normalise") else value
        if stat == "known_to_reported_loss":
            employer_all = establishments[[c for c in establishments.columns if c.startswith(EMPLOYER_PREFIX)]].astype(
                "float64"
            )
            reported = float(np.nansum(employer_all.to_numpy(), axis=1).mean())
            known = float(np.nansum(knows, axis=1).mean())
            return 1.0 - known / reported
        reported_pairs = employer == 1
        return float(((knows == 0) & reported_pairs).sum() / reported_pairs.sum())
    raise MarginsError(f"unknown stat {stat!r}")  # pragma: no cover - guarded by the parser


def evaluate(margins: Margins, establishments: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    """One row per margin: id, kind, stat, target, observed, error, tolerance, within.

    ``observed`` is the statistic computed on the tables (simulated or real),
    ``error = observed - target``, ``tolerance`` is absolute (relative tolerances are
    converted) and ``within`` is ``|error| <= tolerance``.
    """
    rows = []
    for m in margins:
        observed = statistic_value(m.statistic, establishments, employees)
        error = observed - m.value
        tol = m.absolute_tolerance
        rows.append(
            {
                "id": m.id,
                "kind": m.kind,
                "stat": m.statistic["stat"],
                "target": m.value,
                "observed": observed,
                "error": error,
                "tolerance": tol,
                "within": bool(np.isfinite(error) and abs(error) <= tol + 1e-12),
            }
        )
    return pd.DataFrame(rows, columns=["id", "kind", "stat", "target", "observed", "error", "tolerance", "within"])
