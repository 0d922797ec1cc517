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
    ``share`` (a fraction, printed as a percentage), ``mean`` (a score), ``hours``,
    ``count``, ``ratio`` or ``correlation``; a national reference has its own unit
    (:data:`thuiswerk.data.references.UNITS`);
``value``, ``lo``, ``hi``, ``n``
    the number, its 90% interval where one is computed (a correlation: Fisher z; a
    comparison with a national figure: the cluster-robust normal interval) and the
    respondents behind it;
``reference``, ``se``, ``p_lower``
    for a comparison with a national figure (:func:`thuiswerk.data.references.compare`):
    the national value, the standard error and the probability that the population value
    lies below it.

Shares and means are the ones of :mod:`thuiswerk.data.describe` (NaN below
:data:`thuiswerk.core.nl.MIN_CELL` respondents, the other role blanked with a blank
one); the RI&E by size class is :func:`thuiswerk.data.linked.group_shares` under the
report's one disclosure decision. A blank stays NaN in ``value``, ``lo`` and ``hi``.

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

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.data import describe, linked, references

COLUMNS = ["table", "id", "role", "unit", "value", "lo", "hi", "n", "reference", "se", "p_lower"]
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a 90% interval (nl.PROB)
ALL = ""  # role of a number over every respondent

_GROUPS = codebook_module.load().groups
STRUCTURAL = ["structureel_20_40", "structureel_40_80", "structureel_80_plus"]


@dataclass(frozen=True)
class Table:
    """One descriptive table: its name, what it holds (English, for the CLI) and the columns it reads."""

    name: str
    title: str
    establishments: tuple[str, ...]
    employees: tuple[str, ...]
    rows: Callable[[pd.DataFrame, pd.DataFrame, linked.Protection | None], list[dict[str, Any]]]


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


# --------------------------------------------------------------------------- the tables


def _homeworking(est, emp, protection) -> list[dict[str, Any]]:
    rows = _codes(est, "prepandemic_homeworking", {"voor_pandemie_incidenteel": "incidenteel",
                                                   "voor_pandemie_structureel": "structureel"})  # fmt: skip
    rows += _codes(est, "planned_homeworking", {"plan_structureel": STRUCTURAL})
    times = describe.ratio(rows[-1]["value"], rows[1]["value"])
    return [*rows, _row("plan_keer_voor_pandemie", times, "ratio", rows[-1]["n"])]


def _free_hours(est, emp, protection) -> list[dict[str, Any]]:
    return _codes(est, "free_to_choose_hours", {"ja": "ja", "nog_niet": "nog_niet", "nee": "nee"})


def _exposure(est, emp, protection) -> list[dict[str, Any]]:
    return [
        _row("vestigingen", len(est), "count", len(est)),
        _row("beeldschermwerk", est["n_screen_risk"].sum(), "count", _known(est["n_screen_risk"])),
        _row("werkdruk", est["n_workload_risk"].sum(), "count", _known(est["n_workload_risk"])),
    ]


def _complaints(est, emp, protection) -> list[dict[str, Any]]:
    return [
        *_per_role("kans", "share", emp, describe.any_complaint),
        *_per_role("rug", "share", emp, lambda d: describe.questionnaire(d)["complaint_back"]),
    ]


def _home_share(est, emp, protection) -> list[dict[str, Any]]:
    return _per_role("thuiswerkpercentage", "share", emp, lambda d: d["home_share"], scale=1 / 100)


def _exhaustion(est, emp, protection) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    at_least = references.share_at_least(q["exhaustion"], "bat_uitputting_zeer_hoog")
    return [_overall("uitputting", q["exhaustion"], "mean"), _overall("uitputting_zeer_hoog", at_least)]


def _leading(est, emp, protection) -> list[dict[str, Any]]:
    managers = emp.loc[emp["role"] == ROLES[0], "leading_remotely_difficulty"]
    return [_row("moeite_leidinggeven", describe.mean(managers), "mean", _known(managers), ROLES[0])]


def _workload_change(est, emp, protection) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    rows = []
    for code in ("afgenomen", "gelijk", "toegenomen"):
        rows.append(_overall(code, _equals(q["workload_change"], code)))
        rows += _per_role(code, "share", emp, _answered("workload_change", code))
    return rows


def _overtime(est, emp, protection) -> list[dict[str, Any]]:
    return _per_role("overuren", "hours", emp, describe.overtime)


def _technostress(est, emp, protection) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    rows = []
    for item in _GROUPS["technostress"]:
        rows.append(_overall(item, q[item], "mean"))
        rows += _per_role(item, "mean", emp, _answered(item))
    return rows


def _patterns(est, emp, protection) -> list[dict[str, Any]]:
    return [_overall(c, emp[c]) for c in _GROUPS["working_patterns"]]


def _advantages(est, emp, protection) -> list[dict[str, Any]]:
    rows = [_overall(c, emp[c]) for c in (*_GROUPS["advantages"], *_GROUPS["disadvantages"])]
    for name in ("advantages", "disadvantages"):
        items = emp[list(_GROUPS[name])].astype(float)
        counts = items.sum(axis=1).where(items.notna().any(axis=1))
        rows.append(_row(f"aantal_{name}", describe.mean(counts), "mean", _known(counts)))
    return rows


