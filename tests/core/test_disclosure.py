"""Disclosure control (thuiswerk.core.disclosure) against a differencing attacker.

The attacker knows everything the report publishes and more: every n (also of a
blanked cell: the role counts are in chapter 4), every shown value, and each
published total (a total row of the same figure or table, or the value over both
roles that the text and appendix B give). From "total minus the shown siblings"
it learns the sum over the blanked siblings; with each respondent's answer on a
known scale (0/1 for a share, 1-5 for a score), and what it knows about a
distribution (its categories add up to n; "zit-sta" is part of "minstens in
hoogte verstelbaar"), it bounds every blanked value by linear programming. A
blanked value whose bounds meet is recovered, and the test fails.

It attacks every figure's data function, Table 1, the RI&E table, the by-role
and by-group helpers of the text and the predictive-check tables of appendix B,
on the synthetic survey (data/synthetic, loaded as tests/reporting/test_figures.py loads
it) and on small frames made from it: a size class and a sector of two
establishments, a role with four respondents, an item few managers answered,
and blanks that share an empty category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy.optimize import linprog  # noqa: E402

from thuiswerk.analysis import checks
from thuiswerk.analysis.descriptive import mean_missed_measures
from thuiswerk.core import codebook, disclosure, nl
from thuiswerk.data import describe, linked
from thuiswerk.data.survey import load_survey  # noqa: E402
from thuiswerk.reporting import tables as T
from thuiswerk.reporting.figures import cells, descriptive, descriptive_tables, model_checks, registry

SYNTHETIC = Path(__file__).resolve().parents[2] / "data" / "synthetic"
ROLES = ["leidinggevende", "niet_leidinggevende"]
SIZES = ["klein", "midden", "groot"]
SECTORS = list(codebook.load().find("sector").categories)
SHARE_VALUES = ["share", "count"]
MEAN_VALUES = ["mean", "sd"]


@pytest.fixture(scope="module")
def survey():
    s = load_survey(SYNTHETIC)
    return s.establishments, s.employees


# =========================================================================== the attacker


@dataclass(frozen=True)
class Siblings:
    """Groups (``group_code``) whose respondents together are those of a published total.

    ``total``: the group_code of a total row in the same frame; None: the total is
    published elsewhere (the text, appendix B) and the attacker knows it.
    ``exhaustive``: the categories of a group add up to its n (a stacked bar).
    ``nested``: (outer, inner) categories with inner a part of outer (cumulative).
    """

    groups: tuple[str, ...]
    total: str | None = None
    exhaustive: bool = False
    nested: tuple[tuple[str, str], ...] = ()


ROLE_PAIR = Siblings(tuple(ROLES))
FURNITURE = (("hoogte_verstelbaar", "zit_sta"),)

#: What each figure publishes as a total of sibling groups (every figure is listed).
FIGURE_SIBLINGS: dict[str, list[Siblings]] = {
    "fig-thuiswerken": [],
    "fig-klachten": [ROLE_PAIR],
    "fig-klachten-lichaamsdeel": [ROLE_PAIR],
    "fig-werkdruk": [ROLE_PAIR],
    "fig-werkdruk-verandering": [Siblings(tuple(ROLES), exhaustive=True)],
    "fig-isolatie": [ROLE_PAIR],
    "fig-voordelen": [ROLE_PAIR],
    "fig-nadelen": [ROLE_PAIR],
    "fig-werkruimte": [ROLE_PAIR],
    "fig-meubilair-gefinancierd": [Siblings(tuple(ROLES), nested=FURNITURE)],
    "fig-meubilair-aanwezig": [Siblings(tuple(ROLES), total="alle", nested=FURNITURE)],
    "fig-oordeel-beeldscherm": [],
    "fig-oordeel-werkdruk": [],
    "fig-belemmeringen": [],
    "fig-rie": [Siblings(tuple(SIZES), total="alle", exhaustive=True)],
    "fig-preventie-or": [],
    "fig-verwachting": [],
}


def _value_column(frame: pd.DataFrame) -> str:
    return "share" if "share" in frame.columns else "mean"


def _scale(frame: pd.DataFrame, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if _value_column(frame) == "share":
        return np.zeros(len(rows)), np.ones(len(rows))
    return rows["scale_min"].to_numpy(float), rows["scale_max"].to_numpy(float)


@dataclass
class Attack:
    """One linear programme: the blanked siblings' sums as variables, what is published as constraints."""

    names: list = field(default_factory=list)  # (group, position) per variable
    lower: list = field(default_factory=list)
    upper: list = field(default_factory=list)
    eq: list = field(default_factory=list)  # (coefficients by variable index, right-hand side)
    ub: list = field(default_factory=list)

    def var(self, name, lo: float, hi: float) -> int:
        self.names.append(name)
        self.lower.append(lo)
        self.upper.append(hi)
        return len(self.names) - 1

    def recovered(self) -> list:
        """The variables whose feasible range is a single point."""
        k = len(self.names)
        if k == 0:
            return []

        def matrix(rows):
            if not rows:
                return None, None
            a = np.zeros((len(rows), k))
            for r, (coefs, _) in enumerate(rows):
                for j, c in coefs.items():
                    a[r, j] = c
            return a, np.array([rhs for _, rhs in rows], dtype=float)

        a_eq, b_eq = matrix(self.eq)
        a_ub, b_ub = matrix(self.ub)
        bounds = list(zip(self.lower, self.upper))
        out = []
        for j in range(k):
            ends = []
            for sign in (1.0, -1.0):
                c = np.zeros(k)
                c[j] = sign
                res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                assert res.status == 0, f"the published numbers are inconsistent: {res.message}"
                ends.append(sign * res.fun)
            if ends[1] - ends[0] <= 1e-7 * max(1.0, abs(self.upper[j])):
                out.append(self.names[j])
        return out


