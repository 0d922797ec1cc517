"""Fits and survey tables -> tidy tables, findings and the words the report uses.

Everything the Dutch report states as a number or as a finding comes from a
function here (or from :mod:`thuiswerk.reporting.figures`, :mod:`thuiswerk.modelling.diagnostics`,
:mod:`thuiswerk.analysis.checks` and :mod:`thuiswerk.analysis.compare`); no number is typed into
the prose. The functions are pure (a DataTree or DataFrame in, a DataFrame,
number or string out), except :func:`load_context`, which reads the validated
survey and the stored fits once per chapter.

Findings
--------
Every relation the report states is a row of the findings table
(:mod:`thuiswerk.analysis.findings`: the estimand table, its posterior summaries, the one
evidence rule and the sentences); :attr:`ReportContext.findings` computes it once
per report and :meth:`ReportContext.say` gives a finding's sentence. Adjustment
covariates are summarised here (:func:`effects`, :func:`effects_table`) by their
posterior mean, :data:`PROB` (90%) interval and P(effect < 0), without evidence
words: they are not findings. The word "significant" is never used.

Knowledge versus employer (:func:`loo_verdict`)
-----------------------------------------------
Each outcome model with the employees' knowledge of measures is compared with
the same model with the employer's reports in its place by PSIS-LOO
(:func:`thuiswerk.analysis.compare.knowledge_vs_employer`). With ``d = elpd_diff``
(knowledge minus employer) and ``se`` its standard error::

    |d| < 4 or |d| < 2 * se  -> "geen duidelijk verschil"
    d >= 4 and d >= 2 * se   -> "kennis van de werknemer voorspelt duidelijk beter"
    d <= -4 and -d >= 2 * se -> "opgave van de werkgever voorspelt duidelijk beter"

(differences below 4 elpd units are small whatever their SE, Sivula, Magnusson,
Matamoros & Vehtari 2022; beyond that, two standard errors).

Report context (:func:`load_context`)
-------------------------------------
The validated survey and every default fit, loaded through
:func:`thuiswerk.modelling.workflow.load_fit`: a missing or stale fit raises
:class:`thuiswerk.modelling.store.StaleFitError` naming the command to run. The report
never samples. Every fit's provenance is checked when the context is made; the
posterior itself is read on first use (the files are large), and the context
is cached per process.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.analysis import compare
from thuiswerk.analysis.compare import (  # noqa: F401  (the LOO rule; the chapters read it as S.LOO_MIN_DIFF etc.)
    LOO_EMPLOYER,
    LOO_KNOWLEDGE,
    LOO_MIN_DIFF,
    LOO_SAME,
    LOO_SE_FACTOR,
    loo_verdict,
)
from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import dims, disclosure, nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.data.describe import (  # noqa: F401  (the survey's numbers, read by the chapters as S.share etc.)
    KANS_REGIONS,
    any_complaint,
    by_role,
    design_counts,
    establishment_share,
    mean,
    overtime,
    questionnaire,
    ratio,
    share,
    shares_by,
    top_categories,
)
from thuiswerk.modelling import store, workflow
from thuiswerk.modelling.prepare import PREDICTORS, coordinate_label, parameter_name, predictor_label  # noqa: F401
from thuiswerk.modelling.specs import SPECS, ModelSpec

PROB = nl.PROB  # one definition (thuiswerk.core.nl); the chapters read it from here

ROLE_LABELS = {"leidinggevende": "Leidinggevenden", "niet_leidinggevende": "Niet-leidinggevenden"}


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
    beta = cast(xr.DataArray, tree["posterior"]["beta"])
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
    from thuiswerk.analysis.findings import probability

    raw = effects(tree, spec)
    out = pd.DataFrame()
    out["Covariaat"] = raw["label"]
    out["Odds ratio"] = raw["odds_ratio"].map(lambda v: nl.number(v, 2))
    out[f"{nl.percent(PROB)}-interval"] = [
        nl.interval(np.exp(lo), np.exp(hi), 2) for lo, hi in zip(raw["lo"], raw["hi"])
    ]
    out["P(negatief)"] = raw["p_negative"].map(probability)
    return out


# =========================================================================== awareness


def mean_missed_measures(establishments: pd.DataFrame, employees: pd.DataFrame) -> pd.Series:
    """Per role: the mean number of measures the employer reports but the employee does not know."""
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
    # the other role is blanked with a blank one (the mean over both roles would give it away)
    protected = disclosure.protect_values(
        values.to_dict(), sizes.to_dict(), (out["mean"] * sizes).to_dict(), scale=(0.0, float(len(measures)))
    )
    return pd.Series(protected, name="mean").rename_axis("role")


# =========================================================================== LOO


OUTCOME_LABELS = {
    "workload": "Werkdruk",
    "isolation": "Isolatie",
    "complaints": "Klachten aan rug, nek, schouders en arm",
}


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
            "elpd kennis van de werknemer": comparison["elpd_known"].map(lambda v: nl.number(v, 1)),
            "elpd opgave van de werkgever": comparison["elpd_employer"].map(lambda v: nl.number(v, 1)),
            "Verschil (standaardfout)": [
                f"{nl.number(d, 1)} ({nl.number(s, 1)})" for d, s in zip(comparison["elpd_diff"], comparison["se_diff"])
            ],
            "Vestigingen": comparison["establishments"].map(lambda v: nl.number(v, 0)),
            "Grootste Pareto k": comparison["max_pareto_k"].map(lambda v: nl.number(v, 2)),
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
            "Model": [model_name(m) for m in loo.index],
            "elpd (LOO)": loo["elpd_loo"].map(lambda v: nl.number(v, 1)),
            "Standaardfout": loo["se"].map(lambda v: nl.number(v, 1)),
            "Effectief aantal parameters": loo["p_loo"].map(lambda v: nl.number(v, 1)),
            "Werknemers": loo["n"].map(lambda v: nl.number(v, 0)),
            "Grootste Pareto k": loo["max_pareto_k"].map(lambda v: nl.number(v, 2)),
            f"Werknemers met Pareto k boven {nl.number(compare.K_THRESHOLD, 1)}": loo["n_k_above_0_7"].map(
                lambda v: nl.number(v, 0)
            ),
        }
    )


# =========================================================================== display


_NUMERIC = re.compile(r"^[\s\-−+<>≥≤~]*[\d(\[]")
TABLE_RULE = 120  # dashes in a separator line: longer than Pandoc's 72 columns, so widths are relative


def markdown_table(frame: pd.DataFrame, index: bool = False, widths: Sequence[float] | None = None) -> str:
    """A pipe table (Pandoc/Quarto markdown) of already formatted values.

    Column widths are relative (Pandoc reads them from the lengths of the
    separator's dashes when a line is longer than 72 characters): ``widths``
    if given, else proportional to each column's longest cell, within limits,
    so that text wraps in the PDF and DOCX instead of squeezing the numbers.
    Text columns are left-aligned, columns of numbers right-aligned.
    """
    frame = frame.reset_index() if index else frame
    cols = [str(c) for c in frame.columns]

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return nl.MARKER
        text = str(v).replace("|", "\\|").replace("\n", " ")
        # outside `code`, a zero-width space after each (escaped) "_" lets a code name
        # (werkdruk_afspraken_werktijden) wrap in a narrow column of the PDF
        parts = text.split("`")
        # and "<" is not the start of an HTML tag ("niet_bekend_<measure>_lg"), and a command's "--data" keeps
        # its two hyphens (Pandoc would set them as an en dash)
        parts[::2] = [p.replace("_", "\\_\u200b").replace("<", "\\<").replace("--", "\\-\\-") for p in parts[::2]]
        return "`".join(parts)

    rows = [[cell(v) for v in row] for row in frame.itertuples(index=False)]
    if widths is None:
        longest = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
        widths = [min(max(n, 8), 30) for n in longest]
    if len(widths) != len(cols):
        raise ValueError(f"markdown_table: {len(widths)} widths for {len(cols)} columns")
    total = float(sum(widths))
    dashes = [max(3, round(TABLE_RULE * w / total)) for w in widths]

    def numeric(i: int) -> bool:
        values = [r[i] for r in rows if r[i] != nl.MARKER]
        return bool(values) and sum(bool(_NUMERIC.match(v)) for v in values) >= 0.8 * len(values)

    rule = ["-" * (d - 1) + ":" if numeric(i) else ":" + "-" * (d - 1) for i, d in enumerate(dashes)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def source_mapping_markdown() -> str:
    """Pipe table: each figure and Table 1 of the source report and its cross-reference in this book.

    The source report numbers its figures 1-17 through the report; the book
    numbers them per chapter. :data:`thuiswerk.reporting.figures.CAPTIONS` lists them in
    the source report's order, so the k-th figure label is the source's Figure k.
    """
    from thuiswerk.reporting.figures import CAPTIONS

    rows = []
    n_fig = 0
    for label in CAPTIONS:
        if label.startswith("fig-"):
            n_fig += 1
            source = f"Figuur {n_fig}"
        else:
            source = "Tabel 1"
        rows.append(
            {
                "Oorspronkelijk rapport": source,
                "Dit rapport": f"@{label}",
                "Onderwerp": re.split(r"(?<=[.?])\s", caption(label, 0))[0],
            }
        )
    return markdown_table(pd.DataFrame(rows), widths=[2, 2, 8])


def caption(label: str, part: int = 0) -> str:
    """Caption (part 0) or alt text (part 1) of a figure as written in the .qmd cell options.

    The text of :data:`thuiswerk.reporting.figures.CAPTIONS` with a number followed by
    a percent sign written as "N procent" (the report's .qmd sources never
    contain a literal percentage).
    """
    from thuiswerk.reporting.figures import CAPTIONS

    return re.sub(r"(\d)%", r"\1 procent", CAPTIONS[label][part])


def table1_markdown(establishments: pd.DataFrame, employees: pd.DataFrame) -> str:
    from thuiswerk.reporting import figures

    table = figures.table1(establishments, employees)
    text = markdown_table(nl.percent_table(table), index=True)
    if table.attrs["suppressed"].to_numpy().any():
        text += f"\n\n{nl.footnote(secondary=bool(table.attrs['secondary'].to_numpy().any()))}"
    return text


def prior_table(spec: ModelSpec) -> pd.DataFrame:
    """The prior settings of a model specification, described in Dutch (:data:`thuiswerk.core.nl.PRIOR_NL`)."""
    return pd.DataFrame(
        {
            "Instelling van de prior": [nl.PRIOR_NL.get(k, k) for k in spec.priors],
            "Waarde": [nl.number(v, 2) for v in spec.priors.values()],
        }
    )


def diagnostics_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`thuiswerk.modelling.diagnostics.table` for display."""
    return pd.DataFrame(
        {
            "Model": [model_name(m) for m in table.index],
            "Grootste R-hat": table["max_rhat"].map(lambda v: nl.number(v, 3)),
            "Kleinste bulk-ESS": table["min_ess_bulk"].map(lambda v: nl.number(v, 0)),
            "Kleinste tail-ESS": table["min_ess_tail"].map(lambda v: nl.number(v, 0)),
            "Divergenties": table["divergences"].map(lambda v: nl.number(v, 0)),
            "Kleinste E-BFMI": table["min_bfmi"].map(lambda v: nl.number(v, 2)),
            "Ketens × trekkingen": [
                f"{nl.number(c, 0)} × {nl.number(d, 0)}" for c, d in zip(table["chains"], table["draws"])
            ],
            "Voldoet": table["passed"].map(lambda v: "ja" if v else "nee"),
        }
    )


def variable_table_nl(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """:func:`thuiswerk.modelling.diagnostics.variable_table` for every model, with Dutch headers and numbers."""
    from thuiswerk.modelling import diagnostics

    rows = []
    for name, tree in trees.items():
        for variable, row in diagnostics.variable_table(tree).iterrows():
            rows.append(
                {
                    "Model": model_name(name),
                    "Parameter": nl.capitalize_first(nl.parameter_nl(str(variable))),
                    "Symbool": nl.PARAMETER_NL[str(variable)][0] or nl.MARKER,
                    "Elementen": nl.number(row["elements"], 0),
                    "Grootste R-hat": nl.number(row["max_rhat"], 3),
                    "Kleinste bulk-ESS": nl.number(row["min_ess_bulk"], 0),
                    "Kleinste tail-ESS": nl.number(row["min_ess_tail"], 0),
                }
            )
    return pd.DataFrame(rows)


def model_name(name: str) -> str:
    """The Dutch name of a model as the reader sees it (:data:`thuiswerk.core.nl.MODEL_NL`)."""
    return nl.model_nl(name)


def parameter_table_nl(table: pd.DataFrame, model: str | None = None) -> pd.DataFrame:
    """:func:`thuiswerk.modelling.diagnostics.parameter_table` rows with Dutch names and numbers.

    With ``model`` a first column names the model (:func:`model_name`). The interval
    column is headed with the interval's own probability (90% in the report).
    """
    bounds = [c for c in table.columns if re.match(r"^(eti|hdi)\d+_(lb|ub)$", str(c))]
    lo, hi = bounds[0], bounds[-1]
    prob = int(re.findall(r"\d+", lo)[0]) / 100
    first = {"Model": [model_name(model)] * len(table)} if model is not None else {}
    return pd.DataFrame(
        first
        | {
            "Parameter": [parameter_name(str(i)) for i in table.index],
            "Gemiddelde": table["mean"].map(lambda v: nl.number(v, 2)),
            "Standaardafwijking": table["sd"].map(lambda v: nl.number(v, 2)),
            f"{nl.percent(prob)}-interval": [nl.interval(a, b, 2) for a, b in zip(table[lo], table[hi])],
            "Bulk-ESS": table["ess_bulk"].map(lambda v: nl.number(v, 0)),
            "Tail-ESS": table["ess_tail"].map(lambda v: nl.number(v, 0)),
            "R-hat": table["r_hat"].map(lambda v: nl.number(v, 2)),
        }
    )


def predictive_table_nl(table: pd.DataFrame, scale: Literal["share", "score"]) -> pd.DataFrame:
    """:func:`thuiswerk.analysis.checks.predictive_table` for display.

    A group of fewer than :data:`thuiswerk.core.nl.MIN_CELL` employees (``suppressed``)
    shows "–" for every value; :func:`predictive_markdown` adds the footnote.
    """
    hidden = table["suppressed"].astype(bool) if "suppressed" in table.columns else pd.Series(False, index=table.index)
    fmt = nl.percent if scale == "share" else (lambda v: nl.number(v, 2))
    interval_fmt = nl.percent_interval if scale == "share" else (lambda a, b: nl.interval(a, b, 2))

    def fmt_i(a: float, b: float) -> str:
        return nl.MARKER if pd.isna(a) or pd.isna(b) else interval_fmt(a, b)

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
            "Binnen het interval": [
                nl.MARKER if h else ("ja" if v else "nee") for v, h in zip(table["inside"], hidden)
            ],
        }
    )


