"""Every descriptive number the report states, as tables: what ``thuiswerk tables`` prints and the chapters read.

The chapters state shares, means, counts and correlations of the survey beside the
model findings (:mod:`thuiswerk.analysis.findings`). :func:`compute` makes all of them
in one tidy frame, one row per number:

``table``
    the table's name (:data:`TABLES`), e.g. ``overtime``;
``id``, ``role``
    the row within it (``role`` is ``leidinggevende``, ``niet_leidinggevende`` or ``""`` for
    every respondent);
``unit``
    ``share`` (a fraction, printed as a percentage), ``points`` (a difference of two shares,
    in percentage points), ``mean`` (a score), ``hours``, ``count``, ``ratio`` or
    ``correlation``; a national reference has its own unit
    (:data:`thuiswerk.data.references.UNITS`);
``value``, ``lo``, ``hi``, ``n``
    the number, its 90% interval where one is computed (a correlation: Fisher z; a
    comparison with a national figure: the cluster-robust normal interval) and the
    respondents behind it;
``reference``, ``se``, ``p_lower``
    for a comparison with a national figure (:func:`thuiswerk.data.references.compare`):
    the national value, the standard error and the probability that the population value
    lies below it; for a difference of table ``nonresponse``, ``p_lower`` is the probability
    that it is below zero.

Shares and means are the ones of :mod:`thuiswerk.data.describe` (NaN below
:data:`thuiswerk.core.nl.MIN_CELL` respondents, the other role blanked with a blank
one); the RI&E by size class is :func:`thuiswerk.data.linked.group_shares` under the
report's one disclosure decision. A blank stays NaN in ``value``, ``lo`` and ``hi``.
Table ``nonresponse`` is :func:`thuiswerk.analysis.nonresponse.compare` (a Bayesian
bootstrap: ``seed`` fixes it, as the report's seed fixes the chapter's table).

A table that reads a column the survey lacks is left out (``attrs["left_out"]`` names
it and the columns); in the report's context an absent column is an empty one, so the
table is there and its numbers are blank.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from thuiswerk.analysis import nonresponse
from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import disclosure, nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.core.runconfig import DEFAULT_SEED
from thuiswerk.data import describe, linked, references

COLUMNS = ["table", "id", "role", "unit", "value", "lo", "hi", "n", "reference", "se", "p_lower"]
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a 90% interval (nl.PROB)
ALL = ""  # role of a number over every respondent

_GROUPS = codebook_module.load().groups
_MEASURES = tuple(codebook_module.load().measures)
STRUCTURAL = ["structureel_20_40", "structureel_40_80", "structureel_80_plus"]
AT_LEAST_ADJUSTABLE = ["hoogte_verstelbaar", "zit_sta"]  # a combination at least adjustable in height
JUDGEMENTS = {"beeldschermwerk": "screen", "werkdruk": "workload"}  # id prefix -> risk of judgement_<risk>_<when>
WHEN = {"voor": "before", "na": "after"}  # id suffix -> before or after talking to the employees


@dataclass(frozen=True)
class Table:
    """One descriptive table: its name, what it holds (English, for the CLI) and the columns it reads.

    ``rows(establishments, employees, protection, seed)`` makes its rows.
    """

    name: str
    title: str
    establishments: tuple[str, ...]
    employees: tuple[str, ...]
    rows: Callable[[pd.DataFrame, pd.DataFrame, linked.Protection | None, int], list[dict[str, Any]]]


# --------------------------------------------------------------------------- row builders


def _row(id: str, value: float, unit: str, n: int, role: str = ALL, lo: float = math.nan, hi: float = math.nan,
         **extra: float) -> dict[str, Any]:  # fmt: skip
    blank = pd.isna(value)
    return {"id": id, "role": role, "unit": unit, "value": float(value), "lo": math.nan if blank else float(lo),
            "hi": math.nan if blank else float(hi), "n": int(n), **extra}  # fmt: skip


def _known(values: pd.Series) -> int:
    return int(pd.Series(values).notna().sum())


def _per_role(id: str, unit: str, employees: pd.DataFrame, values: Callable[[pd.DataFrame], pd.Series],
              stat: Callable = describe.mean, scale: float = 1.0) -> list[dict[str, Any]]:  # fmt: skip
    """``stat(values(employees of a role))`` per role through :func:`describe.by_role` (small roles blanked,
    the other role with them)."""
    shown = describe.by_role(employees, lambda d: stat(values(d)) * scale)
    return [_row(id, shown[r], unit, _known(values(employees[employees["role"] == r])), r) for r in ROLES]


def _overall(id: str, values: pd.Series, unit: str = "share", stat: Callable = describe.mean) -> dict[str, Any]:
    return _row(id, stat(values), unit, _known(values))


def _codes(establishments: pd.DataFrame, column: str, codes: dict[str, Any]) -> list[dict[str, Any]]:
    """Shares of establishments per answer (:func:`describe.establishment_share`); id = the answer's name."""
    n = _known(establishments[column])
    return [_row(id, describe.establishment_share(establishments, column, c), "share", n) for id, c in codes.items()]