def attack_frame(published: pd.DataFrame, truth: pd.DataFrame, sib: Siblings) -> list:
    """The blanked cells of one sibling group that the attacker recovers (empty: the blanks hold).

    ``truth`` is the same data function without any suppression (``min_n=0``): it
    stands for the totals published elsewhere and for the n of every cell.
    """
    value = _value_column(published)
    assert (
        published[["group_code", "category_code"]].to_numpy() == truth[["group_code", "category_code"]].to_numpy()
    ).all()
    attack = Attack()
    variables: dict[tuple, int] = {}
    positions = list(dict.fromkeys(published["category_code"]))
    for pos in positions:
        at = published["category_code"] == pos
        rows = published[at & published["group_code"].isin(sib.groups)]
        true_rows = truth[at & truth["group_code"].isin(sib.groups)]
        if (
            sib.total is not None
            and not published.loc[at & (published["group_code"] == sib.total), "suppressed"].iloc[0]
        ):
            total_row = published[at & (published["group_code"] == sib.total)].iloc[0]
            total = float(total_row[value] * total_row["n"])
            # the total row is the sum of its siblings (else the attacker's premise is wrong)
            assert total == pytest.approx(float((true_rows[value].fillna(0) * true_rows["n"]).sum()))
        else:  # published elsewhere (text, appendix B): the attacker knows it
            total = float((true_rows[value].fillna(0) * true_rows["n"]).sum())
        shown = rows[~rows["suppressed"]]
        known = float((shown[value] * shown["n"]).sum())
        hidden = rows[rows["suppressed"] & (rows["n"] > 0)]
        lo, hi = _scale(published, hidden)
        coefs = {}
        for (_, r), a, b in zip(hidden.iterrows(), lo, hi):
            j = attack.var((r["group_code"], pos), a * r["n"], b * r["n"])
            variables[(r["group_code"], pos)] = j
            coefs[j] = 1.0
        if coefs:
            attack.eq.append((coefs, total - known))
    blanked_groups = dict.fromkeys(g for g, _ in variables)
    for g in blanked_groups:
        n = int(published.loc[published["group_code"] == g, "n"].iloc[0])
        mine = {variables[(g, p)]: 1.0 for p in positions if (g, p) in variables}
        if sib.exhaustive and len(mine) == len(positions):
            attack.eq.append((mine, float(n)))
        for outer, inner in sib.nested:
            if (g, outer) in variables and (g, inner) in variables:
                attack.ub.append(({variables[(g, inner)]: 1.0, variables[(g, outer)]: -1.0}, 0.0))
    return attack.recovered()


