"""Fits and survey tables -> tidy tables, findings and the words the report uses.

Everything the Dutch report states as a number or as a finding comes from a
function here (or from :mod:`thuiswerk.figures`, :mod:`thuiswerk.diagnostics`,
:mod:`thuiswerk.checks` and :mod:`thuiswerk.compare`); no number is typed into
the prose. The functions are pure (a DataTree or DataFrame in, a DataFrame,
number or string out), except :func:`load_context`, which reads the validated
survey and the stored fits once per chapter.

Findings
--------
Every relation the report states is a row of the findings table
(:mod:`thuiswerk.findings`: the estimand table, its posterior summaries, the one
evidence rule and the sentences); :attr:`ReportContext.findings` computes it once
per report and :meth:`ReportContext.say` gives a finding's sentence. Adjustment
covariates are summarised here (:func:`effects`, :func:`effects_table`) by their
posterior mean, :data:`PROB` (90%) interval and P(effect < 0), without evidence
words: they are not findings. The word "significant" is never used.

Knowledge versus employer (:func:`loo_verdict`)
-----------------------------------------------
Each outcome model with the employees' knowledge of measures is compared with
the same model with the employer's reports in its place by PSIS-LOO
(:func:`thuiswerk.compare.knowledge_vs_employer`). With ``d = elpd_diff``
(knowledge minus employer) and ``se`` its standard error::

    |d| < 4 or |d| < 2 * se  -> "geen duidelijk verschil"
    d >= 4 and d >= 2 * se   -> "kennis van de werknemer voorspelt duidelijk beter"
    d <= -4 and -d >= 2 * se -> "opgave van de werkgever voorspelt duidelijk beter"

(differences below 4 elpd units are small whatever their SE, Sivula, Magnusson,
Matamoros & Vehtari 2022; beyond that, two standard errors).

Report context (:func:`load_context`)
-------------------------------------
The validated survey and every default fit, loaded through
:func:`thuiswerk.workflow.load_fit`: a missing or stale fit raises
:class:`thuiswerk.store.StaleFitError` naming the command to run. The report
never samples. Every fit's provenance is checked when the context is made; the
posterior itself is read on first use (the files are large), and the context
is cached per process.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk import codebook as codebook_module
from thuiswerk import compare, dims, nl, store, workflow
from thuiswerk.prepare import PREDICTORS, ROLES, predictor_label
from thuiswerk.specs import SPECS, ModelSpec

PROB = 0.90  # central posterior interval used throughout the report
LOO_MIN_DIFF = 4.0  # elpd differences below this are small (Sivula et al. 2022)
LOO_SE_FACTOR = 2.0

ROLE_LABELS = {"leidinggevende": "Leidinggevenden", "niet_leidinggevende": "Niet-leidinggevenden"}
KANS_REGIONS = ("complaint_neck", "complaint_shoulders", "complaint_arm")

LOO_SAME = "geen duidelijk verschil"
LOO_KNOWLEDGE = "kennis van de werknemer voorspelt duidelijk beter"
LOO_EMPLOYER = "opgave van de werkgever voorspelt duidelijk beter"


# =========================================================================== posterior


def _draws(da: xr.DataArray) -> xr.DataArray:
    """Stack chain and draw into one ``sample`` dimension."""
    return da.stack(sample=("chain", "draw"))


def _interval(values: np.ndarray, prob: float = PROB) -> tuple[float, float]:
    lo, hi = np.quantile(values, [(1 - prob) / 2, (1 + prob) / 2])
    return float(lo), float(hi)


def effects(tree: xr.DataTree, spec: ModelSpec | None = None) -> pd.DataFrame:
    """One row per adjustment covariate (``beta``): Dutch label, posterior mean, 90% interval, P(<0), P(>0).

    Columns: ``predictor`` (code), ``label`` (Dutch), ``mean``, ``lo``, ``hi``,
    ``odds_ratio`` (exp(mean)), ``p_negative``, ``p_positive``. Rows follow the
    spec's predictor order (or the fit's, without a spec).
    """
    beta = tree["posterior"]["beta"]
    predictors = list(spec.predictors) if spec is not None else [str(p) for p in beta.coords[dims.PREDICTOR].values]
    rows = []
    for p in predictors:
        if p not in beta.coords[dims.PREDICTOR].values:
            raise KeyError(f"the fit has no coefficient for predictor {p!r}")
        values = _draws(beta.sel({dims.PREDICTOR: p})).to_numpy()
        lo, hi = _interval(values)
        rows.append(
            {
                "predictor": p,
                "label": PREDICTORS[p][0] if p in PREDICTORS else p,
                "mean": float(values.mean()),
                "lo": lo,
                "hi": hi,
                "odds_ratio": float(np.exp(values.mean())),
                "p_negative": float((values < 0).mean()),
                "p_positive": float((values > 0).mean()),
            }
        )
    return pd.DataFrame(rows)


def scale_text(variable: str) -> str:
    """The answer scale of an ordinal item in words: 'van 1 tot 5'."""
    codes = [int(c) for c in codebook_module.load().find(variable).categories]
    return f"van {min(codes)} {nl.RANGE_WORD} {max(codes)}"


def effects_table(tree: xr.DataTree, spec: ModelSpec | None = None) -> pd.DataFrame:
    """:func:`effects` of the adjustment covariates as Dutch display strings, without evidence words."""
    from thuiswerk.findings import probability

    raw = effects(tree, spec)
    out = pd.DataFrame()
    out["Covariaat"] = raw["label"]
    out["Odds ratio"] = raw["odds_ratio"].map(lambda v: nl.number(v, 2))
    out[f"{nl.percent(PROB)}-interval"] = [nl.interval(np.exp(lo), np.exp(hi), 2) for lo, hi in zip(raw["lo"], raw["hi"])]
    out["P(negatief)"] = raw["p_negative"].map(probability)
    return out


# =========================================================================== awareness


def mean_missed_measures(establishments: pd.DataFrame, employees: pd.DataFrame) -> pd.Series:
    """Per role: the mean number of measures the employer reports but the employee does not know."""
    measures = list(codebook_module.load().measures)
    est = establishments.set_index("establishment_id")
    joined = employees.join(est[[f"employer_{m}" for m in measures]], on="establishment_id")
    missed = sum(
        ((joined[f"employer_{m}"].astype("Float64") == 1) & (joined[f"knows_{m}"].astype("Float64") == 0)).astype(float)
        for m in measures
    )
    out = missed.groupby(joined["role"]).agg(["mean", "size"])
    return out["mean"].where(out["size"] >= nl.MIN_CELL).reindex(list(ROLES))


# =========================================================================== LOO


def loo_verdict(elpd_diff: float, se_diff: float) -> str:
    """The documented rule of the module docstring, in Dutch."""
    if abs(elpd_diff) < LOO_MIN_DIFF or abs(elpd_diff) < LOO_SE_FACTOR * se_diff:
        return LOO_SAME
    return LOO_KNOWLEDGE if elpd_diff > 0 else LOO_EMPLOYER


OUTCOME_LABELS = {"workload": "Werkdruk", "isolation": "Isolatie", "complaints": "Klachten aan rug, nek, schouders en arm"}


def loo_comparison(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """:func:`compare.knowledge_vs_employer` with the Dutch label and the verdict per outcome."""
    table = compare.knowledge_vs_employer(dict(trees))
    table["label"] = [OUTCOME_LABELS.get(o, o) for o in table.index]
    table["verdict"] = [loo_verdict(d, s) for d, s in zip(table["elpd_diff"], table["se_diff"])]
    return table


def loo_comparison_table(comparison: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Uitkomst": comparison["label"],
            "elpd kennis werknemer": comparison["elpd_known"].map(lambda v: nl.number(v, 1)),
            "elpd opgave werkgever": comparison["elpd_employer"].map(lambda v: nl.number(v, 1)),
            "Verschil (SE)": [f"{nl.number(d, 1)} ({nl.number(s, 1)})" for d, s in zip(comparison["elpd_diff"], comparison["se_diff"])],
            "Vestigingen": comparison["establishments"].map(lambda v: nl.number(v, 0)),
            "Max. Pareto k": comparison["max_pareto_k"].map(lambda v: nl.number(v, 2)),
            "Oordeel": comparison["verdict"],
        }
    )


def loo_overall(comparison: pd.DataFrame) -> str:
    """One verdict for all outcomes: the shared verdict, or 'wisselend' when they differ."""
    verdicts = set(comparison["verdict"])
    return verdicts.pop() if len(verdicts) == 1 else "wisselend per uitkomst"


def loo_table_nl(loo: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare.loo_table` for display (with Pareto k)."""
    return pd.DataFrame(
        {
            "Model": [SPECS[m].title if m in SPECS else m for m in loo.index],
            "elpd (LOO)": loo["elpd_loo"].map(lambda v: nl.number(v, 1)),
            "SE": loo["se"].map(lambda v: nl.number(v, 1)),
            "p (LOO)": loo["p_loo"].map(lambda v: nl.number(v, 1)),
            "Werknemers": loo["n"].map(lambda v: nl.number(v, 0)),
            "Max. Pareto k": loo["max_pareto_k"].map(lambda v: nl.number(v, 2)),
            f"Pareto k > {nl.number(compare.K_THRESHOLD, 1)}": loo["n_k_above_0_7"].map(lambda v: nl.number(v, 0)),
        }
    )