def predictive_markdown(table: pd.DataFrame, scale: Literal["share", "score"]) -> str:
    """:func:`predictive_table_nl` as a pipe table, with the footnote when a group is blanked."""
    text = markdown_table(predictive_table_nl(table, scale))
    if "suppressed" in table.columns and table["suppressed"].any():
        text += f"\n\n{nl.footnote(table.attrs.get('min_n', nl.MIN_CELL), noun='werknemers')}"
    return text


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
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> columns the survey lacks
    left_out: dict[str, str] = field(default_factory=dict)  # model -> why it cannot be fitted on this survey (Dutch)
    dropped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # model -> covariates left out
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)  # model -> outcome items the survey lacks
    unidentified: dict[str, tuple] = field(default_factory=dict)  # model -> prepare.Dependency left out
    not_current: dict[str, str] = field(default_factory=dict)  # model -> why its fit is not used (Dutch)
    frame: pd.DataFrame | None = None  # the population frame (population.csv in the survey folder), if any
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def left_out_markdown(self) -> str:
        """A Dutch paragraph on what this survey lacks and what the report therefore leaves out ('' when nothing)."""
        parts = []
        columns = [c for cols in self.absent.values() for c in cols]
        if columns:
            labels = nl.join_words([f"*{nl.label(c)}*" for c in columns])
            noun = "gegeven" if len(columns) == 1 else "gegevens"
            parts.append(f"Deze enquête bevat {nl.count_words(len(columns))} {noun} van het codeboek niet: {labels}. "
                         "Wat daaruit zou volgen, ontbreekt in dit rapport; niets is aangevuld of geschat. Een figuur "
                         "die zulke gegevens nodig heeft, zegt welke ontbreken; in de tekst staat op de plaats van een "
                         f"getal dat eruit zou volgen een {nl.MARKER}.")  # fmt: skip
        if self.left_out:
            models = nl.models_nl(self.left_out)
            verb = "is het model" if len(self.left_out) == 1 else "zijn de modellen"
            parts.append(f"Daardoor {verb} {models} niet geschat; hun bevindingen staan in dit rapport als "
                         f"‘{nl.NOT_ESTIMABLE}’.")  # fmt: skip
        groups: dict[tuple[str, ...], list[str]] = {}  # the models fitted on the same items, in one sentence
        for model, items in self.items.items():
            spec = self.specs.get(model)
            if spec is not None and items:
                groups.setdefault(tuple(spec.outcomes), []).append(model)
        for outcomes, fitted in groups.items():
            used = nl.join_words([f"*{nl.label(i)}*" for i in outcomes])
            which = (
                f"Het model {nl.model_nl(fitted[0], mid_sentence=True)} is"
                if len(fitted) == 1
                else f"De modellen {nl.models_nl(fitted)} zijn"
            )
            parts.append(f"{which} daarom geschat op {used}; de bevindingen over de hele uitkomst gaan op deze "
                         "gegevens over die vragen.")  # fmt: skip
        dropped = sorted({c for cols in self.dropped.values() for c in cols})
        if dropped:
            names = nl.join_words([predictor_label(c).lower() for c in dropped])
            what = "het achtergrondkenmerk" if len(dropped) == 1 else "de achtergrondkenmerken"
            parts.append(f"De andere modellen zijn geschat zonder {what} {names}; "
                         "hun verbanden zijn daarvoor dus niet gecorrigeerd.")  # fmt: skip
        for model, found in self.unidentified.items():
            for d in found:
                who = f" bij {nl.ROLE_NL[d.role]}" if d.role else ""
                parts.append(f"In het model {nl.model_nl(model, mid_sentence=True)} is het verband met "
                             f"‘{predictor_label(d.predictor).lower()}’{who} weggelaten, want {d.dutch()}: "
                             f"de gegevens kunnen het niet schatten. Bevindingen die dat verband nodig hebben, staan "
                             f"in dit rapport als ‘{nl.NOT_ESTIMABLE}’.")  # fmt: skip
        if self.not_current:
            models = nl.models_nl(self.not_current)
            reasons = nl.join_words(sorted(set(self.not_current.values())))
            parts.append(f"De resultaten van {models} ontbreken in dit rapport ({reasons}); hun bevindingen staan "
                         f"erin als ‘{nl.NOT_ESTIMATED}’.")  # fmt: skip
        return " ".join(parts)

    @property
    def questionnaire(self) -> pd.DataFrame:
        return questionnaire(self.employees)

    @property
    def findings(self) -> pd.DataFrame:
        """The findings table (:func:`thuiswerk.analysis.findings.compute`) of these fits, computed once."""
        from thuiswerk.analysis import findings

        return self.cached(
            "findings",
            lambda: findings.compute(self.fits, not_fitted=self.left_out, not_current=self.not_current),
        )

    @property
    def population(self) -> pd.DataFrame | None:
        """The findings table's population rows (:func:`thuiswerk.analysis.mrp.rows`), computed once; None without a frame."""
        if self.frame is None:
            return None

        def compute() -> pd.DataFrame:
            from thuiswerk.analysis import mrp
            from thuiswerk.data.survey import Survey

            est, emp = (t.drop(columns=list(self.absent.get(n, ()))) for n, t in
                        (("establishments", self.establishments), ("employees", self.employees)))  # fmt: skip
            survey = Survey(establishments=est, employees=emp)
            tree, inputs = workflow.load_population(survey, self.fits_dir, self.seed)
            return mrp.rows(tree, inputs, cast(pd.DataFrame, self.frame))

        return self.cached("population", compute)

    @property
    def loo_comparison(self) -> pd.DataFrame:
        """Employee-known versus employer-reported measures per outcome (:func:`loo_comparison`), computed once."""
        return self.cached(
            "loo_comparison", lambda: loo_comparison({n: self.fits[n] for n in self.specs if n != "awareness"})
        )

    def cached(self, name: str, compute):
        """``compute()``, kept in memory and, while rendering, on disk for the other chapters.

        Each chapter runs in its own Python kernel, once per output format.
        ``thuiswerk report`` sets ``THUISWERK_CACHE`` to a folder inside
        ``_freeze/`` that it empties whenever the data, fits or code change,
        so a value computed by one chapter is reused by the others.
        """
        import pickle

        if name in self._memo:
            return self._memo[name]
        folder = os.environ.get("THUISWERK_CACHE")
        if not folder:
            value = self._memo[name] = compute()
            return value
        from filelock import FileLock

        path = Path(folder) / f"{name}.pkl"
        path.parent.mkdir(parents=True, exist_ok=True)
        # The formats render side by side and reach the same chapter at about the same time:
        # the first computes, the others wait for it instead of computing the same value again.
        with FileLock(str(path.with_name(f".{name}.lock"))):
            if path.is_file():
                value = pickle.loads(path.read_bytes())
            else:
                import tempfile

                value = compute()
                with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{name}.", delete=False) as tmp:
                    tmp.write(pickle.dumps(value))
                Path(tmp.name).replace(path)
        self._memo[name] = value
        return value

    @property
    def failing(self) -> list[str]:
        """Models used although they fail the convergence policy (``thuiswerk report --allow-failing``)."""
        return [n for n in os.environ.get("THUISWERK_FAILING", "").split(",") if n]

    def effects(self, name: str) -> pd.DataFrame:
        """:func:`effects_table` of one model (its covariates), computed once; for a model that is not in
        this report, one row that says why."""
        if name not in self.specs:
            return pd.DataFrame({"Model": [model_name(name)], "Toelichting": [self.absent_reason(name)]})
        return self.cached(f"effects-{name}", lambda: effects_table(self.fits[name], self.specs[name]))

    def model_spec(self, name: str) -> ModelSpec:
        """The model as fitted on this survey; for a model not in this report, as specified."""
        return self.specs.get(name) or SPECS[name]

    def absent_reason(self, name: str) -> str:
        """Why a model is not in this report, in Dutch ('' when it is)."""
        if name in self.left_out:
            return f"niet geschat: {self.left_out[name]}"
        if name in self.not_current:
            return f"{nl.NOT_ESTIMATED}: {self.not_current[name]}"
        return ""

    def say(self, finding_id: str) -> str:
        """The sentence of one slope finding, made from its row of :attr:`findings`."""
        from thuiswerk.analysis import findings

        return findings.sentence(cast(pd.Series, self.findings.loc[finding_id]))

    def figure(self, label: str):
        """Figure ``label``; where it needs a column the survey lacks, a figure that says which."""
        from thuiswerk.reporting import figures

        lacking = self.lacking(figures.FIGURES[label].data)
        if lacking:
            return figures.unavailable(lacking)
        return figures.figure(label, self.establishments, self.employees)

    def lacking(self, compute) -> list[str]:
        """The absent columns that ``compute(establishments, employees)`` reads (:func:`workflow.lacking`).

        The tables of the context carry every absent column as an empty column, so a
        sentence built from one shows :data:`thuiswerk.core.nl.MARKER`; a figure or table
        asks this first and says what it lacks instead of drawing nothing.
        """
        absent = {c for cols in self.absent.values() for c in cols}
        return workflow.lacking(compute, self.establishments, self.employees, absent)

    def colophon(self) -> pd.DataFrame:
        return colophon_table(self.provenance, self.fit_hashes())

    def fit_hashes(self) -> dict[str, str]:
        """SHA-256 of each stored fit file."""
        import hashlib

        names = [*self.specs, *(["population"] if self.frame is not None else [])]
        return {n: hashlib.sha256(store.fit_path(self.fits_dir, n).read_bytes()).hexdigest() for n in names}


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