def attack_values(values: dict, ns: dict, sums: dict, scale=(0.0, 1.0)) -> list:
    """Blanked siblings (NaN in ``values``) that follow from their published total (the sum of ``sums``)."""
    attack = Attack()
    coefs = {}
    known = 0.0
    for k, v in values.items():
        if pd.isna(v):
            if ns[k] > 0:
                coefs[attack.var(k, scale[0] * ns[k], scale[1] * ns[k])] = 1.0
        else:
            known += float(v) * ns[k]
    if coefs:
        attack.eq.append((coefs, float(sum(sums.values())) - known))
    return attack.recovered()


# --------------------------------------------------------------------------- what a reader sees


def _texts(fig: Figure) -> list[str]:
    fig.draw_without_rendering()
    out = []
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")] + [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()] + [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def _printed_ns(texts: list[str]) -> set[int]:
    """Every number in an "n = 12" or "n = 12–240" of the figure."""
    found = set()
    for t in texts:
        for m in re.finditer(r"n = ([\d.]+)(?:–([\d.]+))?", t):
            found |= {int(x.replace(".", "")) for x in m.groups() if x}
    return found


def check_published_frame(published: pd.DataFrame, min_n: int = nl.MIN_CELL) -> None:
    """The threshold rule, and no blanked value left behind (shares times n: the count is blank too)."""
    small = published["n"] < min_n
    assert published.loc[small, "suppressed"].all(), "a cell of fewer than 10 respondents is shown"
    assert not (published["secondary"] & small).any(), "a primary blank is marked complementary"
    values = [c for c in SHARE_VALUES + MEAN_VALUES if c in published.columns]
    assert published.loc[published["suppressed"], values].isna().all().all(), "a blanked cell keeps a value"
    assert published.loc[~published["suppressed"] & (published["n"] > 0), _value_column(published)].notna().all()


def check_figure(label: str, est: pd.DataFrame, emp: pd.DataFrame) -> pd.DataFrame:
    """Attack one figure: threshold rule, no values or n of blanks printed, no blank recovered."""
    spec = registry.FIGURES[label]
    published = spec.data(est, emp)
    truth = spec.data(est, emp, min_n=0)
    assert not truth["suppressed"].any()
    check_published_frame(published)
    for sib in FIGURE_SIBLINGS[label]:
        recovered = attack_frame(published, truth, sib)
        assert not recovered, f"{label}: blanked cells recovered by differencing: {recovered}"
    fig = spec.plot(published)
    printed = _printed_ns(_texts(fig))
    shown_ns = set(published.loc[~published["suppressed"], "n"].astype(int))
    assert printed <= shown_ns, f"{label}: the n of a blanked cell is printed: {sorted(printed - shown_ns)}"
    if published["suppressed"].any():
        assert any(nl.footnote() in t for t in _texts(fig))
    return published


# =========================================================================== hand-made surveys


def two_small_groups(est: pd.DataFrame) -> pd.DataFrame:
    """A size class of two establishments (klein) and a sector of two (onderwijs)."""
    out = est.copy()
    out["size_class"] = ["klein"] * 2 + ["midden"] * 60 + ["groot"] * (len(out) - 62)
    others = [s for s in SECTORS if s != "onderwijs"]
    sectors = [others[i % len(others)] for i in range(len(out))]
    sectors[0] = sectors[5] = "onderwijs"
    out["sector"] = sectors
    return out


def few_managers(emp: pd.DataFrame, k: int = 4) -> pd.DataFrame:
    """Four managers and every non-manager."""
    managers = emp[emp["role"] == "leidinggevende"].head(k)
    return pd.concat([managers, emp[emp["role"] == "niet_leidinggevende"]], ignore_index=True)