def _equals(values: pd.Series, code: str) -> pd.Series:
    """1.0 where ``values`` is ``code``, 0.0 where another answer, NaN where missing."""
    return (values.astype("string") == code).astype("Float64").astype(float).where(values.notna())


def _answered(column: str, code: str | None = None) -> Callable[[pd.DataFrame], pd.Series]:
    """The questionnaire's ``column`` of a table of employees (with ``code``: 1 where it is that answer)."""

    def values(employees: pd.DataFrame) -> pd.Series:
        answers = describe.questionnaire(employees)[column]
        return answers if code is None else _equals(answers, code)

    return values


def _comparison(id: str, values: pd.Series, key: str, clusters: pd.Series | None = None,
                role: str = ALL) -> dict[str, Any]:  # fmt: skip
    c = references.compare(values, key, clusters)
    return _row(id, c.observed, c.reference.unit, c.n, role, c.observed - Z90 * c.se, c.observed + Z90 * c.se,
                reference=c.reference.value, se=c.se, p_lower=c.p_lower)  # fmt: skip


def correlation(x: pd.Series, y: pd.Series, min_n: int = nl.MIN_CELL) -> tuple[float, float, float, int]:
    """Pearson's r of the pairs where both are known, with a 90% Fisher-z interval; NaN below ``min_n`` pairs
    (or without spread). Returns ``(r, lo, hi, n)``."""
    pairs = pd.DataFrame({"x": pd.to_numeric(x, errors="coerce"), "y": pd.to_numeric(y, errors="coerce")})
    pairs = pairs.astype(float).dropna()
    n = len(pairs)
    if n < max(min_n, 4) or pairs["x"].std() == 0 or pairs["y"].std() == 0:
        return math.nan, math.nan, math.nan, n
    r = float(np.corrcoef(pairs["x"], pairs["y"])[0, 1])
    z, half = math.atanh(min(max(r, -0.999999), 0.999999)), Z90 / math.sqrt(n - 3)
    return r, math.tanh(z - half), math.tanh(z + half), n


def mean_missed_measures(establishments: pd.DataFrame, employees: pd.DataFrame) -> pd.Series:
    """Per role: the mean number of measures the employer reports but the employee does not know.

    NaN for a role with fewer than :data:`thuiswerk.core.nl.MIN_CELL` employees, and the
    other role is blanked with a blank one (the mean over both roles would give it away).
    """
    measures = list(codebook_module.load().measures)
    est = establishments.set_index("establishment_id")
    joined = employees.join(est[[f"employer_{m}" for m in measures]], on="establishment_id")
    missed = sum(
        (
            ((joined[f"employer_{m}"].astype("Float64") == 1) & (joined[f"knows_{m}"].astype("Float64") == 0)).astype(
                float
            )
            for m in measures
        ),
        start=pd.Series(0.0, index=joined.index),
    )
    out = missed.groupby(joined["role"]).agg(["mean", "size"]).reindex(list(ROLES))
    sizes = out["size"].fillna(0).astype(int)
    values = out["mean"].where(sizes >= nl.MIN_CELL)
    protected = disclosure.protect_values(
        values.to_dict(), sizes.to_dict(), (out["mean"] * sizes).to_dict(), scale=(0.0, float(len(measures)))
    )
    return pd.Series(protected, name="mean").rename_axis("role")


