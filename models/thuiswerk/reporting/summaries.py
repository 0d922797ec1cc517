"""The numbers and Dutch words of the report's running text, from the fits and the survey.

Everything the Dutch report states as a number or as a finding comes from a function of the reporting
layer (here, :mod:`thuiswerk.reporting.tables`, :mod:`thuiswerk.reporting.figures`) or of
:mod:`thuiswerk.modelling.diagnostics`, :mod:`thuiswerk.analysis.checks` and
:mod:`thuiswerk.analysis.compare`; no number is typed into the prose. The functions here are pure (a
DataTree or DataFrame in, a DataFrame, number or string out): posterior summaries of the adjustment
covariates, the LOO comparison and its verdict, the answer scale in words, and the
method's paragraphs with their equations (appendix A). The chapters read the survey's numbers from
:mod:`thuiswerk.analysis.descriptive` (what ``thuiswerk tables`` prints) and the LOO rule from
:mod:`thuiswerk.analysis.compare` themselves.

Findings
--------
Every relation the report states is a row of the findings table
(:mod:`thuiswerk.analysis.estimands`: the estimand table; :mod:`thuiswerk.analysis.findings`: its
posterior summaries and the one evidence rule; :mod:`thuiswerk.analysis.wording`: the sentences); :attr:`thuiswerk.reporting.context.ReportContext.findings` computes it
once per report and :meth:`thuiswerk.reporting.context.ReportContext.say` gives a finding's sentence.
Adjustment covariates are summarised here (:func:`effects`; :func:`thuiswerk.reporting.tables.effects_table`
for display) by their posterior mean, :data:`thuiswerk.core.nl.PROB` (90%) interval and P(effect < 0), without evidence
words: they are not findings. The word "significant" is never used.

Knowledge versus employer (:func:`~thuiswerk.analysis.compare.loo_verdict`)
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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.analysis import compare
from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import dims, disclosure, nl
from thuiswerk.data import linked
from thuiswerk.modelling.prepare import predictor_label
from thuiswerk.modelling.specs import ModelSpec

ROLE_LABELS = {"leidinggevende": "Leidinggevenden", "niet_leidinggevende": "Niet-leidinggevenden"}


# =========================================================================== posterior


def _draws(da: xr.DataArray) -> xr.DataArray:
    """Stack chain and draw into one ``sample`` dimension."""
    return da.stack(sample=("chain", "draw"))


def _interval(values: np.ndarray, prob: float = nl.PROB) -> tuple[float, float]:
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
                "label": predictor_label(p),
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
    table["verdict"] = [compare.loo_verdict(d, s) for d, s in zip(table["elpd_diff"], table["se_diff"])]
    return table


def loo_overall(comparison: pd.DataFrame) -> str:
    """One verdict for all outcomes: the shared verdict, or 'wisselend' when they differ."""
    verdicts = set(comparison["verdict"])
    return verdicts.pop() if len(verdicts) == 1 else "wisselend per uitkomst"


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


def model_equations(spec: ModelSpec, after: Sequence[ModelSpec] = ()) -> str:
    """The model in math notation (likelihood, linear predictor, priors with the spec's values), with a Dutch legend.

    The symbols are those of the glossary (:data:`thuiswerk.core.nl.PARAMETER_NL`,
    :func:`thuiswerk.reporting.tables.glossary_table`); distributions have their Dutch names (Normaal,
    Halfnormaal, Lognormaal, Beta, Bernoulli). ``after`` are the models the text described before this one: a
    part of the legend (the slopes, the establishment and employee effects, the covariates) that one of them
    already explained in the same words is referred to instead of said again (issue 29: no sentence twice).
    """
    parts = _equation_parts(spec)
    before = [(s, _equation_parts(s)) for s in after]
    legend, referred = parts["legend"], []
    for key, what in (("slopes", "de hellingen"), ("effects", "het vestigings- en het werknemerseffect")):
        if not parts[key]:
            continue
        earlier = next((s for s, p in before if p[key] == parts[key]), None)
        if earlier is None:
            legend += parts[key]
        else:
            referred.append(f"{what} als bij het model voor {nl.model_nl(earlier.name, mid_sentence=True)}")
    if referred:
        legend += f" In het model voor {nl.model_nl(spec.name, mid_sentence=True)} zijn {nl.join_words(referred)}."
    earlier = next((s for s in after if s.predictors == spec.predictors), None) if spec.predictors else None
    covariates = (
        f"Covariaten: dezelfde als bij het model voor {nl.model_nl(earlier.name, mid_sentence=True)}."
        if earlier is not None
        else parts["covariates"]
    )
    return f"$$\n\\begin{{aligned}}\n{parts['body']}\n\\end{{aligned}}\n$$\n\n{legend} {parts['exposures']}{covariates}".strip()


def _equation_parts(spec: ModelSpec) -> dict[str, str]:
    """The pieces of :func:`model_equations`: the aligned body, the model's own legend, the legends of the
    slopes and of the establishment and employee effects, the exposures and the covariates."""
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
            r"b_{jt} &= \mu_t + \tau_{k[t]}\, \zeta_{jt}, \quad \mu_t = \lambda_{k[t]} + \omega\, \xi_t, \quad "
            r"\zeta_{jt}, \xi_t \sim " + nl.latex_distribution("Normaal", "0", "1") + r" \\",
            rf"\beta_p &\sim {nl.latex_distribution('Normaal', '0', p['beta_sd'])}, \quad \lambda_k \sim {nl.latex_distribution('Normaal', '0', p['slope_sd'])} \\",
            rf"\omega &\sim {nl.latex_distribution('Lognormaal', r'\log ' + p['role_scale'], p['role_log_sd'])}, "
            rf"\quad \tau_k \sim {nl.latex_distribution('Lognormaal', r'\log ' + p['item_scale'], p['item_log_sd'])} \\",
        ]
        if spec.family in ("ordinal", "binary")
        else []
    )
    slope_legend = (
        " De covariaten $x_i$ hebben één helling $\\beta_p$ voor alle uitkomsten en beide functies. "
        "Een blootstellingsterm $w_{it}$ is blootstelling $k[t]$ bij één functie (leidinggevenden of "
        "niet-leidinggevenden; nul bij de andere functie) en heeft per uitkomst $j$ een eigen helling "
        "$b_{jt}$, gedeeltelijk gepoold rond de gemiddelde helling $\\mu_t$ van die functie met spreiding "
        "$\\tau_k$; de gemiddelde hellingen van de twee functies liggen op hun beurt rond de helling "
        "$\\lambda_k$ van de blootstelling, met spreiding $\\omega$ (een blootstelling bij één functie heeft "
        "geen afwijking $\\xi_t$). Beide spreidingen worden geschat; hun lognormale priors houden ze weg van nul, "
        "zodat een aspect dat afwijkt minder sterk naar de andere wordt teruggetrokken."
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
            "functie van de werknemer (leidinggevende of niet-leidinggevende)."
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
            f"is dat aantal gedeeld door het aantal maatregelen ({nl.number(n, 0)})."
        )
    exposures = (
        "Blootstellingen: "
        + "; ".join(
            f"{predictor_label(x)} ({' en '.join(nl.ROLE_NL[r] for r in roles)})" for x, roles in spec.exposures
        )
        + ". "
        if spec.exposures
        else ""
    )
    covariates = (
        "Covariaten: " + "; ".join(predictor_label(x) for x in spec.predictors) + "." if spec.predictors else ""
    )
    return {
        "body": "\n".join(lines + person),
        "legend": legend,
        "slopes": slope_legend if slopes else "",
        "effects": person_legend,
        "exposures": exposures,
        "covariates": covariates,
    }


def variant_text(spec: ModelSpec, base_spec: ModelSpec | None = None) -> str:
    """One paragraph on a variant of an outcome model (employer's reports, or both in one model), in Dutch.

    Names the variant and the model it varies by their Dutch names, and lists its exposures and covariates as
    :func:`model_equations` does; covariates that are those of ``base_spec`` (the model it varies, as fitted)
    are referred to, not listed again.
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
    parts = _equation_parts(spec)
    same = base_spec is not None and bool(spec.predictors) and base_spec.predictors == spec.predictors
    covariates = "De covariaten zijn dezelfde." if same else parts["covariates"]
    rest = f"{parts['exposures']}{covariates}".strip()
    return f"Het model *{nl.model_nl(spec.name)}* heeft dezelfde vorm als *{nl.model_nl(base)}*, {how}. {rest}"


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


# =========================================================================== disclosure control (appendix A)


def protection_nl(protection: linked.Protection, frame: pd.DataFrame | None) -> str:
    """Appendix A's paragraphs on confidentiality: the rule, its parameters and what it cost in these data."""
    every = linked.all_groups()
    nouns = {"size_class": "grootteklassen", "sector": "sectoren"}
    total = {d: sum(1 for g in every if g[0] == d) for d in nouns}
    hidden = {d: sum(1 for g in protection.blanked if g[0] == d) for d in nouns}
    named = " en ".join(f"{nl.count_words(total[d])} {nouns[d]}" for d in nouns)
    blanked = list(protection.blanked)
    secondary = len(protection.secondary)
    weighted = len(protection.hidden_weighted)
    rule = (
        f"Geen percentage of gemiddelde berust op minder dan {nl.number(nl.MIN_CELL, 0)} respondenten. De "
        "cijfers per grootteklasse en per sector (@fig-rie, @tbl-rie-sector, de tekst van hoofdstuk 8 en de "
        "tabel van steekproef en populatie) zijn gekoppelde tabellen: dezelfde vestigingen, per stratum "
        "(sector maal grootteklasse) anders opgeteld, en in de gewogen schattingen met andere gewichten. Ze "
        "worden samen beschermd, met secundaire onderdrukking over gekoppelde tabellen zoals tau-argus die "
        f"toepast. Een groep van minder dan {nl.number(nl.MIN_CELL, 0)} vestigingen wordt overal weggelaten, "
        "met haar aantal. Daarna rekent een aanvaller die het aantal vestigingen per stratum kent, met "
        "geheeltallige programmering uit tussen welke grenzen elk weggelaten aantal ligt, gegeven alles wat "
        f"wordt gepubliceerd; ligt een aantal daarmee vast of op één na vast (minder dan "
        f"{nl.count_words(disclosure.MIN_WIDTH + 1)} mogelijke waarden, waar het totaal alleen meer laat), "
        "dan valt ook de volgende kleinste groep weg. Een gewogen schatting, met of zonder model, waarvan "
        "de strata die van een weggelaten groep omvatten, valt met die groep weg, net als elke gewogen "
        "schatting die een weggelaten aantal alsnog zou vastleggen. Er wordt geen ruis toegevoegd: wat wel "
        "getoond wordt, is onveranderd."
    )
    if not blanked:
        cost = f"In deze gegevens is niets weggelaten: elk van de {named} telt minstens {nl.number(nl.MIN_CELL, 0)} vestigingen."
    else:
        parts = [f"alle {nl.count_words(total[d])} {nouns[d]}" if hidden[d] == total[d] else
                 f"{nl.count_words(hidden[d])} van de {nl.count_words(total[d])} {nouns[d]}" for d in nouns if hidden[d]]  # fmt: skip
        which = " en ".join(parts)
        cost = (
            f"In deze gegevens zijn {which} weggelaten, {nl.count_words(secondary)} daarvan alleen om een andere te "
            "beschermen"
            + (
                f"; voor {nl.count_words(weighted)} combinaties van antwoord en groep vallen de gewogen schattingen "
                "weg."
                if frame is not None and weighted
                else "."
            )  # fmt: skip
        )
    return rule + "\n\n" + cost


def _shown(share: float) -> float:
    """A share as the reader sees it in a table (a whole percentage), for comparisons the text words."""
    return round(float(share) * 100)


def informants_sentence(employer: Mapping[str, float], known: Mapping[str, Mapping[str, float]]) -> str:
    """Employees against employers per measure, as Table 1 shows them (whole percentages).

    ``employer``: measure -> share of employers that report it; ``known``: role -> measure -> share
    of the employees of that role who know it (``thuiswerk tables``: ``measures``, ``measures_known``).
    Says whether employees report every measure, most measures or not generally less often than employers,
    and names every exception (as often or more often), so no measure of the table contradicts the sentence.
    """
    counts, exceptions = [], []
    for role, shares in known.items():
        comparable = [m for m in employer if np.isfinite(employer[m]) and np.isfinite(shares.get(m, np.nan))]
        if not comparable:
            continue
        less = [m for m in comparable if _shown(shares[m]) < _shown(employer[m])]
        counts.append((role, len(less), len(comparable)))
        exceptions += [(m, role) for m in comparable if m not in less]
    if not counts:
        return "Of werknemers maatregelen minder vaak noemen dan werkgevers, is met deze gegevens niet na te gaan."
    everywhere = all(k == n for _, k, n in counts)
    mostly = all(2 * k > n for _, k, n in counts)
    lead = "bij elke maatregel" if everywhere else ("bij de meeste maatregelen" if mostly else "niet stelselmatig")
    roles = nl.join_words(nl.ROLE_NL.get(role, role) for role, _, _ in counts)
    text = f"Werknemers ({roles}) geven {lead} minder vaak dan werkgevers aan dat een maatregel is genomen."
    if exceptions:
        shown = [
            f"‘{nl.measure_label(m).lower()}’ bij {nl.ROLE_NL.get(role, role)} "
            f"({nl.percent(known[role][m])} tegen {nl.percent(employer[m])} van de werkgevers)"
            for m, role in exceptions
        ]
        text += f" {'De uitzondering is' if len(shown) == 1 else 'Uitzonderingen zijn'} {nl.join_words(shown)}."
    return text


def ranked(values: Mapping[str, float], label, largest: bool = True) -> tuple[str, list[str]]:
    """The key(s) with the largest (or smallest) value as the reader sees them (whole percentages), ties
    included: their Dutch names joined ("‘a’, ‘b’ en ‘c’", ``label`` names a key) and the keys."""
    finite = {k: v for k, v in values.items() if np.isfinite(v)}
    if not finite:
        return nl.MARKER, []
    best = (max if largest else min)(_shown(v) for v in finite.values())
    tied = [k for k, v in finite.items() if _shown(v) == best]
    return nl.join_words(f"‘{label(k)}’" for k in tied), tied


def leading(values: Mapping[str, float], label, at_least: int = 2) -> str:
    """The keys with the largest values as the reader sees them (whole percentages), whole tie groups
    only, until there are ``at_least``: "‘a’ en ‘b’", or "‘a’, ‘b’ en ‘c’" where b and c tie."""
    finite = {k: _shown(v) for k, v in values.items() if np.isfinite(v)}
    chosen: list[str] = []
    for level in sorted(set(finite.values()), reverse=True):
        if len(chosen) >= at_least:
            break
        chosen += [k for k, v in finite.items() if v == level]
    return nl.join_words(f"‘{label(k)}’" for k in chosen) if chosen else nl.MARKER