def one_item_few_managers(emp: pd.DataFrame, item: str = "separate_workspace", k: int = 5) -> pd.DataFrame:
    """Every employee, but only ``k`` managers answered ``item``."""
    out = emp.copy()
    managers = out.index[out["role"] == "leidinggevende"]
    out[item] = out[item].astype("Float64")
    out.loc[managers[k:], item] = pd.NA
    return out


def shared_empty_category(est: pd.DataFrame) -> pd.DataFrame:
    """klein (2) and midden (11) have no "een_risico" and no "geen_rie": together they are pinned at 0."""
    out = est.copy()
    pool = out.index[out["rie_homeworking"].isin(["beide_risicos", "geen_aandacht"])]
    size = pd.Series("groot", index=out.index)
    size[pool[:2]] = "klein"
    size[pool[2:13]] = "midden"
    out["size_class"] = size.to_numpy()
    return out


SCENARIOS = {
    "synthetic": lambda est, emp: (est, emp),
    "size_class_of_two": lambda est, emp: (two_small_groups(est), emp),
    "four_managers": lambda est, emp: (est, few_managers(emp)),
    "item_few_managers": lambda est, emp: (est, one_item_few_managers(emp)),
    "shared_empty_category": lambda est, emp: (shared_empty_category(est), emp),
}


# =========================================================================== every figure


def test_every_figure_declares_its_siblings():
    assert set(FIGURE_SIBLINGS) == set(registry.FIGURES)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("label", list(registry.FIGURES))
def test_no_blank_of_a_figure_is_recovered_by_differencing(survey, scenario, label):
    est, emp = SCENARIOS[scenario](*survey)
    check_figure(label, est, emp)


def test_the_synthetic_survey_blanks_nothing(survey):
    """Not over-suppressed: no group of the synthetic survey is small, so nothing is blanked."""
    est, emp = survey
    for label, spec in registry.FIGURES.items():
        assert not spec.data(est, emp)["suppressed"].any(), label
    assert not descriptive_tables.table1(est, emp).attrs["suppressed"].to_numpy().any()
    assert not descriptive_tables.rie_by_sector_data(est, emp)["suppressed"].any()


def test_size_class_of_two_blanks_it_and_the_next_smallest_only(survey):
    est, emp = survey
    data = descriptive.rie_data(two_small_groups(est), emp)
    flags = data.groupby("group_code", sort=False)[["suppressed", "secondary"]].first()
    assert flags.loc["klein", "suppressed"] and not flags.loc["klein", "secondary"]  # 2 establishments
    assert flags.loc["midden", "secondary"]  # else alle minus midden minus groot gives klein's four counts
    assert not flags.loc["groot", "suppressed"] and not flags.loc["alle", "suppressed"]
    # without the complement the attacker recovers all four category counts of klein exactly
    truth = descriptive.rie_data(two_small_groups(est), emp, min_n=0)
    naive = truth.assign(suppressed=truth["group_code"] == "klein")
    naive.loc[naive["suppressed"], ["share", "count"]] = np.nan
    recovered = attack_frame(naive, truth, FIGURE_SIBLINGS["fig-rie"][0])
    assert {g for g, _ in recovered} == {"klein"} and len(recovered) == 4


def test_blanks_that_share_an_empty_category_are_protected_by_a_third(survey):
    """klein and midden together have 0% "een_risico": both are pinned at 0% unless groot is blanked too."""
    est, emp = survey
    data = descriptive.rie_data(shared_empty_category(est), emp)
    flags = data.groupby("group_code", sort=False)["suppressed"].first()
    assert flags[["klein", "midden", "groot"]].all() and not flags["alle"]
    truth = descriptive.rie_data(shared_empty_category(est), emp, min_n=0)
    assert not attack_frame(data, truth, FIGURE_SIBLINGS["fig-rie"][0])