def colophon_table(provenance: dict[str, dict[str, Any]], fit_hashes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per fit: model, hashes of spec, data and fit file (first 12 characters), seed, commit, settings, exclusions."""
    rows = []
    for name, a in provenance.items():
        s = a.get("settings") or {}
        excl = a.get("excluded") or {}
        rows.append(
            {
                "Model": model_name(name),
                "Specificatie": str(a.get("spec_hash", ""))[:12],
                "Gegevens": str(a.get("data_hash", ""))[:12],
                "Modelbestand": str((fit_hashes or {}).get(name, ""))[:12] or nl.MARKER,
                "Seed": str(a.get("seed", "")),
                "Commit": str(a.get("git_commit", ""))[:12]
                + ("+dirty" if str(a.get("git_commit", "")).endswith("+dirty") else ""),
                "Sampler": f"{s.get('sampler', '')}, {s.get('chains', '')} ketens × {s.get('draws', '')} trekkingen "
                f"(opwarmfase {s.get('tune', '')})",
                "Uitgesloten": "; ".join(f"{EXCLUSION_LABELS.get(k, k)}: {nl.number(v, 0)}" for k, v in excl.items())
                or "geen",
            }
        )
    return pd.DataFrame(rows)


def _resolve(path: str | Path) -> Path:
    """A relative path is relative to the repository root (Quarto runs chapters in report/)."""
    from thuiswerk.core.resources import REPO_ROOT

    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path


def _signature(*paths: Path) -> tuple:
    """Names, sizes and modification times of the files under ``paths`` (cache key)."""
    out = []
    for p in paths:
        files = sorted(p.glob("*")) if p.is_dir() else [p]
        out += [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file()]
    return tuple(out)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return _resolve(value) if value else None


def load_context(
    data_dir: str | Path | None = None,
    fits_dir: str | Path | None = None,
    seed: int | None = None,
    mapping: str | Path | None = None,
    config: str | Path | None = None,
) -> ReportContext:
    """Load the validated survey and every default fit (never samples).

    Defaults: ``data/synthetic`` and ``data/fits`` (relative to the repository
    root), the project's seed, no mapping and the default priors, overridden by
    the environment variables ``THUISWERK_DATA``, ``THUISWERK_FITS``,
    ``THUISWERK_SEED``, ``THUISWERK_MAPPING`` and ``THUISWERK_CONFIG`` that
    ``thuiswerk report`` sets, so the same report renders the real data. Raises
    :class:`thuiswerk.modelling.store.StaleFitError` (naming the command to run) when any
    fit is missing or stale, and :class:`thuiswerk.modelling.workflow.InvalidDataError`
    for invalid data.
    """
    from thuiswerk.core.runconfig import RunConfig

    run = RunConfig.resolve(data_dir, fits_dir, seed, mapping, config)
    data, fits = _resolve(run.data), _resolve(run.fits)
    mapping, config = (_resolve(p) if p else None for p in (run.mapping, run.config))
    extra = tuple(p for p in (mapping, config) if p is not None)
    left_out = os.environ.get("THUISWERK_LEFT_OUT", "")  # part of the key: the context depends on it
    return _load_context(data, fits, run.seed, mapping, config, (left_out, *_signature(data, fits, *extra)))


@lru_cache(maxsize=4)
def _load_context(
    data: Path, fits: Path, seed: int, mapping: Path | None, config: Path | None, signature: tuple
) -> ReportContext:
    from thuiswerk.core.errors import StaleFitError
    from thuiswerk.core.runconfig import RunConfig
    from thuiswerk.modelling import specs as specs_module

    survey = workflow.load_valid_survey(data, mapping)
    adapted = [workflow.adapt(s, survey) for s in workflow.resolve_specs(["all"], specs_module.load_overrides(config))]
    selected = {a.name: a.spec for a in adapted if a.spec is not None}  # the models this survey's columns allow
    left_out = {a.name: a.reason_nl for a in adapted if a.spec is None}
    dropped = {a.name: a.dropped for a in adapted if a.dropped}
    run = RunConfig(data=data, fits=fits, seed=seed, mapping=mapping, config=config)
    # Models whose fit is missing or stale, or left out for failing the convergence policy (THUISWERK_LEFT_OUT,
    # set by `thuiswerk report`): the report goes on without them and says so; the command names them.
    stale = workflow.stale_fits(list(selected.values()), survey, fits, seed)
    if selected and len(stale) == len(selected):  # nothing to report on: refuse, naming the one command
        raise StaleFitError("\n".join(stale.values()), hint=f"Run: {run.command('fit', 'all')}")
    not_current = {m: "er is geen actuele fit" for m in stale}
    for m in (n for n in os.environ.get("THUISWERK_LEFT_OUT", "").split(",") if n in selected):
        not_current[m] = "de fit haalt de convergentieregels niet"
    selected = {n: s for n, s in selected.items() if n not in not_current}
    from thuiswerk.data.population import frame_of

    frame = frame_of(data, survey.establishments)
    if frame is not None:
        try:
            workflow.load_population(survey, fits, seed)  # a missing or stale population fit: no population rows
        except StaleFitError:
            frame = None
            not_current["population"] = "er is geen actuele fit"
        if "population" in os.environ.get("THUISWERK_LEFT_OUT", "").split(","):
            frame = None
            not_current["population"] = "de fit haalt de convergentieregels niet"
    names = [*selected, *(["population"] if frame is not None else [])]
    provenance = {name: _parse_attrs(store.read_attrs(store.fit_path(fits, name)) or {}) for name in names}
    data_arg = " ".join(run.options(seed=False))
    data_arg = f" {data_arg}" if data_arg else ""
    return ReportContext(
        data_dir=data,
        fits_dir=fits,
        seed=seed,
        establishments=_with_empty(survey.establishments, "establishments", survey),
        employees=_with_empty(survey.employees, "employees", survey),
        specs=selected,
        fits=_LazyFits(selected, survey, fits, seed, data_arg),
        provenance=provenance,
        data_hash=store.data_hash(survey.establishments, survey.employees),
        git_commit=store.git_commit(),
        package_versions=store.package_versions(),
        absent={t: tuple(c) for t, c in getattr(survey, "absent", {}).items() if c},
        left_out=left_out,
        dropped=dropped,
        items={a.name: a.items for a in adapted if a.spec is not None and a.items},
        unidentified={a.name: a.unidentified for a in adapted if a.spec is not None and a.unidentified},
        not_current=not_current,
        frame=frame,
    )


def _with_empty(frame: pd.DataFrame, table: str, survey) -> pd.DataFrame:
    """``frame`` with each column the survey lacks added as an empty column of its codebook type.

    Only in the report's context: a number made from an absent column is missing and
    printed as :data:`thuiswerk.core.nl.MARKER`, a figure that needs one says so
    (:meth:`ReportContext.figure`), and the opening lists them all. Nothing is written.
    """
    from thuiswerk.data.schema import DTYPES

    cb = codebook_module.load()
    columns = [c for c in getattr(survey, "absent", {}).get(table, ()) if c not in frame.columns]
    if not columns:
        return frame
    empty = {c: pd.Series(None, index=frame.index, dtype=DTYPES[cb.get(table, c).type]) for c in columns}  # type: ignore[arg-type]
    return frame.assign(**empty)


# =========================================================================== appendix A


def population_method_nl(frame: pd.DataFrame | None, provenance: dict | None) -> str:
    """Appendix A: the population model, its priors, the frame and the fit's convergence, in Dutch markdown."""
    from thuiswerk.modelling.specs import STRATA_PRIORS as P

    if frame is None:
        return (
            "Bij deze enquête hoort geen populatiekader (het aantal vestigingen en werknemers per sector en "
            "grootteklasse, `population.csv` in de map van de enquête). Er zijn daarom geen populatieschattingen."
        )
    total_e, total_w = int(frame["n_establishments"].sum()), int(frame["n_employees"].sum())
    sources = "; ".join(sorted(frame["source"].astype(str).unique()))
    text = (
        "Het oorspronkelijke rapport geeft percentages van de steekproef. Die steekproef is getrokken per sector en "
        "grootteklasse, met relatief veel grote vestigingen, en interviewt per vestiging één leidinggevende en één "
        "niet-leidinggevende, hoe groot de vestiging ook is. Om van de steekproef terug te rekenen naar alle "
        "vestigingen en alle werknemers in de onderzochte sectoren, geeft een model per percentage de kans $p$ op "
        "het antwoord in elke combinatie $h$ van sector $s$ en grootteklasse $g$:\n\n"
        "$$\n\\begin{aligned}\n"
        "\\operatorname{logit} p_h &= \\alpha + s_{\\mathrm{sector}[h]} + g_{\\mathrm{grootte}[h]} + \\sigma_h z_h, "
        f"\\quad z_h \\sim {nl.latex_distribution('Normaal', '0', '1')} \\\\\n"
        f"\\alpha &\\sim {nl.latex_distribution('Normaal', '0', nl.latex_number(P['alpha_sd']))}, "
        f"\\quad \\sigma_h \\sim {nl.latex_distribution('Halfnormaal', nl.latex_number(P['sd_cell']))} \\\\\n"
        f"s_l &\\sim {nl.latex_distribution('Normaal', '0', nl.latex_number(P['sector_sd']))}, "
        f"\\quad g_q \\sim {nl.latex_distribution('Normaal', '0', nl.latex_number(P['size_sd']))}, "
        "\\quad \\textstyle\\sum_l s_l = \\sum_q g_q = 0\n"
        "\\end{aligned}\n$$\n\n"
        "met binomiale aantallen per combinatie. De effecten van sector en grootteklasse, "
        "de lagen waarin de steekproef van de populatie afwijkt, hebben een vaste schaal: een spreiding die uit drie "
        "grootteklassen geschat wordt, trekt de klassen naar elkaar toe en daarmee de schatting terug naar het "
        "steekproefpercentage. Alleen de combinaties worden naar de som van beide effecten getrokken (gedeeltelijke "
        "pooling). "
        "Per trekking uit de posterior weegt het model de combinaties met het aantal vestigingen (of werknemers) "
        "in het populatiekader: $\\sum_h W_h p_h / \\sum_h W_h$ (poststratificatie). Een percentage van een deel "
        "van de vestigingen (de manier van onderzoeken, bij wie onderzocht heeft) is de verhouding van twee zulke "
        "schattingen. Een werknemer staat voor de werknemers van zijn functie in de vestiging. De gewogen schatting "
        "zonder model weegt elke vestiging met het aantal vestigingen in het kader gedeeld door het aantal in de "
        "steekproef in haar combinatie, met een gelineariseerde variantie; een combinatie zonder vestigingen in de "
        "steekproef ontbreekt daarin. "
        f"Het populatiekader telt {nl.number(total_e, 0)} vestigingen met {nl.number(total_w, 0)} werknemers "
        f"(bron: {sources})."
    )
    diagnostics = (provenance or {}).get("diagnostics")
    if isinstance(diagnostics, str):  # stored as JSON with the fit
        import json

        diagnostics = json.loads(diagnostics)
    if isinstance(diagnostics, dict) and diagnostics:
        ok = "voldoet aan" if diagnostics.get("passed") else "voldoet niet aan"
        text += (
            f" Het model {ok} de convergentieregels (grootste $\\hat R$ {nl.number(diagnostics['max_rhat'], 3)}, "
            f"kleinste effectieve steekproefomvang {nl.number(diagnostics['min_ess_bulk'], 0)}, "
            + (
                "geen divergenties)."
                if int(diagnostics["divergences"]) == 0
                else f"{nl.number(diagnostics['divergences'], 0)} divergenties)."
            )
        )
    return text


def model_equations(spec: ModelSpec) -> str:
    """The model in math notation (likelihood, linear predictor, priors with the spec's values), with a Dutch legend.

    The symbols are those of the glossary (:data:`thuiswerk.core.nl.PARAMETER_NL`,
    :func:`glossary_table`); distributions have their Dutch names (Normaal,
    Halfnormaal, Lognormaal, Beta, Bernoulli).
    """
    p = {k: nl.latex_number(v) for k, v in spec.priors.items()}
    person = [
        r"u_v &= \sigma_{\mathrm{vest}}\, z_v + s_{\mathrm{sector}[v]} + g_{\mathrm{grootte}[v]}, \quad z_v \sim "
        + nl.latex_distribution("Normaal", "0", "1")
        + r" \\",
        r"e_i &= \sigma_{\mathrm{wn}}\, z_i, \quad z_i \sim " + nl.latex_distribution("Normaal", "0", "1") + r" \\",
        r"\sigma_{\mathrm{vest}} &= \sigma \sqrt{\rho}, \quad \sigma_{\mathrm{wn}} = \sigma \sqrt{1 - \rho} \\",
        rf"\sigma &\sim {nl.latex_distribution('Halfnormaal', p['sigma_total'])}, \quad \rho \sim {nl.latex_distribution('Beta', p['rho_alpha'], p['rho_beta'])} \\",
        rf"s_l, g_q &\sim {nl.latex_distribution('Normaal', '0', p['group_sd'])}, \quad \textstyle\sum_l s_l = \sum_q g_q = 0",
    ]
    person_legend = (
        " Het vestigingseffect $u_v$ bestaat uit een eigen effect van vestiging $v$ en de effecten $s$ van de "
        "sector en $g$ van de grootteklasse (die elk optellen tot nul); $e_i$ is het effect van werknemer $i$. "
        "De totale standaardafwijking $\\sigma$ van beide effecten en het aandeel $\\rho$ van de vestiging in de "
        "variantie zijn de geschatte parameters."
    )
    slopes = (
        [
            r"b_{jt} &= \mu_t + \tau_{k[t]}\, \zeta_{jt}, \quad \zeta_{jt} \sim "
            + nl.latex_distribution("Normaal", "0", "1")
            + r" \\",
            rf"\beta_p &\sim {nl.latex_distribution('Normaal', '0', p['beta_sd'])}, \quad \mu_t \sim {nl.latex_distribution('Normaal', '0', p['slope_sd'])}, "
            rf"\quad \tau_k \sim {nl.latex_distribution('Halfnormaal', p['tau_sd'])} \\",
        ]
        if spec.family in ("ordinal", "binary")
        else []
    )
    slope_legend = (
        " De covariaten $x_i$ hebben één helling $\\beta_p$ voor alle uitkomsten en beide functies. "
        "Een blootstellingsterm $w_{it}$ is blootstelling $k[t]$ bij één functie (leidinggevenden of "
        "niet-leidinggevenden; nul bij de andere functie) en heeft per uitkomst $j$ een eigen helling "
        "$b_{jt}$, gedeeltelijk gepoold rond de gemiddelde helling $\\mu_t$ met spreiding $\\tau_k$."
    )
    if spec.family == "ordinal":
        lines = [
            r"P(y_{ij} \le k) &= \mathrm{logit}^{-1}(c_{jk} - \eta_{ij}), \quad k = 1, \dots, K - 1 \\",
            r"\eta_{ij} &= x_i^\top \beta + \textstyle\sum_t w_{it}\, b_{jt} + u_{v[i]} + e_i \\",
            *slopes,
            rf"c_{{j1}} &\sim {nl.latex_distribution('Normaal', p['cut_first_mu'], p['cut_first_sd'])}, \quad c_{{j,k+1}} - c_{{jk}} \sim "
            rf"{nl.latex_distribution('Lognormaal', p['gap_log_mu'], p['gap_log_sd'])} \\",
        ]
        legend = (
            "Hierin is $y_{ij}$ het antwoord van werknemer $i$ op aspect $j$ (schaal 1 tot en met $K$), "
            "$c_{jk}$ zijn de oplopende drempels van aspect $j$ en $v[i]$ is de vestiging van werknemer $i$."
            + slope_legend
            + person_legend
        )
    elif spec.family == "binary":
        lines = [
            r"P(y_{ij} = 1) &= \mathrm{logit}^{-1}(\alpha_{j, f[i]} + x_i^\top \beta + \textstyle\sum_t w_{it}\, b_{jt} "
            r"+ u_{v[i]} + e_i) \\",
            *slopes,
            rf"\alpha_{{jf}} &\sim {nl.latex_distribution('Normaal', p['intercept_mu'], p['intercept_sd'])} \\",
        ]
        legend = (
            "Hierin is $y_{ij}$ een klacht (ja of nee) van werknemer $i$ aan lichaamsdeel $j$ en $f[i]$ de "
            "functie van de werknemer (leidinggevende of niet-leidinggevende)." + slope_legend + person_legend
        )
    else:
        n = len(codebook_module.load().measures)
        lines = [
            r"P(y_{im} = 1) &= \mathrm{logit}^{-1}(a_{m, f[i], w_{v[i] m}} + u_{v[i]} + e_i) \\",
            r"a_{mfw} &= \mu_{fw} + \tau_{fw}\, z_{mfw}, \quad z_{mfw} \sim "
            + nl.latex_distribution("Normaal", "0", "1")
            + r" \\",
            rf"\mu_{{fw}} &\sim {nl.latex_distribution('Normaal', '0', p['mu_sd'])}, \quad \tau_{{fw}} \sim {nl.latex_distribution('Halfnormaal', p['tau_sd'])} \\",
            r"p_{mf} &= \textstyle\int \mathrm{logit}^{-1}(a_{mf1} + \sigma z)\, \varphi(z)\, dz, \quad "
            rf"N_f = \textstyle\sum_m r_{{mf}} (1 - p_{{mf}}), \quad \text{{informatieverlies}}_f = N_f / {n} \\",
        ]
        legend = (
            "Hierin is $y_{im}$ of werknemer $i$ maatregel $m$ kent (ja of nee), $w_{vm}$ of de werkgever van "
            "vestiging $v$ de maatregel noemt (1) of niet (0) en $f[i]$ de functie van de werknemer. $p_{mf}$ is "
            "de kans dat een werknemer van functie $f$ een maatregel kent die de werkgever noemt, gemiddeld over "
            "de effecten van vestiging en werknemer ($\\varphi$ is de standaardnormale dichtheid). $N_f$ is het "
            "verwachte aantal maatregelen dat de werkgever noemt en de werknemer niet kent; $r_{mf}$ is het "
            "aandeel werknemers van functie $f$ van wie de werkgever maatregel $m$ noemt. Het informatieverlies "
            f"is dat aantal gedeeld door het aantal maatregelen ({nl.number(n, 0)})." + person_legend
        )
    body = "\n".join(lines + person)
    exposures = (
        "Blootstellingen: "
        + "; ".join(
            f"{predictor_label(x)} ({' en '.join(nl.ROLE_NL[r] for r in roles)})" for x, roles in spec.exposures
        )
        + ". "
        if spec.exposures
        else ""
    )
    predictors = exposures + (
        "Covariaten: " + "; ".join(predictor_label(x) for x in spec.predictors) + "." if spec.predictors else ""
    )
    return f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$\n\n{legend} {predictors}".strip()


def variant_text(spec: ModelSpec) -> str:
    """One paragraph on a variant of an outcome model (employer's reports, or both in one model), in Dutch.

    Names the variant and the model it varies by their Dutch names, and lists its
    exposures and covariates as :func:`model_equations` does.
    """
    base = spec.compares_with or spec.joint_of
    if base is None:
        raise ValueError(f"{spec.name} is not a variant of another model")
    if spec.compares_with:
        how = "maar met de maatregelen volgens de werkgever in plaats van de kennis van de werknemer"
    else:
        how = (
            "en bevat daarnaast de opgave van de werkgever van dezelfde maatregelen en het product van kennis "
            "en opgave (de werknemer kent een maatregel die de werkgever noemt)"
        )
    rest = model_equations(spec).split("$$")[-1].strip()
    rest = rest[rest.find("Blootstellingen:") :] if "Blootstellingen:" in rest else rest
    return f"Het model *{model_name(spec.name)}* heeft dezelfde vorm als *{model_name(base)}*, {how}. {rest}"


def glossary_table(names: list[str] | None = None) -> pd.DataFrame:
    """The glossary of appendix A: every posterior variable with its symbol, Dutch name and meaning.

    From :data:`thuiswerk.core.nl.PARAMETER_NL` (``names``: the variables to show, default all),
    with the name in the programme code for readers who use the stored fits.
    """
    names = list(nl.PARAMETER_NL) if names is None else names
    return pd.DataFrame(
        {
            "Symbool": [nl.PARAMETER_NL[n][0] or nl.MARKER for n in names],
            "Naam": [nl.capitalize_first(nl.PARAMETER_NL[n][1]) for n in names],
            "Betekenis": [nl.PARAMETER_NL[n][2] for n in names],
            "In de code": [f"`{n}`" for n in names],
        }
    )


def models_table() -> pd.DataFrame:
    """Every model by its Dutch name (:data:`thuiswerk.core.nl.MODEL_NL`): outcome, source of the measures, code name."""
    rows = []
    for name, spec in SPECS.items():
        if spec.family == "awareness":
            source = "kennis van de werknemer en opgave van de werkgever"
        elif spec.joint_of:
            source = "kennis van de werknemer en opgave van de werkgever samen"
        elif spec.compares_with:
            source = "opgave van de werkgever"
        else:
            source = "kennis van de werknemer"
        n_measures = nl.number(len(codebook_module.load().measures), 0)
        outcome = (
            f"kennis van de {n_measures} maatregelen"
            if spec.family == "awareness"
            else nl.join_words(nl.label(o).lower() for o in spec.outcomes)
        )
        rows.append(
            {
                "Model": model_name(name),
                "Uitkomst": nl.capitalize_first(outcome),
                "Maatregelen volgens": source,
                "In de code": f"`{name}`",
            }
        )
    return pd.DataFrame(rows)


CHECK_LABELS = {
    "extreme_share": "aandeel antwoorden in de laagste of hoogste categorie",
    "any_kans": "aandeel werknemers met minstens één KANS-klacht",
    "establishment_sd": "standaardafwijking van de gemiddelden per vestiging",
}


def prior_checks_table_nl(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """:func:`thuiswerk.analysis.checks.prior_checks` of each outcome model, prior and posterior, for display.

    The statistics that decide whether a prior is plausible: answers at the extremes
    of the 1-5 scale, the share with any KANS complaint, the spread of establishment
    means; the observed value beside the prior and the posterior predictive median
    and :data:`PROB` (90%) interval.
    """
    from thuiswerk.analysis import checks

    interval = f"{nl.percent(nl.PROB)}-interval"
    rows = []
    inside = []
    blanked = False
    for name, tree in trees.items():
        if name not in SPECS or SPECS[name].compares_with or SPECS[name].family == "awareness":
            continue
        prior = checks.prior_checks(tree, "prior_predictive").set_index("statistic")
        post = checks.prior_checks(tree, "posterior_predictive").set_index("statistic")
        counts = checks.statistic_counts(tree)
        for index, row in prior.iterrows():
            stat = str(index)
            # disclosure control: no observed statistic (nor the posterior fitted to it) of fewer than MIN_CELL
            hidden = nl.is_suppressed(counts.get(stat))
            blanked = blanked or hidden
            if not hidden:
                inside.append(bool(row["inside"]))
            show = (lambda v: nl.number(v, 2)) if stat == "establishment_sd" else nl.percent
            rows.append(
                {
                    "Model": model_name(name),
                    "Maat": nl.capitalize_first(CHECK_LABELS.get(stat, stat)),
                    "Waargenomen": nl.MARKER if hidden else show(row["observed"]),
                    f"Prior: mediaan ({interval})": f"{show(row['median'])} ({show(row['lo'])} {nl.RANGE_WORD} {show(row['hi'])})",
                    f"Posterior: mediaan ({interval})": nl.MARKER
                    if hidden
                    else (
                        f"{show(post.loc[stat, 'median'])} ({show(post.loc[stat, 'lo'])} {nl.RANGE_WORD} "
                        f"{show(post.loc[stat, 'hi'])})"
                    ),
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["prior_inside"] = (sum(inside), len(inside))  # shown observed values inside the prior's interval
    out.attrs["footnote"] = nl.footnote() if blanked else ""
    return out


def prior_checks_sentence(table: pd.DataFrame, lead: str = "") -> str:
    """How many observed values of :func:`prior_checks_table_nl` lie inside the prior's interval, in words.

    "Alle zes waargenomen waarden liggen binnen het 90%-interval van de prior."; with a
    ``lead`` (an adverbial phrase) the verb comes second: "Met de gekozen priors liggen
    vijf van de zes waargenomen waarden binnen ...".
    """

    k, n = table.attrs["prior_inside"]
    if n == 0:
        return "Er zijn geen prior-predictieve controles."
    subject = nl.of_total(k, n, "waargenomen waarden", "waargenomen waarde")
    verb = nl.verb(k, "ligt", "liggen")
    rest = f"binnen het {nl.percent(nl.PROB)}-interval van de prior."
    if lead:
        return f"{nl.capitalize_first(lead)} {verb} {subject} {rest}"
    return f"{nl.capitalize_first(subject)} {verb} {rest}"


SENSITIVITY_VARS = ("beta", "slope_mean", "sigma_total", "rho")
SENSITIVITY_THRESHOLD = 0.05  # ArviZ's default: a prior sensitivity above it is flagged
DIAGNOSIS_NL = {
    "potential prior-data conflict": "mogelijk conflict tussen prior en gegevens",
    "potential strong prior / weak likelihood": "mogelijk sterke prior en weinig informatieve gegevens",
}


def _sensitive_kinds(elements) -> str:
    """The kinds of parameter among ``elements`` ("beta[age_10]", ...), with their number:
    "helling van een covariaat (3), totale standaardafwijking"."""
    counts: dict[str, int] = {}
    for element in elements:
        variable = str(element).split("[")[0]
        counts[variable] = counts.get(variable, 0) + 1
    parts = [nl.parameter_nl(v) + (f" ({nl.number(n, 0)})" if n > 1 else "") for v, n in counts.items()]
    return nl.capitalize_first(", ".join(parts)) if parts else nl.MARKER


def prior_sensitivity_table(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """Power-scaling sensitivity per model: how many parameters react to the prior, which, and the largest.

    ArviZ's English log message about "potential issues" is silenced: the table itself
    reports them, in Dutch.
    """
    import logging

    from thuiswerk.analysis import checks

    rows = []
    for name, tree in trees.items():
        if name not in SPECS or SPECS[name].family == "awareness" or "log_prior" not in tree.children:
            continue
        log = logging.getLogger("arviz_stats")
        level = log.level
        log.setLevel(logging.ERROR)
        try:
            table = checks.prior_sensitivity(tree, list(SENSITIVITY_VARS))
        finally:
            log.setLevel(level)
        flagged = table[table["prior"] > SENSITIVITY_THRESHOLD]
        rows.append(
            {
                "Model": model_name(name),
                "Parameters": nl.number(len(table), 0),
                "Gevoelig voor de prior": nl.number(len(flagged), 0),
                "Welke": _sensitive_kinds(flagged.index),
                "Grootste gevoeligheid voor de prior": nl.number(float(table["prior"].max()), 3),
                "Diagnose": nl.join_words(sorted({DIAGNOSIS_NL.get(d, d) for d in flagged["diagnosis"]}))
                if len(flagged)
                else "geen",
            }
        )
    return pd.DataFrame(rows)


def barg_table() -> pd.DataFrame:
    """Where the report covers each part of Kruschke's guidelines (2021), in Dutch."""
    interval = f"{nl.percent(PROB)}-interval"
    rows = (
        ("Aanleiding", "waarom een bayesiaanse analyse en welke vragen (hoofdstuk 4 en deze bijlage)"),
        (
            "Model",
            "aannemelijkheid, lineaire voorspeller en priors van elk model, met de waarden uit de "
            "modelspecificatie (deze bijlage, met de begrippenlijst)",
        ),
        (
            "Priors",
            "onderbouwd met prior-predictieve controles van de uitersten van de schaal, de KANS-klachten "
            "en de spreiding tussen vestigingen (deze bijlage)",
        ),
        (
            "Berekening",
            "MCMC met NUTS (nutpie), aantal ketens en trekkingen, R-hat, effectieve steekproefgrootte "
            "(ESS), divergenties en E-BFMI (bijlage B)",
        ),
        (
            "Posterior",
            f"gemiddelde, centraal {interval} en kans op de verwachte richting van elk verband, met de "
            "formuleringsregel (deze bijlage)",
        ),
        ("Modelcontrole", "posterior-predictieve controles en PSIS-LOO met Pareto k (bijlage B)"),
        (
            "Beslissingen",
            "vaste drempels voor duidelijk, aanwijzing en geen duidelijk verband, en de regel voor "
            "de modelvergelijking (deze bijlage)",
        ),
        (
            "Gevoeligheid",
            "power-scaling van priors en aannemelijkheid (paragraaf Gevoeligheid voor de priors); "
            "priors en voorspellers zijn zonder programmeren te wijzigen (thuiswerk fit --config)",
        ),
        ("Reproduceerbaarheid", "code, seed, datahash en pakketversies van elk model (bijlage C)"),
    )
    return pd.DataFrame(rows, columns=["Onderdeel (Kruschke 2021)", "Waar en hoe"])


# =========================================================================== appendix C


def versions_table(ctx: ReportContext) -> pd.DataFrame:
    """Package versions now (rendering) and as stored in each fit."""
    fits = {name: (a.get("package_versions") or {}) for name, a in ctx.provenance.items()}
    packages = list(dict.fromkeys([*ctx.package_versions, *(p for v in fits.values() for p in v)]))
    rows = []
    for pkg in packages:
        stored = sorted({v.get(pkg, nl.MARKER) for v in fits.values()})
        rows.append(
            {"Pakket": pkg, "Bij renderen": ctx.package_versions.get(pkg, nl.MARKER), "Bij schatten": ", ".join(stored)}
        )
    return pd.DataFrame(rows)