# =========================================================================== survey


def share(values: pd.Series | np.ndarray, min_n: int = nl.MIN_CELL) -> float:
    """Share of True among the non-missing values; NaN (shown as '–') below ``min_n``."""
    return mean(values, min_n)


def mean(values: pd.Series | np.ndarray, min_n: int = nl.MIN_CELL) -> float:
    """Mean of the non-missing values; NaN (shown as '–') below ``min_n``."""
    s = pd.Series(values).dropna().astype(float)
    if len(s) < min_n:
        return float("nan")
    return float(s.mean())


def by_role(employees: pd.DataFrame, fn, min_n: int = nl.MIN_CELL) -> dict[str, float]:
    """``fn(frame_of_role)`` per role, NaN for a role with fewer than ``min_n`` employees."""
    return {role: (fn(sub) if len(sub) >= min_n else float("nan")) for role in ROLES for sub in [employees[employees["role"] == role]]}


def questionnaire(employees: pd.DataFrame) -> pd.DataFrame:
    """Employees who completed the online questionnaire."""
    return employees[employees["questionnaire_completed"].astype("Int64") == 1]


def design_counts(establishments: pd.DataFrame, employees: pd.DataFrame) -> dict[str, int]:
    """Establishments, interviewed managers and non-managers, questionnaire completes per role."""
    q = questionnaire(employees)
    return {
        "establishments": int(len(establishments)),
        "employees": int(len(employees)),
        "managers": int((employees["role"] == "leidinggevende").sum()),
        "non_managers": int((employees["role"] == "niet_leidinggevende").sum()),
        "completed_managers": int((q["role"] == "leidinggevende").sum()),
        "completed_non_managers": int((q["role"] == "niet_leidinggevende").sum()),
        "completed": int(len(q)),
    }