def test_a_role_with_four_respondents_blanks_the_other_role_but_nothing_else(survey):
    est, emp = survey
    small = few_managers(emp)
    for label, sibs in FIGURE_SIBLINGS.items():
        data = registry.FIGURES[label].data(est, small)
        roles = data["group_code"].isin(ROLES)
        if any(set(ROLES) <= set(s.groups) for s in sibs):
            assert data.loc[roles, "suppressed"].all(), label
            assert data.loc[data["group_code"] == "niet_leidinggevende", "secondary"].all(), label
        # not over-suppressed: the employer, all employees and the establishments' figures stay
        assert not data.loc[~roles, "suppressed"].any(), label


def test_one_item_few_managers_answered_blanks_that_item_only(survey):
    est, emp = survey
    small = one_item_few_managers(emp)
    data = descriptive.workspace_data(est, small).set_index("group_code")
    assert data["suppressed"].all() and data.loc["niet_leidinggevende", "secondary"]
    regions = descriptive.complaint_regions_data(est, small)  # other items of the same managers are shown
    assert not regions["suppressed"].any()


# =========================================================================== Table 1


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_blank_of_table1_is_recovered(survey, scenario):
    est, emp = SCENARIOS[scenario](*survey)
    published = descriptive_tables.table1_data(est, emp)
    truth = descriptive_tables.table1_data(est, emp, min_n=0)
    check_published_frame(published)
    assert not attack_frame(published, truth, ROLE_PAIR)
    wide = descriptive_tables.table1(est, emp)
    shown = nl.percent_table(wide)
    assert (shown.to_numpy()[wide.attrs["suppressed"].to_numpy()] == nl.MARKER).all()


def test_table1_with_four_managers_keeps_the_employer_column(survey):
    est, emp = survey
    table = descriptive_tables.table1(est, few_managers(emp))
    assert table[["Leidinggevende", "Niet-leidinggevende"]].isna().all().all()
    assert table["Werkgever"].notna().all()
    text = T.table1_markdown(est, few_managers(emp))
    assert text.endswith(nl.footnote(secondary=True))


# =========================================================================== RI&E by size class and sector


def _rie_attacks(data: pd.DataFrame, truth: pd.DataFrame) -> list:
    recovered = []
    for measure, n in (("rie", "n_rie"), ("homeworking", "n_homeworking")):
        pub = data.rename(columns={measure: "share", n: "n_m"}).drop(columns=["n"]).rename(columns={"n_m": "n"})
        tru = truth.rename(columns={measure: "share", n: "n_m"}).drop(columns=["n"]).rename(columns={"n_m": "n"})
        pub["category_code"] = tru["category_code"] = measure
        for groups in (SIZES, SECTORS):
            recovered += attack_frame(pub, tru, Siblings(tuple(groups), total="alle"))
    return recovered


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_blank_of_the_rie_table_is_recovered(survey, scenario):
    est, emp = SCENARIOS[scenario](*survey)
    data = descriptive_tables.rie_by_sector_data(est, emp)
    truth = descriptive_tables.rie_by_sector_data(est, emp, min_n=0)
    assert not _rie_attacks(data, truth)
    small = data[["n_rie", "n_homeworking"]].min(axis=1) < nl.MIN_CELL
    assert data.loc[small, "suppressed"].all()
    assert data.loc[data["suppressed"], ["rie", "homeworking"]].isna().all().all()
    table = descriptive_tables.rie_by_sector_table(est, emp)
    blanked = table[data["suppressed"].to_numpy()]
    assert (
        (blanked[["Vestigingen", "RI&E aanwezig", "Aandacht voor thuiswerkrisico's in de RI&E"]] == nl.MARKER)
        .all()
        .all()
    )
    assert table.iloc[-1]["RI&E aanwezig"] != nl.MARKER  # the total is never blanked