def _isolation(est, emp, protection) -> list[dict[str, Any]]:
    q = describe.questionnaire(emp)
    return [_overall(c, q[c], "mean") for c in _GROUPS["isolation"]]


def _isolation_exhaustion(est, emp, protection) -> list[dict[str, Any]]:
    rows = []
    for item in _GROUPS["isolation"]:
        for role in ROLES:
            q = describe.questionnaire(emp[emp["role"] == role])
            r, lo, hi, n = correlation(q[item], q["exhaustion"])
            rows.append(_row(item, r, "correlation", n, role, lo, hi))
    return rows


def _workspace(est, emp, protection) -> list[dict[str, Any]]:
    return _per_role("aparte_werkruimte", "share", emp, lambda d: d["separate_workspace"])


def _comparisons(est, emp, protection) -> list[dict[str, Any]]:
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


def _comparisons_establishments(est, emp, protection) -> list[dict[str, Any]]:
    return [
        _comparison("aib_rie", est["rie_present"], "aib_rie"),
        _comparison("aib_verwachte_verandering", _equals(est["expected_change"], "ja"), "aib_verwachte_verandering"),
    ]


def _national(est, emp, protection) -> list[dict[str, Any]]:
    """The national figures themselves (data/references.yaml), as the report states them."""
    return [_row(key, ref.value, ref.unit, 0) for key, ref in references.load().items()]


def _rie(est, emp, protection) -> list[dict[str, Any]]:
    return [
        _overall("aanwezig", est["rie_present"]),
        *_codes(est, "rie_homeworking", {"thuiswerken": ["een_risico", "beide_risicos"], "beide_risicos": "beide_risicos",
                                         "een_risico": "een_risico", "geen_aandacht": ["geen_rie", "geen_aandacht"]}),
    ]  # fmt: skip


def _rie_by_size(est, emp, protection) -> list[dict[str, Any]]:
    shares = linked.group_shares(est, "rie_present", 1, "size_class", protection=protection)
    sizes = est["size_class"].astype("string")
    return [_row(str(size), v, "share", _known(est.loc[sizes == size, "rie_present"])) for size, v in shares.items()]


def _investigation(est, emp, protection) -> list[dict[str, Any]]:
    return [
        _overall("onderzocht", est["obstacles_investigated"]),
        *_codes(est, "investigation_method", {"enquete": "enquete", "gesprek": "gesprek"}),
        *_codes(est, "reason_not_investigated", {c: c for c in ("verantwoordelijkheid_medewerker", "gepland",
                                                                "niet_aan_gedacht")}),
    ]  # fmt: skip


def _plan(est, emp, protection) -> list[dict[str, Any]]:
    return [_overall("plan_van_aanpak", est["plan_of_approach_homeworking"])]


def _prevention(est, emp, protection) -> list[dict[str, Any]]:
    return [*_codes(est, "prevention_worker", {"preventiemedewerker_actief": "actief"}),
            *_codes(est, "works_council", {"or_pvt_actief": "actief"})]  # fmt: skip


def _information(est, emp, protection) -> list[dict[str, Any]]:
    return [_overall("voorlichting", est["information_instruction"]), _overall("toezicht", est["active_supervision"])]


def _monitoring(est, emp, protection) -> list[dict[str, Any]]:
    return _codes(est, "electronic_monitoring", {c: c for c in ("nee", "van_plan", "ja")})


def _obstacles(est, emp, protection) -> list[dict[str, Any]]:
    return [_overall(c.removeprefix("obstacle_"), est[c])
            for c in ("obstacle_no_insight", "obstacle_unclear_obligations", "obstacle_lack_knowledge")]  # fmt: skip


def _visit(est, emp, protection) -> list[dict[str, Any]]:
    return _codes(est, "expected_change", {c: c for c in ("ja", "verbeterpunten_geen_actie", "geen_verbeterpunten")})


_Q = ("questionnaire_completed",)
_KANS = tuple(_GROUPS["kans"])
TABLES: tuple[Table, ...] = (
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
    Table("obstacles", "Obstacles to measures the employer names (share)",
          ("obstacle_no_insight", "obstacle_unclear_obligations", "obstacle_lack_knowledge"), (), _obstacles),
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
    establishments: pd.DataFrame, employees: pd.DataFrame, protection: linked.Protection | None = None
) -> pd.DataFrame:
    """Every descriptive table (module docstring), one row per number.

    ``protection``: the report's disclosure decision for groups by sector and size class
    (:func:`thuiswerk.data.linked.protect_groups`; computed from the establishments alone when
    not given). A table that reads a column the survey lacks is left out;
    ``attrs["left_out"]`` maps its name to those columns.
    """
    parts, left_out = [], {}
    for table in TABLES:
        missing = lacking(table, establishments, employees)
        if missing:
            left_out[table.name] = missing
            continue
        rows = table.rows(establishments, employees, protection)
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