def any_complaint(employees: pd.DataFrame, regions=KANS_REGIONS) -> pd.Series:
    """At least one of ``regions`` (questionnaire completers with every region answered)."""
    q = questionnaire(employees)
    items = q[list(regions)].astype("Float64")
    return (items == 1).any(axis=1).astype(float).where(items.notna().all(axis=1))


def overtime(employees: pd.DataFrame) -> pd.Series:
    """Actual minus contract hours per week."""
    return employees["actual_hours"].astype(float) - employees["contract_hours"].astype(float)


def establishment_share(establishments: pd.DataFrame, column: str, codes) -> float:
    """Share of establishments whose ``column`` is one of ``codes`` (at least MIN_CELL)."""
    codes = codes if isinstance(codes, (list, tuple, set)) else [codes]
    values = establishments[column]
    valid = values.dropna()
    return share(valid.astype(str).isin([str(c) for c in codes]), nl.MIN_CELL) if len(valid) else float("nan")


def shares_by(establishments: pd.DataFrame, column: str, codes, by: str) -> pd.Series:
    """:func:`establishment_share` per group of ``by`` (blank below MIN_CELL)."""
    return establishments.groupby(by, observed=True).apply(lambda g: establishment_share(g, column, codes))


def top_categories(values: pd.Series, k: int = 2) -> list[str]:
    """Index labels of the ``k`` largest values (ties in the given order)."""
    return [str(i) for i in values.sort_values(ascending=False, kind="stable").index[:k]]


def ratio(a: float, b: float) -> float:
    return float(a / b) if b and np.isfinite(a) and np.isfinite(b) else float("nan")


# =========================================================================== display


def markdown_table(frame: pd.DataFrame, index: bool = False) -> str:
    """A pipe table (Pandoc/Quarto markdown) of already formatted values."""
    frame = frame.reset_index() if index else frame
    cols = [str(c) for c in frame.columns]

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return nl.MARKER
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(cols))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def caption(label: str, part: int = 0) -> str:
    """Caption (part 0) or alt text (part 1) of a figure as written in the .qmd cell options.

    The text of :data:`thuiswerk.figures.CAPTIONS` with a number followed by
    a percent sign written as "N procent" (the report's .qmd sources never
    contain a literal percentage).
    """
    from thuiswerk.figures import CAPTIONS

    return re.sub(r"(\d)%", r"\1 procent", CAPTIONS[label][part])