def test_rie_table_blanks_two_size_classes_and_two_sectors_for_groups_of_two(survey):
    est, emp = survey
    data = descriptive_tables.rie_by_sector_data(two_small_groups(est), emp).set_index("group_code")
    next_sector = data.loc[[s for s in SECTORS if s != "onderwijs"], "n"].idxmin()
    assert set(data.index[data["suppressed"]]) == {"klein", "midden", "onderwijs", next_sector}  # not more
    assert set(data.index[data["secondary"]]) == {"midden", next_sector}
    assert not data.loc["alle", "suppressed"]


def test_size_classes_in_the_text_blank_what_the_figure_and_table_blank(survey):
    """Chapter 8 gives the RI&E share by size class in words: the same blanks as figure and table."""
    est, emp = survey
    small = two_small_groups(est)
    text = linked.group_shares(small, "rie_present", 1, "size_class")
    table = descriptive_tables.rie_by_sector_data(small, emp).set_index("group_code")
    figure = descriptive.rie_data(small, emp).groupby("group_code")["suppressed"].first()
    assert set(text.index[text.isna()]) == set(table.loc[SIZES].index[table.loc[SIZES, "suppressed"]])
    assert set(text.index[text.isna()]) == set(figure[SIZES].index[figure[SIZES]]) == {"klein", "midden"}
    valid = small["rie_present"].dropna()
    ns = valid.groupby(small["size_class"]).size().to_dict()
    sums = (valid == 1).groupby(small["size_class"]).sum().astype(float).to_dict()
    assert not attack_values(text.to_dict(), ns, sums)


# =========================================================================== the text: by role


def _role_frames(emp: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {r: emp[emp["role"] == r] for r in ROLES}


@pytest.mark.parametrize("scenario", ["synthetic", "four_managers", "item_few_managers"])
@pytest.mark.parametrize(
    "item, scale",
    [("separate_workspace", (0.0, 1.0)), ("exhaustion", (1.0, 5.0)), ("home_share", (0.0, 100.0))],
)
def test_no_blank_of_a_value_by_role_is_recovered(survey, scenario, item, scale):
    _, emp = SCENARIOS[scenario](*survey)
    values = describe.by_role(emp, lambda d: describe.mean(d[item]))
    answered = {r: d[item].dropna().astype(float) for r, d in _role_frames(emp).items()}
    ns = {r: len(v) for r, v in answered.items()}
    sums = {r: float(v.sum()) for r, v in answered.items()}
    assert not attack_values(values, ns, sums, scale)  # the overall mean is in the text
    for r in ROLES:
        if ns[r] < nl.MIN_CELL:
            assert np.isnan(values[r])
    if all(n >= nl.MIN_CELL for n in ns.values()):
        assert not any(np.isnan(v) for v in values.values())  # not over-suppressed


def test_missed_measures_by_role_blank_together(survey):
    est, emp = survey
    both = mean_missed_measures(est, emp)
    assert both.notna().all() and list(both.index) == ROLES
    few = mean_missed_measures(est, few_managers(emp))
    assert few.isna().all()  # four managers, and the non-managers would give them away


# =========================================================================== appendix B: predictive checks


def _ppc_tree(per_aspect: dict[str, int], seed: int = 1) -> xr.DataTree:
    """An ordinal fit by hand: ``per_aspect`` employees answer each aspect (categories 0-4)."""
    rng = np.random.default_rng(seed)
    aspect, employee = [], []
    for a, (_name, k) in enumerate(per_aspect.items()):
        aspect += [a] * k
        employee += list(range(k))
    n_obs = len(aspect)
    obs = np.arange(n_obs)
    observed = rng.integers(0, 5, n_obs)
    draws = rng.integers(0, 5, (2, 30, n_obs)).astype(np.int8)
    return xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset(
                {"sigma_total": (("chain", "draw"), np.ones((2, 30)))},
                coords={"aspect": list(per_aspect), "cut": [1, 2, 3, 4]},
            ),
            "prior_predictive": xr.Dataset({"y": (("chain", "draw", "obs"), draws)}, coords={"obs": obs}),
            "posterior_predictive": xr.Dataset({"y": (("chain", "draw", "obs"), draws)}, coords={"obs": obs}),
            "observed_data": xr.Dataset({"y": (("obs",), observed)}, coords={"obs": obs}),
            "constant_data": xr.Dataset(
                {
                    "aspect_of_obs": (("obs",), np.array(aspect)),
                    "employee_of_obs": (("obs",), np.array(employee)),
                    "est_of_emp": (("employee",), np.arange(max(per_aspect.values())) // 2),
                },
                coords={"obs": obs},
            ),
        }
    )