def expected_by_chance(compared: int) -> float:
    """How many of ``compared`` two-sided comparisons come out *duidelijk* by chance alone (none real): each
    has probability 2 * (1 - :data:`thuiswerk.core.nl.EVIDENCE_CLEAR_THRESHOLD`); as
    :func:`thuiswerk.analysis.nonresponse.sentence` states it."""
    return compared * 2 * (1 - nl.EVIDENCE_CLEAR_THRESHOLD)


# --------------------------------------------------------------------------- the tables


def _design(est, emp, protection, seed) -> list[dict[str, Any]]:
    """The counts of the design (:func:`describe.design_counts`): never blanked, the report states them."""
    return [_row(key, count, "count", count) for key, count in describe.design_counts(est, emp).items()]


def _homeworking(est, emp, protection, seed) -> list[dict[str, Any]]:
    rows = _codes(est, "prepandemic_homeworking", {"voor_pandemie_incidenteel": "incidenteel",
                                                   "voor_pandemie_structureel": "structureel"})  # fmt: skip
    rows += _codes(est, "planned_homeworking", {"plan_structureel": STRUCTURAL})
    times = describe.ratio(rows[-1]["value"], rows[1]["value"])
    return [*rows, _row("plan_keer_voor_pandemie", times, "ratio", rows[-1]["n"])]


def _free_hours(est, emp, protection, seed) -> list[dict[str, Any]]:
    return _codes(est, "free_to_choose_hours", {"ja": "ja", "nog_niet": "nog_niet", "nee": "nee"})