def table1_markdown(establishments: pd.DataFrame, employees: pd.DataFrame) -> str:
    from thuiswerk import figures

    table = figures.table1(establishments, employees)
    text = markdown_table(nl.percent_table(table), index=True)
    if table.attrs["suppressed"].to_numpy().any():
        text += f"\n\n{nl.footnote()}"
    return text


def prior_table(spec: ModelSpec) -> pd.DataFrame:
    return pd.DataFrame({"Prior-parameter": list(spec.priors), "Waarde": [nl.number(v, 2) for v in spec.priors.values()]})


def diagnostics_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`thuiswerk.diagnostics.table` for display."""
    return pd.DataFrame(
        {
            "Model": [SPECS[m].title if m in SPECS else m for m in table.index],
            "Max. R-hat": table["max_rhat"].map(lambda v: nl.number(v, 3)),
            "Min. bulk-ESS": table["min_ess_bulk"].map(lambda v: nl.number(v, 0)),
            "Min. tail-ESS": table["min_ess_tail"].map(lambda v: nl.number(v, 0)),
            "Divergenties": table["divergences"].map(lambda v: nl.number(v, 0)),
            "Min. E-BFMI": table["min_bfmi"].map(lambda v: nl.number(v, 2)),
            "Ketens x trekkingen": [f"{c} x {nl.number(d, 0)}" for c, d in zip(table["chains"], table["draws"])],
            "Voldoet": table["passed"].map(lambda v: "ja" if v else "nee"),
        }
    )


def variable_table_nl(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """:func:`thuiswerk.diagnostics.variable_table` for every model, with Dutch headers and numbers."""
    from thuiswerk import diagnostics

    rows = []
    for name, tree in trees.items():
        for variable, row in diagnostics.variable_table(tree).iterrows():
            rows.append(
                {
                    "Model": SPECS[name].title if name in SPECS else name,
                    "Variabele": variable,
                    "Elementen": nl.number(row["elements"], 0),
                    "Grootste R-hat": nl.number(row["max_rhat"], 3),
                    "Kleinste bulk-ESS": nl.number(row["min_ess_bulk"], 0),
                    "Kleinste tail-ESS": nl.number(row["min_ess_tail"], 0),
                }
            )
    return pd.DataFrame(rows)


def parameter_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`thuiswerk.diagnostics.parameter_table` rows with Dutch labels and numbers."""

    def name(param: str) -> str:
        inner = param[param.find("[") + 1 : -1] if "[" in param else ""
        parts = [p.strip() for p in inner.split(",")] if inner else []
        def one(p: str) -> str:
            if "|" in p:  # an exposure term: predictor|role
                predictor, role = p.split("|")
                return f"{predictor_label(predictor)} ({ROLE_LABELS.get(role, role).lower()})"
            return predictor_label(p) if p in PREDICTORS else (nl.label(p) if p.startswith("complaint_") else p)

        labelled = [one(p) for p in parts]
        return f"{param.split('[')[0]}: {', '.join(labelled)}" if labelled else param

    bounds = [c for c in table.columns if re.match(r"^(eti|hdi)\d+_(lb|ub)$", str(c))]
    lo, hi = bounds[0], bounds[-1]
    prob = int(re.findall(r"\d+", lo)[0]) / 100
    return pd.DataFrame(
        {
            "Parameter": [name(str(i)) for i in table.index],
            "Gemiddelde": table["mean"].map(lambda v: nl.number(v, 2)),
            "SD": table["sd"].map(lambda v: nl.number(v, 2)),
            f"{nl.percent(prob)}-interval": [nl.interval(a, b, 2) for a, b in zip(table[lo], table[hi])],
            "Bulk-ESS": table["ess_bulk"].map(lambda v: nl.number(v, 0)),
            "Tail-ESS": table["ess_tail"].map(lambda v: nl.number(v, 0)),
            "R-hat": table["r_hat"].map(lambda v: nl.number(v, 2)),
        }
    )