def test_predictive_check_of_nine_employees_is_blanked():
    tree = _ppc_tree({"exhaustion": 12, "telepressure": 9})
    table = checks.predictive_table(tree)
    assert table.loc["exhaustion", "n"] == 12 and table.loc["telepressure", "n"] == 9
    assert not table.loc["exhaustion", "suppressed"]
    assert np.isfinite(table.loc["exhaustion", ["observed", "predicted", "lo", "hi"]].astype(float)).all()
    assert table.loc["telepressure", "suppressed"]
    assert table.loc["telepressure", ["observed", "predicted", "lo", "hi"]].isna().all()
    assert not table.loc["telepressure", "inside"]
    shown = T.predictive_table_nl(table, "score").set_index("Onderdeel")
    row = shown.loc[nl.label("telepressure")]
    assert (row == nl.MARKER).all()
    assert shown.loc[nl.label("exhaustion"), "Waargenomen"] != nl.MARKER
    text = T.predictive_markdown(table, "score")
    assert text.endswith(nl.footnote(noun="werknemers"))
    fig = model_checks.plot_predictive_check(table, "Gemiddelde score", scale="score")
    texts = _texts(fig)
    assert nl.MARKER in texts and any("minder dan 10 werknemers" in t for t in texts)


def test_predictive_check_categories_of_a_small_aspect_are_blanked():
    tree = _ppc_tree({"exhaustion": 12, "telepressure": 9})
    cats = checks.category_table(tree)
    small = cats.loc["telepressure"]
    assert small["suppressed"].all() and small[["observed", "predicted", "lo", "hi"]].isna().all().all()
    big = cats.loc["exhaustion"]
    assert not big["suppressed"].any()
    np.testing.assert_allclose(big["observed"].sum(), 1.0)
    fig = model_checks.plot_category_check(cats)
    assert any("minder dan 10 werknemers" in t for t in _texts(fig))


def test_predictive_check_of_ten_employees_is_shown():
    table = checks.predictive_table(_ppc_tree({"exhaustion": 10, "telepressure": 10}))
    assert not table["suppressed"].any() and table["observed"].notna().all()
    assert "minder dan" not in T.predictive_markdown(table, "score")


def test_prior_check_of_few_employees_is_blanked():
    tree = _ppc_tree({"exhaustion": 6, "telepressure": 6})
    assert checks.statistic_counts(tree) == {checks.EXTREME_SHARE: 6, checks.ESTABLISHMENT_SD: 3}
    table = T.prior_checks_table_nl({"workload": tree})
    assert (table["Waargenomen"] == nl.MARKER).all()
    assert table.filter(like="Posterior").eq(nl.MARKER).all().all()
    assert table.attrs["prior_inside"] == (0, 0) and table.attrs["footnote"] == nl.footnote()
    shown = T.prior_checks_table_nl({"workload": _ppc_tree({"exhaustion": 24, "telepressure": 24})})
    assert not (shown["Waargenomen"] == nl.MARKER).any() and shown.attrs["footnote"] == ""


# =========================================================================== the rule, on hand-made frames


def _cells(ns: list[int], shares: list[float], groups: list[str] | None = None) -> pd.DataFrame:
    groups = groups or [f"g{i}" for i in range(len(ns))]
    return pd.DataFrame(
        {
            "group_code": groups,
            "category_code": "x",
            "n": ns,
            "share": shares,
            "count": [n * s for n, s in zip(ns, shares)],
        }
    )


def _protect(frame: pd.DataFrame, partitions) -> pd.DataFrame:
    return disclosure.protect(frame, unit="group_code", partitions=partitions, values=SHARE_VALUES)