def _exposure(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [
        _row("vestigingen", len(est), "count", len(est)),
        _row("beeldschermwerk", est["n_screen_risk"].sum(), "count", _known(est["n_screen_risk"])),
        _row("werkdruk", est["n_workload_risk"].sum(), "count", _known(est["n_workload_risk"])),
    ]


def _complaints(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [
        *_per_role("kans", "share", emp, describe.any_complaint),
        *_per_role("rug", "share", emp, lambda d: describe.questionnaire(d)["complaint_back"]),
    ]


def _home_share(est, emp, protection, seed) -> list[dict[str, Any]]:
    return _per_role("thuiswerkpercentage", "share", emp, lambda d: d["home_share"], scale=1 / 100)


def _exhaustion(est, emp, protection, seed) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    at_least = references.share_at_least(q["exhaustion"], "bat_uitputting_zeer_hoog")
    return [_overall("uitputting", q["exhaustion"], "mean"), _overall("uitputting_zeer_hoog", at_least)]


def _leading(est, emp, protection, seed) -> list[dict[str, Any]]:
    managers = emp.loc[emp["role"] == ROLES[0], "leading_remotely_difficulty"]
    return [_row("moeite_leidinggeven", describe.mean(managers), "mean", _known(managers), ROLES[0])]


def _workload_change(est, emp, protection, seed) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    rows = []
    for code in ("afgenomen", "gelijk", "toegenomen"):
        rows.append(_overall(code, _equals(q["workload_change"], code)))
        rows += _per_role(code, "share", emp, _answered("workload_change", code))
    return rows


def _overtime(est, emp, protection, seed) -> list[dict[str, Any]]:
    return _per_role("overuren", "hours", emp, describe.overtime)


def _technostress(est, emp, protection, seed) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    rows = []
    for item in _GROUPS["technostress"]:
        rows.append(_overall(item, q[item], "mean"))
        rows += _per_role(item, "mean", emp, _answered(item))
    return rows


def _patterns(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [_overall(c, emp[c]) for c in _GROUPS["working_patterns"]]


def _advantages(est, emp, protection, seed) -> list[dict[str, Any]]:
    rows = [_overall(c, emp[c]) for c in (*_GROUPS["advantages"], *_GROUPS["disadvantages"])]
    for name in ("advantages", "disadvantages"):
        items = emp[list(_GROUPS[name])].astype(float)
        counts = items.sum(axis=1).where(items.notna().any(axis=1))
        rows.append(_row(f"aantal_{name}", describe.mean(counts), "mean", _known(counts)))
    return rows


def _isolation(est, emp, protection, seed) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    return [_overall(c, q[c], "mean") for c in _GROUPS["isolation"]]


def _isolation_exhaustion(est, emp, protection, seed) -> list[dict[str, Any]]:
    rows = []
    for item in _GROUPS["isolation"]:
        for role in ROLES:
            q = describe.questionnaire(emp[emp["role"] == role])
            r, lo, hi, n = correlation(q[item], q["exhaustion"])
            rows.append(_row(item, r, "correlation", n, role, lo, hi))
    return rows


def _workspace(est, emp, protection, seed) -> list[dict[str, Any]]:
    return _per_role("aparte_werkruimte", "share", emp, lambda d: d["separate_workspace"])


def _comparisons(est, emp, protection, seed) -> list[dict[str, Any]]:
    q, clusters = describe.questionnaire(emp), emp["establishment_id"]
    rows = [_comparison("nea_kans", describe.any_complaint(emp), "nea_kans", clusters)]
    for region in ("shoulders", "neck", "arm"):
        key = {"shoulders": "nea_schouders", "neck": "nea_nek", "arm": "nea_arm"}[region]
        rows.append(_comparison(key, q[f"complaint_{region}"], key, clusters))
    rows.append(_comparison("bat_uitputting_zeer_hoog", q["exhaustion"], "bat_uitputting_zeer_hoog", clusters))
    for role in ROLES:
        rows.append(_comparison("nea_overuren", describe.overtime(emp[emp["role"] == role]), "nea_overuren",
                                clusters, role))  # fmt: skip
    return rows


def _comparisons_establishments(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [
        _comparison("aib_rie", est["rie_present"], "aib_rie"),
        _comparison("aib_verwachte_verandering", _equals(est["expected_change"], "ja"), "aib_verwachte_verandering"),
    ]


def _national(est, emp, protection, seed) -> list[dict[str, Any]]:
    """The reference figures themselves (data/references.yaml: the national figures, and the source report's
    own statements from open answers the questionnaire does not hold), as the report states them."""
    return [_row(key, ref.value, ref.unit, 0) for key, ref in references.load().items()]


def _rie(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [
        _overall("aanwezig", est["rie_present"]),
        *_codes(est, "rie_homeworking", {"thuiswerken": ["een_risico", "beide_risicos"], "beide_risicos": "beide_risicos",
                                         "een_risico": "een_risico", "geen_aandacht": ["geen_rie", "geen_aandacht"]}),
    ]  # fmt: skip


def _rie_by_size(est, emp, protection, seed) -> list[dict[str, Any]]:
    shares = linked.group_shares(est, "rie_present", 1, "size_class", protection=protection)
    sizes = est["size_class"].astype("string")
    return [_row(str(size), v, "share", _known(est.loc[sizes == size, "rie_present"])) for size, v in shares.items()]


def _investigation(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [
        _overall("onderzocht", est["obstacles_investigated"]),
        *_codes(est, "investigation_method", {"enquete": "enquete", "gesprek": "gesprek"}),
        *_codes(est, "reason_not_investigated", {c: c for c in codebook_module.load().find("reason_not_investigated")
                                                 .categories}),  # every reason: the text names only those given
    ]  # fmt: skip


def _plan(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [_overall("plan_van_aanpak", est["plan_of_approach_homeworking"])]


def _prevention(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [*_codes(est, "prevention_worker", {"preventiemedewerker_actief": "actief"}),
            *_codes(est, "works_council", {"or_pvt_actief": "actief"})]  # fmt: skip


def _information(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [_overall("voorlichting", est["information_instruction"]), _overall("toezicht", est["active_supervision"])]


def _monitoring(est, emp, protection, seed) -> list[dict[str, Any]]:
    return _codes(est, "electronic_monitoring", {c: c for c in ("nee", "van_plan", "ja")})


def _obstacles(est, emp, protection, seed) -> list[dict[str, Any]]:
    return [_overall(c.removeprefix("obstacle_"), est[c]) for c in _OBSTACLES]


def _measures(est, emp, protection, seed) -> list[dict[str, Any]]:
    """Share of establishments whose employer reports each measure (Table 1's employer column)."""
    return [_overall(m, est[f"employer_{m}"]) for m in _MEASURES]


def _measures_known(est, emp, protection, seed) -> list[dict[str, Any]]:
    """Share of the interviewed employees of each role who know each measure (Table 1's employee columns)."""

    def known(measure: str) -> Callable[[pd.DataFrame], pd.Series]:
        return lambda d: d[f"knows_{measure}"]

    return [row for m in _MEASURES for row in _per_role(m, "share", emp, known(m))]


def _missed(est, emp, protection, seed) -> list[dict[str, Any]]:
    shown = mean_missed_measures(est, emp)
    return [_row("gemist", shown[r], "mean", int((emp["role"] == r).sum()), r) for r in ROLES]


def _furniture_offered(est, emp, protection, seed) -> list[dict[str, Any]]:
    return _codes(est, "furniture_offered", {"minstens_verstelbaar": AT_LEAST_ADJUSTABLE, "zit_sta": "zit_sta"})


def _furniture_present(est, emp, protection, seed) -> list[dict[str, Any]]:
    """Share of the employees (of every role) with the combination at home, as the inspector listed it."""
    return _codes(emp, "furniture_present", {"minstens_verstelbaar": AT_LEAST_ADJUSTABLE, "zit_sta": "zit_sta"})


def _judgements(est, emp, protection, seed) -> list[dict[str, Any]]:
    """The inspector's mean judgement (1 = slecht ... 5 = goed) before and after talking to the employees."""
    return [_overall(f"{risk}_{when}", est[f"judgement_{JUDGEMENTS[risk]}_{WHEN[when]}"], "mean")
            for risk in JUDGEMENTS for when in WHEN]  # fmt: skip


def _nonresponse(est, emp, protection, seed) -> list[dict[str, Any]]:
    """Respondents against non-respondents (:func:`nonresponse.compare`): per characteristic and role their
    means (a share for a yes/no one) and the difference with its interval; blank where it is; and how many
    clear differences chance alone would give."""
    rows = []
    table = nonresponse.compare(emp, seed=seed)
    for _, r in table.iterrows():
        share = r["kind"] == "share"
        unit, points, change = ("share", 100.0, "points") if share else ("mean", 1.0, "mean")  # share: in points
        n = int(r["n_respondents"]) + int(r["n_nonrespondents"])
        p_lower = math.nan if r["suppressed"] else 1 - float(r["p_positive"])
        key, role = r["characteristic"], r["role"]
        diff, lo, hi = (r[c] * points for c in ("difference", "lo", "hi"))
        rows += [
            _row(f"{key}_respondenten", r["respondents"], unit, r["n_respondents"], role),
            _row(f"{key}_niet_respondenten", r["nonrespondents"], unit, r["n_nonrespondents"], role),
            _row(f"{key}_verschil", diff, change, n, role, lo, hi, p_lower=p_lower),
        ]
    compared = int((~table["suppressed"].astype(bool)).sum())
    return [*rows, _row("vergelijkingen", compared, "count", compared),
            _row("verwacht_duidelijk_door_toeval", expected_by_chance(compared), "mean", compared)]  # fmt: skip


def _visit(est, emp, protection, seed) -> list[dict[str, Any]]:
    return _codes(est, "expected_change", {c: c for c in ("ja", "verbeterpunten_geen_actie", "geen_verbeterpunten")})


_Q = ("questionnaire_completed",)
_KANS = tuple(_GROUPS["kans"])
_OBSTACLES = ("obstacle_none", "obstacle_no_insight", "obstacle_unclear_obligations", "obstacle_lack_knowledge")
_JUDGEMENTS = tuple(f"judgement_{r}_{w}" for r in JUDGEMENTS.values() for w in WHEN.values())
TABLES: tuple[Table, ...] = (
    Table("design", "Establishments visited, employees interviewed and questionnaires completed (count)",
          (), ("role", *_Q), _design),
    Table("homeworking", "Home working before the pandemic and planned (share of establishments)",
          ("prepandemic_homeworking", "planned_homeworking"), (), _homeworking),
    Table("free_hours", "Employees free to choose their hours at home (share of establishments)",
          ("free_to_choose_hours",), (), _free_hours),
    Table("exposure", "Establishments, and employees at home exposed to screen work and workload (employer's count)",
          ("n_screen_risk", "n_workload_risk"), (), _exposure),
    Table("complaints", "At least one KANS complaint, back complaints (share per role)",
          (), (*_Q, *_KANS, "complaint_back"), _complaints),
    Table("home_share", "Share of hours worked at home (mean per role)", (), ("home_share",), _home_share),
    Table("exhaustion", "Exhaustion (BAT, mean 1-5) and share at or above 'zeer hoog' (4)",
          (), (*_Q, "exhaustion"), _exhaustion),
    Table("leading_remotely", "Difficulty of leading remotely (managers, mean 1-5)",
          (), ("leading_remotely_difficulty",), _leading),
    Table("workload_change", "Workload since home working began (share, all and per role; figure 5)",
          (), (*_Q, "workload_change"), _workload_change),
    Table("overtime", "Overtime: actual minus contract hours per week (mean per role)",
          (), ("actual_hours", "contract_hours"), _overtime),
    Table("technostress", "Technostress (mean 1-5, all and per role)", (), (*_Q, *_GROUPS["technostress"]),
          _technostress),
    Table("working_patterns", "Working at home compared with the office (share)", (), tuple(_GROUPS["working_patterns"]),
          _patterns),
    Table("advantages", "Advantages and disadvantages named (share) and their mean number",
          (), (*_GROUPS["advantages"], *_GROUPS["disadvantages"]), _advantages),
    Table("isolation", "Isolation (mean 1-5)", (), (*_Q, *_GROUPS["isolation"]), _isolation),
    Table("isolation_exhaustion", "Correlation of isolation with exhaustion (Pearson r, 90% Fisher-z interval)",
          (), (*_Q, *_GROUPS["isolation"], "exhaustion"), _isolation_exhaustion),
    Table("workspace", "Separate workspace at home (share per role)", (), ("separate_workspace",), _workspace),
    Table("national_employees", "Employees against national figures (observed, national, P(lower))",
          (), (*_Q, *_KANS, "exhaustion", "actual_hours", "contract_hours"), _comparisons),
    Table("national_establishments", "Establishments against national figures (observed, national, P(lower))",
          ("rie_present", "expected_change"), (), _comparisons_establishments),
    Table("national", "National figures the report states (data/references.yaml)", (), (), _national),
    Table("rie", "RI&E present and attention to home-working risks (share of establishments)",
          ("rie_present", "rie_homeworking"), (), _rie),
    Table("rie_by_size", "RI&E present per size class (share; blank where the disclosure rule blanks the group)",
          ("rie_present", "size_class"), (), _rie_by_size),
    Table("investigation", "Obstacles investigated, how, and why not (share of establishments)",
          ("obstacles_investigated", "investigation_method", "reason_not_investigated"), (), _investigation),
    Table("plan_of_approach", "Plan of approach with a home-working measure (share)",
          ("plan_of_approach_homeworking",), (), _plan),
    Table("prevention", "Prevention worker and works council active on home working (share)",
          ("prevention_worker", "works_council"), (), _prevention),
    Table("information", "Information or instruction, and active supervision (share of employers)",
          ("information_instruction", "active_supervision"), (), _information),
    Table("monitoring", "Electronic monitoring (share of employers)", ("electronic_monitoring",), (), _monitoring),
    Table("nonresponse", "Questionnaire respondents against non-respondents on the interview (mean or share per "
          "role; difference with 90% interval, p_lower P(difference < 0))", (), _Q, _nonresponse),
    Table("measures", "Measures the employer reports (share of establishments; Table 1's employer column)",
          tuple(f"employer_{m}" for m in _MEASURES), (), _measures),
    Table("measures_known", "Measures the employee knows (share of the interviewed employees per role; Table 1's "
          "employee columns)", (), tuple(f"knows_{m}" for m in _MEASURES), _measures_known),
    Table("missed_measures", "Measures the employer reports that the employee does not know (mean number per role)",
          tuple(f"employer_{m}" for m in _MEASURES), tuple(f"knows_{m}" for m in _MEASURES), _missed),
    Table("furniture_offered", "Furniture combination the employer offers (share of establishments; chapter 6)",
          ("furniture_offered",), (), _furniture_offered),
    Table("furniture_present", "Furniture combination at home, as the inspector listed it (share of employees)",
          (), ("furniture_present",), _furniture_present),
    Table("judgements", "Inspector's judgement of the measures against each risk, before and after talking to the "
          "employees (mean 1-5)", _JUDGEMENTS, (), _judgements),
    Table("obstacles", "Obstacles to measures the employer names, and none (share)", _OBSTACLES, (), _obstacles),
    Table("inspection_visit", "Inspector expects change after the visit (share of establishments; chapter 9)",
          ("expected_change",), (), _visit),
)  # fmt: skip
BY_NAME = {t.name: t for t in TABLES}


def lacking(table: Table, establishments: pd.DataFrame, employees: pd.DataFrame) -> list[str]:
    """The columns ``table`` reads that the survey's tables do not have."""
    return [c for c in table.establishments if c not in establishments.columns] + [
        c for c in table.employees if c not in employees.columns
    ]


def compute(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    protection: linked.Protection | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Every descriptive table (module docstring), one row per number.

    ``protection``: the report's disclosure decision for groups by sector and size class
    (:func:`thuiswerk.data.linked.protect_groups`; computed from the establishments alone when
    not given). ``seed``: the bootstrap of table ``nonresponse`` (the project's seed unless
    given). A table that reads a column the survey lacks is left out;
    ``attrs["left_out"]`` maps its name to those columns.
    """
    parts, left_out = [], {}
    for table in TABLES:
        missing = lacking(table, establishments, employees)
        if missing:
            left_out[table.name] = missing
            continue
        rows = table.rows(establishments, employees, protection, seed)
        parts.append(pd.DataFrame(rows).assign(table=table.name))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out = out.reindex(columns=COLUMNS)
    out["n"] = out["n"].astype(int)
    out.attrs["left_out"] = left_out
    return out


def values(tables: pd.DataFrame, table: str, id: str | None = None, role: str | None = ALL) -> dict[str, float]:
    """The values of one table: keyed by role for one ``id``, else keyed by id (for ``role``, default every
    respondent). A table that was left out (or a row that is not there) gives an empty mapping."""
    rows = tables[tables["table"] == table]
    if id is not None:
        rows = rows[rows["id"] == id]
        return {str(k): float(v) for k, v in zip(rows["role"], rows["value"])}
    if role is not None:
        rows = rows[rows["role"] == role]
    return {str(k): float(v) for k, v in zip(rows["id"], rows["value"])}


def value(tables: pd.DataFrame, table: str, id: str, role: str = ALL) -> float:
    """One number of :func:`compute`'s output; NaN (printed as '–') where the table or row is not there."""
    rows = tables[(tables["table"] == table) & (tables["id"] == id) & (tables["role"] == role)]
    return float(rows["value"].iloc[0]) if len(rows) else math.nan


def comparison(tables: pd.DataFrame, id: str, role: str = ALL) -> references.Comparison:
    """A comparison with a national figure, from its row (tables ``national_employees`` and
    ``national_establishments``), for the report's sentence (:meth:`references.Comparison.sentence`)."""
    rows = tables[tables["table"].str.startswith("national_") & (tables["id"] == id) & (tables["role"] == role)]
    if not len(rows):
        return references.Comparison(references.get(id), math.nan, math.nan, 0, math.nan)
    row = rows.iloc[0]
    return references.Comparison(references.get(id), float(row["value"]), float(row["se"]), int(row["n"]),
                                 float(row["p_lower"]))  # fmt: skip


def ids(tables: pd.DataFrame, table: str) -> Iterable[str]:
    """The row ids of one table, in order (each once)."""
    return list(dict.fromkeys(tables.loc[tables["table"] == table, "id"]))