def predictive_table_nl(table: pd.DataFrame, scale: Literal["share", "score"]) -> pd.DataFrame:
    """:func:`thuiswerk.checks.predictive_table` for display."""
    fmt = nl.percent if scale == "share" else (lambda v: nl.number(v, 2))
    fmt_i = nl.percent_interval if scale == "share" else (lambda a, b: nl.interval(a, b, 2))
    names = []
    for key in table.index:
        key = str(key)
        try:
            names.append(nl.measure_label(key))
        except KeyError:
            try:
                names.append(nl.label(key))
            except KeyError:
                names.append(key)
    return pd.DataFrame(
        {
            "Onderdeel": names,
            "Waargenomen": table["observed"].map(fmt),
            "Voorspeld": table["predicted"].map(fmt),
            f"{nl.percent(PROB)}-interval": [fmt_i(a, b) for a, b in zip(table["lo"], table["hi"])],
            "Binnen interval": table["inside"].map(lambda v: "ja" if v else "nee"),
        }
    )


# =========================================================================== context


class _LazyFits(Mapping):
    """Model name -> DataTree, each read through ``workflow.load_fit`` on first use."""

    def __init__(self, specs: dict[str, ModelSpec], survey, fits_dir: Path, seed: int, data_arg: str) -> None:
        self._specs, self._survey, self._dir, self._seed, self._arg = specs, survey, fits_dir, seed, data_arg
        self._trees: dict[str, xr.DataTree] = {}

    def __getitem__(self, name: str) -> xr.DataTree:
        if name not in self._trees:
            self._trees[name] = workflow.load_fit(self._specs[name], self._survey, self._dir, self._seed, self._arg)
        return self._trees[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


@dataclass
class ReportContext:
    """What every chapter needs: the validated survey, the fits and their provenance."""

    data_dir: Path
    fits_dir: Path
    seed: int
    establishments: pd.DataFrame
    employees: pd.DataFrame
    specs: dict[str, ModelSpec]
    fits: Mapping[str, xr.DataTree]
    provenance: dict[str, dict[str, Any]]  # model -> stored attrs (parsed JSON where stored as JSON)
    data_hash: str
    git_commit: str
    package_versions: dict[str, str] = field(default_factory=dict)
    _findings: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def questionnaire(self) -> pd.DataFrame:
        return questionnaire(self.employees)

    @property
    def findings(self) -> pd.DataFrame:
        """The findings table (:func:`thuiswerk.findings.compute`) of these fits, computed once."""
        if self._findings is None:
            from thuiswerk import findings

            self._findings = findings.compute(self.fits)
        return self._findings

    def say(self, finding_id: str) -> str:
        """The sentence of one slope finding, made from its row of :attr:`findings`."""
        from thuiswerk import findings

        return findings.sentence(self.findings.loc[finding_id])

    def figure(self, label: str):
        from thuiswerk import figures

        return figures.figure(label, self.establishments, self.employees)

    def colophon(self) -> pd.DataFrame:
        return colophon_table(self.provenance)


def _parse_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        v = v.item() if hasattr(v, "item") else v
        if k in ("package_versions", "settings", "excluded", "spec") and isinstance(v, str):
            try:
                v = json.loads(v)
            except json.JSONDecodeError:
                pass
        out[k] = v
    return out


EXCLUSION_LABELS = {
    "employee did not complete the questionnaire": "vragenlijst niet ingevuld",
    "employee with an empty predictor": "lege voorspeller",
    "empty item (item non-response)": "lege cel (item niet beantwoord)",
    "empty knows/employer cell": "lege cel kennis/werkgever",
}


def colophon_table(provenance: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per fit: model, spec and data hash (first 12 characters), seed, commit, settings, exclusions."""
    rows = []
    for name, a in provenance.items():
        s = a.get("settings") or {}
        excl = a.get("excluded") or {}
        rows.append(
            {
                "Model": name,
                "Spec-hash": str(a.get("spec_hash", ""))[:12],
                "Data-hash": str(a.get("data_hash", ""))[:12],
                "Seed": str(a.get("seed", "")),
                "Git-commit": str(a.get("git_commit", ""))[:12] + ("+dirty" if str(a.get("git_commit", "")).endswith("+dirty") else ""),
                "Sampler": f"{s.get('sampler', '')}, {s.get('chains', '')} x {s.get('draws', '')} (tune {s.get('tune', '')})",
                "Uitgesloten": "; ".join(f"{EXCLUSION_LABELS.get(k, k)}: {nl.number(v, 0)}" for k, v in excl.items()) or "geen",
            }
        )
    return pd.DataFrame(rows)


def _resolve(path: str | Path) -> Path:
    """A relative path is relative to the repository root (Quarto runs chapters in report/)."""
    from thuiswerk.resources import REPO_ROOT

    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path


def _signature(*paths: Path) -> tuple:
    """Names, sizes and modification times of the files under ``paths`` (cache key)."""
    out = []
    for p in paths:
        files = sorted(p.glob("*")) if p.is_dir() else [p]
        out += [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file()]
    return tuple(out)


def load_context(
    data_dir: str | Path | None = None,
    fits_dir: str | Path | None = None,
    seed: int | None = None,
) -> ReportContext:
    """Load the validated survey and every default fit (never samples).

    Defaults: ``data/synthetic`` and ``data/fits`` (relative to the repository
    root), overridden by the environment variables ``THUISWERK_DATA``,
    ``THUISWERK_FITS`` and ``THUISWERK_SEED`` so that the same report renders
    the real data. Raises :class:`thuiswerk.store.StaleFitError` (naming the
    command to run) when any fit is missing or stale, and
    :class:`thuiswerk.workflow.InvalidDataError` for invalid data.
    """
    data = _resolve(data_dir or os.environ.get("THUISWERK_DATA") or "data/synthetic")
    fits = _resolve(fits_dir or os.environ.get("THUISWERK_FITS") or "data/fits")
    seed = int(seed if seed is not None else os.environ.get("THUISWERK_SEED") or workflow.DEFAULT_SEED)
    return _load_context(data, fits, seed, _signature(data, fits))


@lru_cache(maxsize=4)
def _load_context(data: Path, fits: Path, seed: int, signature: tuple) -> ReportContext:
    survey = workflow.load_valid_survey(data)
    selected = {s.name: s for s in workflow.resolve_specs(["all"])}
    from thuiswerk.resources import REPO_ROOT

    default_data = (REPO_ROOT / "data/synthetic").resolve()
    data_arg = "" if data.resolve() == default_data else f" --data {data}"
    provenance: dict[str, dict[str, Any]] = {}
    for name, spec in selected.items():
        workflow.ensure_current(spec, survey, fits, seed, data_arg)
        provenance[name] = _parse_attrs(store.read_attrs(store.fit_path(fits, name)) or {})
    return ReportContext(
        data_dir=data,
        fits_dir=fits,
        seed=seed,
        establishments=survey.establishments,
        employees=survey.employees,
        specs=selected,
        fits=_LazyFits(selected, survey, fits, seed, data_arg),
        provenance=provenance,
        data_hash=store.data_hash(survey.establishments, survey.employees),
        git_commit=store.git_commit(),
        package_versions=store.package_versions(),
    )


# =========================================================================== appendix A


def _tex(value: float) -> str:
    """A prior value for LaTeX with a Dutch decimal comma ("1{,}5")."""
    return nl.number(value, 2).rstrip("0").rstrip(",").replace(",", "{,}") if "," in nl.number(value, 2) else nl.number(value, 0)


def model_equations(spec: ModelSpec) -> str:
    """The model in math notation (likelihood, linear predictor, priors with the spec's values)."""
    p = {k: _tex(v) for k, v in spec.priors.items()}
    person = [
        r"u_v &= \sigma_{\mathrm{vest}}\, z_v + s_{\mathrm{sector}[v]} + g_{\mathrm{grootte}[v]}, \quad z_v \sim \mathrm{Normal}(0, 1) \\",
        r"e_i &= \sigma_{\mathrm{wn}}\, z_i, \quad z_i \sim \mathrm{Normal}(0, 1) \\",
        r"\sigma_{\mathrm{vest}} &= \sigma \sqrt{\rho}, \quad \sigma_{\mathrm{wn}} = \sigma \sqrt{1 - \rho} \\",
        rf"\sigma &\sim \mathrm{{HalfNormal}}({p['sigma_total']}), \quad \rho \sim \mathrm{{Beta}}({p['rho_alpha']}, {p['rho_beta']}) \\",
        rf"s, g &\sim \mathrm{{ZeroSumNormal}}({p['group_sd']})",
    ]
    slopes = [
        r"b_{jt} &= \mu_t + \tau_{k[t]}\, \zeta_{jt}, \quad \zeta_{jt} \sim \mathrm{Normal}(0, 1) \\",
        rf"\beta_p &\sim \mathrm{{Normal}}(0, {p['beta_sd']}), \quad \mu_t \sim \mathrm{{Normal}}(0, {p['slope_sd']}), "
        rf"\quad \tau_k \sim \mathrm{{HalfNormal}}({p['tau_sd']}) \\",
    ] if spec.family in ("ordinal", "binary") else []
    slope_legend = (" $x_i$ zijn de covariaten met één helling $\\beta$ voor alle uitkomsten en functies; "
                    "$w_{it}$ de blootstellingen per functie (term $t$: blootstelling $k[t]$ bij leidinggevenden of bij "
                    "niet-leidinggevenden, 0 bij de andere functie), met een eigen helling $b_{jt}$ per uitkomst $j$, "
                    "gedeeltelijk gepoold rond het gemiddelde $\\mu_t$.")
    if spec.family == "ordinal":
        lines = [
            r"y_{ij} &\sim \mathrm{OrderedLogistic}(\eta_{ij}, c_j) \\",
            r"\eta_{ij} &= x_i^\top \beta + \textstyle\sum_t w_{it}\, b_{jt} + u_{v[i]} + e_i \\",
            *slopes,
            rf"c_{{j1}} &\sim \mathrm{{Normal}}({p['cut_first_mu']}, {p['cut_first_sd']}), \quad c_{{j,k+1}} - c_{{jk}} \sim \mathrm{{LogNormal}}({p['gap_log_mu']}, {p['gap_log_sd']}) \\",
        ]
        legend = ("$y_{ij}$ is het antwoord van werknemer $i$ op aspect $j$, $c_j$ de oplopende drempels van aspect $j$, "
                  "$v[i]$ de vestiging van werknemer $i$." + slope_legend)
    elif spec.family == "binary":
        lines = [
            r"y_{ij} &\sim \mathrm{Bernoulli}\big(\mathrm{logit}^{-1}(\alpha_{j, f[i]} + x_i^\top \beta + \textstyle\sum_t w_{it}\, b_{jt} + u_{v[i]} + e_i)\big) \\",
            *slopes,
            rf"\alpha_{{jf}} &\sim \mathrm{{Normal}}({p['intercept_mu']}, {p['intercept_sd']}) \\",
        ]
        legend = ("$y_{ij}$ is een klacht (ja/nee) van werknemer $i$ aan lichaamsdeel $j$, $f[i]$ de functie "
                  "(leidinggevende of niet)." + slope_legend)
    else:
        lines = [
            r"y_{im} &\sim \mathrm{Bernoulli}\big(\mathrm{logit}^{-1}(a_{m, f[i], w_{v[i] m}} + u_{v[i]} + e_i)\big) \\",
            r"a_{mfw} &= \mu_{fw} + \tau_{fw}\, z_{mfw}, \quad z_{mfw} \sim \mathrm{Normal}(0, 1) \\",
            rf"\mu_{{fw}} &\sim \mathrm{{Normal}}(0, {p['mu_sd']}), \quad \tau_{{fw}} \sim \mathrm{{HalfNormal}}({p['tau_sd']}) \\",
        ]
        legend = ("$y_{im}$ is of werknemer $i$ maatregel $m$ kent, $w_{vm}$ of de werkgever van vestiging $v$ de maatregel noemt, "
                  "$f[i]$ de functie. Het informatieverlies per functie is het verwachte aantal van de 15 maatregelen "
                  "dat de werkgever noemt en de werknemer niet kent, gedeeld door 15: de som over de maatregelen van "
                  "het aandeel werknemers van die functie van wie de werkgever de maatregel noemt, maal "
                  "P(kent niet | werkgever noemt), gemiddeld over de vestigings- en werknemerseffecten.")
    body = "\n".join(lines + person)
    role_nl = {"leidinggevende": "leidinggevenden", "niet_leidinggevende": "niet-leidinggevenden"}
    exposures = (
        "Blootstellingen: " + "; ".join(
            f"{predictor_label(x)} ({' en '.join(role_nl[r] for r in roles)})" for x, roles in spec.exposures
        ) + ". "
        if spec.exposures
        else ""
    )
    predictors = exposures + (
        "Covariaten: " + "; ".join(predictor_label(x) for x in spec.predictors) + "."
        if spec.predictors
        else ""
    )
    return f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$\n\n{legend} {predictors}".strip()


CHECK_LABELS = {
    "extreme_share": "aandeel antwoorden in de laagste of hoogste categorie",
    "any_kans": "aandeel werknemers met minstens één KANS-klacht",
    "establishment_sd": "spreiding (SD) van de gemiddelden per vestiging",
}


def prior_checks_table_nl(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """:func:`thuiswerk.checks.prior_checks` of each outcome model, prior and posterior, for display.

    The statistics that decide whether a prior is plausible: answers at the extremes
    of the 1-5 scale, the share with any KANS complaint, the spread of establishment
    means; the observed value beside the prior and the posterior predictive median
    and 90% interval.
    """
    from thuiswerk import checks

    rows = []
    for name, tree in trees.items():
        if name not in SPECS or SPECS[name].compares_with or SPECS[name].family == "awareness":
            continue
        prior = checks.prior_checks(tree, "prior_predictive").set_index("statistic")
        post = checks.prior_checks(tree, "posterior_predictive").set_index("statistic")
        for stat, row in prior.iterrows():
            show = (lambda v: nl.number(v, 2)) if stat == "establishment_sd" else nl.percent
            rows.append(
                {
                    "Model": SPECS[name].title,
                    "Maat": CHECK_LABELS.get(stat, stat),
                    "Waargenomen": show(row["observed"]),
                    "Prior: mediaan (interval)": f"{show(row['median'])} ({show(row['lo'])} {nl.RANGE_WORD} {show(row['hi'])})",
                    "Posterior: mediaan (interval)": (
                        f"{show(post.loc[stat, 'median'])} ({show(post.loc[stat, 'lo'])} {nl.RANGE_WORD} "
                        f"{show(post.loc[stat, 'hi'])})"
                    ),
                }
            )
    return pd.DataFrame(rows)


SENSITIVITY_VARS = ("beta", "slope_mean", "sigma_total", "rho")
SENSITIVITY_THRESHOLD = 0.05  # ArviZ's default: a prior sensitivity above it is flagged
DIAGNOSIS_NL = {
    "potential prior-data conflict": "mogelijk conflict tussen prior en gegevens",
    "potential strong prior / weak likelihood": "mogelijk sterke prior, zwakke gegevens",
}


def prior_sensitivity_table(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """Power-scaling sensitivity per model: how many coefficients react to the prior, and the largest."""
    from thuiswerk import checks

    rows = []
    for name, tree in trees.items():
        if name not in SPECS or SPECS[name].family == "awareness" or "log_prior" not in tree.children:
            continue
        table = checks.prior_sensitivity(tree, list(SENSITIVITY_VARS))
        flagged = table[table["prior"] > SENSITIVITY_THRESHOLD]
        rows.append(
            {
                "Model": SPECS[name].title,
                "Parameters": nl.number(len(table), 0),
                "Gevoelig voor prior": nl.number(len(flagged), 0),
                "Grootste priorgevoeligheid": nl.number(float(table["prior"].max()), 3),
                "Diagnose": ", ".join(sorted({DIAGNOSIS_NL.get(d, d) for d in flagged["diagnosis"]})) or "geen",
            }
        )
    return pd.DataFrame(rows)


BARG = (
    ("Aanleiding", "waarom een Bayesiaanse analyse en welke vragen (hoofdstuk IV en deze bijlage)"),
    ("Model", "likelihood, lineaire voorspeller en priors van elk model, met waarden uit de modelspecificatie (deze bijlage)"),
    ("Priors", "onderbouwd met prior-predictieve controles van de uitersten van de schaal, KANS-klachten en de spreiding tussen vestigingen (deze bijlage)"),
    ("Berekening", "MCMC met NUTS (nutpie), aantal ketens en trekkingen, R-hat, ESS, divergenties en E-BFMI (bijlage B)"),
    ("Posterior", "gemiddelde, centraal interval en kans op de richting van elk verband; de formuleringsregel (deze bijlage)"),
    ("Modelcontrole", "posterior-predictieve controles en PSIS-LOO met Pareto k (bijlage B)"),
    ("Beslissingen", "de vaste drempels voor duidelijk, aanwijzing en geen duidelijk verband, en de regel voor modelvergelijking"),
    ("Gevoeligheid", "power-scaling van priors en likelihood (tabel hieronder); priors en voorspellers zijn te wijzigen zonder code (thuiswerk fit --config)"),
    ("Reproduceerbaarheid", "code, seed, data-hash en versies van elk model (bijlage C)"),
)


def barg_table() -> pd.DataFrame:
    return pd.DataFrame(BARG, columns=["Onderdeel (Kruschke 2021)", "Waar en hoe"])


# =========================================================================== appendix C


def versions_table(ctx: ReportContext) -> pd.DataFrame:
    """Package versions now (rendering) and as stored in each fit."""
    fits = {name: (a.get("package_versions") or {}) for name, a in ctx.provenance.items()}
    packages = list(dict.fromkeys([*ctx.package_versions, *(p for v in fits.values() for p in v)]))
    rows = []
    for pkg in packages:
        stored = sorted({v.get(pkg, nl.MARKER) for v in fits.values()})
        rows.append({"Pakket": pkg, "Bij renderen": ctx.package_versions.get(pkg, nl.MARKER), "Bij schatten": ", ".join(stored)})
    return pd.DataFrame(rows)