def test_primary_rule_blanks_below_ten_and_nothing_else_without_siblings():
    out = _protect(_cells([9, 10, 200], [0.3, 0.5, 0.4]), partitions=[])
    assert out["suppressed"].tolist() == [True, False, False]
    assert not out["secondary"].any()
    assert np.isnan(out.loc[0, "share"]) and np.isnan(out.loc[0, "count"]) and out.loc[1, "share"] == 0.5
    assert out.loc[0, "n"] == 9  # kept in the data; the plots and tables do not print it


def test_one_blank_sibling_takes_the_next_smallest_with_it():
    frame = _cells([2, 40, 12, 300], [0.5, 0.5, 0.25, 0.4], ["klein", "groot", "midden", "alle"])
    out = _protect(frame, partitions=[["klein", "groot", "midden"]]).set_index("group_code")
    assert out.loc["klein", "suppressed"] and not out.loc["klein", "secondary"]
    assert out.loc["midden", "secondary"]  # 12 < 40: the next-smallest, not the largest
    assert not out.loc["groot", "suppressed"] and not out.loc["alle", "suppressed"]


def test_two_blanks_protect_each_other_without_more():
    out = _protect(_cells([4, 7, 50, 50], [0.5, 3 / 7, 0.5, 0.6]), partitions=[["g0", "g1", "g2", "g3"]])
    assert out["suppressed"].tolist() == [True, True, False, False]
    assert not out["secondary"].any()  # not over-suppressed: 3 of 11 is no point for either


def test_a_blank_of_nobody_does_not_protect():
    out = _protect(_cells([0, 5, 30, 40], [np.nan, 0.4, 0.5, 0.5]), partitions=[["g0", "g1", "g2", "g3"]])
    assert out["suppressed"].tolist() == [True, True, True, False]  # g2 (30) protects g1; g0 holds nobody


def test_blanks_that_add_up_to_nothing_take_another_sibling():
    out = _protect(_cells([3, 8, 30, 40], [0.0, 0.0, 0.5, 0.5]), partitions=[["g0", "g1", "g2", "g3"]])
    assert out["suppressed"].tolist() == [True, True, True, False]  # 0 of 11: both would be pinned at 0%


def test_overall_mean_and_role_means():
    """A manager mean (4 respondents) with the overall mean published: the non-manager mean goes too."""
    frame = pd.DataFrame(
        {
            "group_code": ROLES,
            "category_code": "exhaustion",
            "n": [4, 180],
            "mean": [3.5, 2.9],
            "sd": [0.5, 0.8],
            "scale_min": 1.0,
            "scale_max": 5.0,
        }
    )
    out = disclosure.protect(
        frame,
        unit=["group_code", "category_code"],
        measures=(cells.MEAN,),
        partitions=[[(r, "exhaustion") for r in ROLES]],
        values=MEAN_VALUES,
    )
    assert out["suppressed"].all() and out["secondary"].tolist() == [False, True]
    assert out[["mean", "sd"]].isna().all().all()
    truth = frame.assign(suppressed=False, secondary=False)
    assert attack_frame(frame.assign(suppressed=[True, False], secondary=False), truth, ROLE_PAIR)  # without it
    assert not attack_frame(out, truth, ROLE_PAIR)


def test_protect_values_counting_rule():
    values = disclosure.protect_values({"a": np.nan, "b": 0.4, "c": 0.7}, {"a": 4, "b": 30, "c": 20})
    assert np.isnan(values["a"]) and np.isnan(values["c"]) and values["b"] == 0.4  # c: the smaller sibling
    assert disclosure.protect_values({"a": 0.2, "b": 0.4}, {"a": 30, "b": 20}) == {"a": 0.2, "b": 0.4}


def test_footnote_names_complementary_blanks():
    assert nl.footnote(secondary=True) == "– minder dan 10 respondenten, of af te leiden uit de overige cijfers"
    assert nl.footnote(noun="vestigingen") == "– minder dan 10 vestigingen"
