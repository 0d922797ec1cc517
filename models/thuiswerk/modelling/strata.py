"""The population model's inputs: every share's indicators counted per stratum (sector x size class).

Every share of :mod:`thuiswerk.data.shares` becomes one or two binomial *indicators*: the
counted answer, and for a share of a subset the subset. :func:`strata_inputs` counts
them per stratum of the sample design and the frame (:mod:`thuiswerk.data.population`);
:func:`thuiswerk.modelling.builders.build_strata` models them, :func:`thuiswerk.modelling.fit.fit_strata`
samples the model, and :mod:`thuiswerk.analysis.mrp` post-stratifies the fit to a frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import dims
from thuiswerk.data import population as population_module
from thuiswerk.data import shares as shares_module
from thuiswerk.data.shares import SHARES, Share
from thuiswerk.modelling.specs import canonical_hash

MODEL = "population"  # the fit's name: FITS/population.nc
INDICATOR, CELL, SECTOR, SIZE = dims.INDICATOR, dims.CELL, dims.SECTOR, dims.SIZE_CLASS


def _subset_name(share: Share) -> str:
    assert share.given is not None
    role = f"|{share.role}" if share.role else ""
    return f"subset:{share.given[0]}={'/'.join(share.given[1])}|{share.column}{role}"


@dataclass(frozen=True)
class StrataInputs:
    """Successes and trials per indicator and stratum; which indicators make which share."""

    successes: np.ndarray  # (indicator, cell) int64
    trials: np.ndarray  # (indicator, cell) int64
    coords: dict[str, list[str]]  # indicator, cell, sector, size_class
    sector_of_cell: np.ndarray
    size_of_cell: np.ndarray
    numerator: dict[str, str]  # share id -> indicator of the counted answer
    denominator: dict[str, str | None]  # share id -> indicator of the subset (None: all units)
    sample: dict[str, dict[str, float]]  # row id -> {"mean": sample share, "n": denominator}
    units: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)  # share id -> its units
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)  # share id -> reason -> units left out


def strata_inputs(
    establishments: pd.DataFrame, employees: pd.DataFrame, shares: tuple[Share, ...] = SHARES
) -> StrataInputs:
    """Count every share's indicators per stratum (the shares whose columns the survey has)."""
    cells = population_module.strata()
    cb = codebook_module.load()
    sectors, sizes = list(cb.find("sector").categories), list(cb.find("size_class").categories)
    index = pd.MultiIndex.from_tuples(cells, names=list(shares_module.STRATA))
    names: list[str] = []
    rows_s: list[np.ndarray] = []
    rows_t: list[np.ndarray] = []
    numerator: dict[str, str] = {}
    denominator: dict[str, str | None] = {}
    by_key: dict[tuple, str] = {}
    sample: dict[str, dict[str, float]] = {}
    units_of: dict[str, pd.DataFrame] = {}
    excluded: dict[str, dict[str, int]] = {}
    levels = {"sector": sectors, "size_class": sizes}

    def add(name: str, units: pd.DataFrame, column: str) -> None:
        grouped = units.groupby(list(shares_module.STRATA), observed=True)[column]
        rows_s.append(grouped.sum().reindex(index, fill_value=0).to_numpy(np.int64))
        rows_t.append(grouped.size().reindex(index, fill_value=0).to_numpy(np.int64))
        names.append(name)

    present = set(establishments.columns) | set(employees.columns)
    for share in shares:
        if not set(shares_module.columns_needed(share)) <= present:
            continue
        found = shares_module.indicator(share, establishments, employees)
        units_of[share.id], excluded[share.id] = found.units, found.excluded
        if share.key not in by_key:
            by_key[share.key] = share.id
            add(share.id, found.units, "y")
        numerator[share.id] = by_key[share.key]
        denominator[share.id] = None
        if share.given is not None:
            name = _subset_name(share)
            if name not in names:
                add(name, found.units, "d")
            denominator[share.id] = name
        for row_id, level in shares_module.groups(share, levels):
            units = found.units if level is None else found.units[found.units[share.by] == level]
            mean, n = shares_module.sample_share(units)
            sample[row_id] = {"mean": mean, "n": n}
    return StrataInputs(
        successes=np.vstack(rows_s) if rows_s else np.zeros((0, len(cells)), np.int64),
        trials=np.vstack(rows_t) if rows_t else np.zeros((0, len(cells)), np.int64),
        coords={INDICATOR: names, CELL: [f"{s}|{z}" for s, z in cells], SECTOR: sectors, SIZE: sizes},
        sector_of_cell=np.array([sectors.index(s) for s, _ in cells]),
        size_of_cell=np.array([sizes.index(z) for _, z in cells]),
        numerator=numerator,
        denominator=denominator,
        sample=sample,
        units=units_of,
        excluded=excluded,
    )


def inputs_hash(inputs: StrataInputs) -> str:
    """Hash of what the model sees: the counts and the indicators' names and strata."""
    return canonical_hash(
        {
            "successes": inputs.successes.tolist(),
            "trials": inputs.trials.tolist(),
            "coords": inputs.coords,
        }
    )
