"""Every table of the report, in Dutch: display frames of the fits' summaries, diagnostics, checks and
provenance, and :func:`markdown_table`, which writes any of them as a Pandoc pipe table.

The functions are pure and format numbers with :mod:`thuiswerk.core.nl` (decimal comma, "–" for a blank);
a table of published cells is protected upstream (:mod:`thuiswerk.core.disclosure`) and says so in its
footnote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.analysis import compare
from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl
from thuiswerk.core.nl import PROB
from thuiswerk.modelling.prepare import parameter_name
from thuiswerk.modelling.specs import SPECS, ModelSpec
from thuiswerk.reporting.summaries import effects

if TYPE_CHECKING:  # pragma: no cover
    from thuiswerk.reporting.context import ReportContext

# =========================================================================== posterior and LOO


def effects_table(tree: xr.DataTree, spec: ModelSpec | None = None) -> pd.DataFrame:
    """:func:`thuiswerk.reporting.summaries.effects` of the adjustment covariates as Dutch display strings, without
    evidence words."""
    from thuiswerk.analysis.wording import probability

    raw = effects(tree, spec)
    out = pd.DataFrame()
    out["Covariaat"] = raw["label"]
    out["Odds ratio"] = raw["odds_ratio"].map(lambda v: nl.number(v, 2))
    out[f"{nl.percent(PROB)}-interval"] = [
        nl.interval(np.exp(lo), np.exp(hi), 2) for lo, hi in zip(raw["lo"], raw["hi"])
    ]
    out["P(negatief)"] = raw["p_negative"].map(probability)
    return out


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
    numbers them per chapter. :data:`thuiswerk.reporting.figures.captions.CAPTIONS` lists them in
    the source report's order, so the k-th figure label is the source's Figure k.
    """
    from thuiswerk.reporting.figures.captions import CAPTIONS, caption

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


def table1_markdown(establishments: pd.DataFrame, employees: pd.DataFrame) -> str:
    from thuiswerk.reporting.figures import descriptive_tables

    table = descriptive_tables.table1(establishments, employees)
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


# =========================================================================== appendix A


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


POOLING_LABELS = {
    "item_difference": "verschil in helling tussen twee aspecten of lichaamsdelen",
    "role_difference": "verschil in gemiddelde helling tussen leidinggevenden en niet-leidinggevenden",
    "slope_spread": "spreiding tussen aspecten of lichaamsdelen",
    "role_sd": "spreiding tussen functies",
}


def pooling_table_nl(trees: Mapping[str, xr.DataTree]) -> pd.DataFrame:
    """:func:`thuiswerk.analysis.checks.pooling_prior_table` of each outcome model of the employees' knowledge.

    What the pooling priors imply for the differences between the items and between the roles
    (absolute differences of slopes, logit scale), beside what the posterior makes of them.
    """
    from thuiswerk.analysis import checks

    interval = f"{nl.percent(nl.PROB)}-interval"
    rows = []
    for name, tree in trees.items():
        spec = SPECS.get(name)
        if spec is None or spec.compares_with or spec.joint_of or spec.family == "awareness":
            continue
        if "slope" not in tree["posterior"].data_vars or "slope" not in tree["prior"].data_vars:
            continue
        table = checks.pooling_prior_table(tree)
        for row in table[table["prior_median"].notna()].to_dict("records"):  # NaN: no exposure with both roles
            shown = {
                f"{group}: mediaan ({interval})": f"{nl.number(row[f'{key}_median'], 2)} "
                f"({nl.number(row[f'{key}_q05'], 2)} {nl.RANGE_WORD} {nl.number(row[f'{key}_q95'], 2)})"
                for group, key in (("Prior", "prior"), ("Posterior", "posterior"))
            }
            label = nl.capitalize_first(POOLING_LABELS[str(row["quantity"])])
            rows.append({"Model": model_name(name), "Grootheid": label, **shown})
    return pd.DataFrame(rows)


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
