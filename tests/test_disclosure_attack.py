"""The joint attacker against everything published by sector and size class (README "Disclosure control").

On simulated surveys of 40, 60 and 206 establishments (the last also with a size class of four), the
publication is made as the report and ``thuiswerk findings`` make it — the findings' population rows,
figure 15, the RI&E table and the size classes in the text of chapter 8 — and
:func:`thuiswerk.reporting.attack.attack` solves the integer program over every sector-by-size table
consistent with it, the allocation per stratum known. With the protection on, no protected cell (a
blanked group of fewer than 10 establishments) is pinned down exactly or within one unit; with it off, or
with the design-based estimates left out of it, the same attacker recovers cells. The population model's
draws are stand-ins (the attacker uses no model estimate: see thuiswerk.data.linked, "Not covered").
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from thuiswerk.analysis import mrp
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.data import linked, population, simulate
from thuiswerk.data.shares import SHARES
from thuiswerk.modelling.strata import CELL, INDICATOR
from thuiswerk.reporting import attack

SEED = 20221201


def with_a_size_class_of_four(est: pd.DataFrame) -> pd.DataFrame:
    """The survey with four small establishments: the others of the class counted as middle-sized."""
    out = est.copy()
    out["size_class"] = out["size_class"].replace("klein", "midden")
    out.loc[out.index[:4], "size_class"] = "klein"
    return out


SURVEYS = {
    "40": (40, None),
    "60": (60, None),
    "206": (206, None),
    "206, a size class of four": (206, with_a_size_class_of_four),
}
PROTECTIONS = {"on": {}, "off": {"linked": False}, "without the weighted estimates": {"weighted": False}}


@cache
def survey(name: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n, change = SURVEYS[name]
    s = simulate.simulate(n, seed=SEED)
    est = s.establishments if change is None else change(s.establishments)
    frame = population.load_frame(REPO_ROOT / "data" / "synthetic" / "population.csv")
    return est, s.employees, frame


def stand_in_posterior(inputs: mrp.StrataInputs) -> xr.DataTree:
    """Draws of the population model's ``p`` of the right shape (the attacker reads no model estimate)."""
    rng = np.random.default_rng(SEED)
    shape = (1, 20, len(inputs.coords[INDICATOR]), len(inputs.coords[CELL]))
    p = xr.DataArray(rng.uniform(0.05, 0.95, shape), dims=("chain", "draw", INDICATOR, CELL),
                     coords={INDICATOR: inputs.coords[INDICATOR], CELL: inputs.coords[CELL]})  # fmt: skip
    return xr.DataTree.from_dict({"posterior": xr.Dataset({"p": p})})


@cache
def linked_inputs(name: str) -> mrp.StrataInputs:
    """The population model's inputs for the findings rows of the linked columns (the other rows are about
    answers that are published for all establishments only)."""
    est, emp, _ = survey(name)
    return mrp.strata_inputs(est, emp, tuple(s for s in SHARES if s.column in linked.LINKED_COLUMNS))


@cache
def published(name: str, protection: str) -> tuple[linked.Protection, attack.Publication, pd.DataFrame]:
    est, emp, frame = survey(name)
    protect = linked.protect_groups(est, frame, **PROTECTIONS[protection])
    inputs = linked_inputs(name)
    rows = mrp.rows(stand_in_posterior(inputs), inputs, frame, protect)
    publication = attack.publication(est, emp, rows, protect)
    return protect, publication, attack.attack(est, frame, publication)


@pytest.mark.parametrize("name", list(SURVEYS))
def test_the_joint_attacker_pins_down_no_protected_cell(name):
    protect, _, found = published(name, "on")
    assert ((found["low"] <= found["truth"]) & (found["truth"] <= found["high"])).all()  # equations consistent
    assert not found["pinned"].any(), found[found["pinned"]].to_string()
    if name in ("40", "60", "206, a size class of four"):
        assert len(found) > 0 and protect.secondary  # protected cells to attack, and blanks added to protect them
    else:
        assert not protect.blanked and found.empty  # no small group: nothing blanked (not over-protected)


@pytest.mark.parametrize(
    "name, protection",
    [
        ("40", "off"),
        ("60", "off"),
        ("206, a size class of four", "off"),
        # the integer programs with the weighted equations of the smallest survey take half a minute
        ("60", "without the weighted estimates"),
        ("206, a size class of four", "without the weighted estimates"),
    ],
)
def test_without_the_protection_the_same_attacker_recovers_cells(name, protection):
    _, _, found = published(name, protection)
    assert found["pinned"].any(), found.to_string()


@pytest.mark.parametrize("name", ["40", "60"])
def test_no_count_beside_a_blanked_value(name):
    _, publication, _ = published(name, "on")
    rows = publication.findings
    blank = rows["mean"].isna()
    assert blank.any()
    assert rows.loc[blank, ["n", "design_uncovered", "design_mean", "q05", "q95"]].isna().all().all()
    table = publication.table
    assert table.loc[table["suppressed"], ["rie", "homeworking"]].isna().all().all()


def test_the_outputs_blank_the_same_groups():
    """The figure, the table, the text and the findings show one decision (no group blanked in one, printed
    in another)."""
    protect, publication, _ = published("206, a size class of four", "on")
    sizes = [c for d, c in protect.blanked if d == "size_class"]
    assert sizes
    figure = publication.figure.groupby("group_code")["share"].apply(lambda s: s.isna().all())
    table = publication.table.set_index("group_code")["rie"].isna()
    rows = publication.findings
    sample = rows[(rows["population"] == "sample") & rows["by"].str.startswith("size_class=")]
    findings = sample["mean"].isna().groupby(sample["by"].str.split("=").str[1]).all()
    for code in ["klein", "midden", "groot"]:
        blank = code in sizes
        assert figure[code] == blank and table[code] == blank and findings[code] == blank
        assert pd.isna(publication.text[code]) == blank


@pytest.mark.parametrize("name", ["40", "60", "206"])
def test_appendix_a_says_what_the_protection_cost(name):
    from thuiswerk.core import nl
    from thuiswerk.reporting import summaries

    protect, _, _ = published(name, "on")
    text = summaries.protection_nl(protect, survey(name)[2])
    sectors = sum(1 for d, _ in protect.blanked if d == "sector")
    if not protect.blanked:
        assert "niets weggelaten" in text
    elif sectors == 6:
        assert "alle zes sectoren weggelaten" in text
    else:
        assert f"{nl.count_words(sectors)} van de zes sectoren" in text
    assert (f"voor {nl.count_words(len(protect.hidden_weighted))} combinaties" in text) == bool(protect.hidden_weighted)
