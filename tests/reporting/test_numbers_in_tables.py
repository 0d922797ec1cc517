"""Every number a chapter states comes from a table the CLI prints (issue 28).

Each checked chapter is run as tests/chapters.py runs it (on the default survey and
fits); every number in the text its inline expressions produce (Dutch format: decimal
comma, '%', '.' for thousands) must be a number of the findings table
(:func:`thuiswerk.analysis.findings.compute`, ``thuiswerk findings``) or of the descriptive
tables (:func:`thuiswerk.analysis.descriptive.compute`, ``thuiswerk tables``), formatted
as the chapters format them, or on the short allow-list of structural numbers below. One
more table counts: chapter 4's non-response sensitivity table (:func:`sensitivity_numbers`),
which `thuiswerk findings --nonresponse` prints.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chapters import DATA_DIR, prose
from thuiswerk.analysis import compare, estimands, sensitivity, wording
from thuiswerk.core import codebook, nl
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.data import references
from thuiswerk.modelling.fit import SamplerSettings
from thuiswerk.modelling.specs import SPECS
from thuiswerk.reporting.tables import SENSITIVITY_THRESHOLD
from thuiswerk.studies import design, kfold, sbc

# A Dutch number: thousands with '.', a decimal comma, an optional '%'; not part of a word or a citation key.
_START = r"(?<![\w@.,])(?<![A-Za-z]-)"  # not inside a word, a number, a key or a name like covid-19
_END = r"(?![\w])"  # not the start of an identifier (a data hash such as 73667867ab)
NUMBER_RE = re.compile(rf"{_START}\d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?%?{_END}|{_START}\d+(?:,\d+)?%?{_END}")
CITATION_RE = re.compile(r"\[@[^\]]*\]")  # [@nea2022]: a citation key, not a number the text states
CHAPTER_REF_RE = re.compile(r"\bhoofdstuk(?:ken)? \d+(?: en \d+)?")  # "zie hoofdstuk 7": where, not a result

CHECKED = (
    "01-belangrijkste-bevindingen.qmd",
    "02-handelingsperspectief.qmd",
    "03-aanleiding-en-doel.qmd",
    "04-resultaten-tot-stand.qmd",
    "05-blootstelling-en-gezondheid.qmd",
    "06-genomen-maatregelen.qmd",
    "07-maatregelen-en-gezondheid.qmd",
    "08-naleving.qmd",
    "09-effect-bedrijfsbezoek.qmd",
    "A-methode-en-modellen.qmd",
    "B-diagnostiek.qmd",
    "C-colofon.qmd",
    "D-populatie.qmd",
    "index.qmd",
)
# The appendices state the studies' numbers too: the calibration (`thuiswerk sbc`), the cross-validation
# (`thuiswerk kfold`) and the null calibration (`thuiswerk null`) print them (study_numbers).
# Chapter 4 states the design study's power table too (`thuiswerk design` prints it: design_numbers).
# Chapter 4's design counts and non-response comparison are tables `design` and `nonresponse` of
# `thuiswerk tables`; its sensitivity numbers come from the sensitivity table (sensitivity_numbers).


def _structural() -> set[str]:
    """Numbers that are not results: the method's fixed constants, scale ends, class bounds, reference years."""
    allowed = {
        nl.percent(nl.EVIDENCE_CLEAR_THRESHOLD, 1),  # the evidence rule's thresholds
        nl.percent(nl.EVIDENCE_HINT_THRESHOLD),
        nl.percent(nl.PROB),  # the interval of every number (90%)
        nl.number(nl.MIN_CELL, 0),  # the disclosure minimum
        nl.number(compare.LOO_MIN_DIFF, 0),  # the LOO comparison's rule (chapter 7)
        nl.number(compare.LOO_SE_FACTOR, 0),
        nl.number(compare.K_THRESHOLD, 1),
        nl.percent(0.99), nl.percent(0.01),  # a probability is never rounded to 0% or 100% ("meer dan 99%")
        nl.number(1 / nl.EQUIVALENCE_ODDS_RATIO, 2),  # the region of practical equivalence ("tussen 0,80 en 1,25")
        nl.number(nl.EQUIVALENCE_ODDS_RATIO, 2),
        "1", "5",  # ends of the 1-5 answer scales (summaries.scale_text, the BAT's statement)
        "50", "250",  # the size classes' bounds in their codebook labels (chapter 8's text per size class)
        nl.number(len(codebook.load().measures), 0),  # how many measures the questionnaire asks about
        nl.number(len(SPECS), 0),  # how many models the method fits (chapter 4)
        nl.number(2 * (1 - nl.EVIDENCE_CLEAR_THRESHOLD), 2),  # the rule as a two-sided level (appendix A)
        nl.percent(1 - nl.EVIDENCE_CLEAR_THRESHOLD, 1),  # its nominal false-positive rate per finding
        nl.number(SENSITIVITY_THRESHOLD, 2),  # ArviZ's prior-sensitivity flag (appendix A)
    }  # fmt: skip
    for settings in (SamplerSettings(), sbc.SETTINGS, kfold.SETTINGS):  # the sampler's settings (appendices A, B)
        allowed |= {nl.number(v, 0) for v in (settings.chains, settings.tune, settings.draws)}
    for ref in references.load().values():  # the years of the national figures ("2017", "2019-2021")
        allowed |= set(re.findall(r"\d{4}", str(ref.year)))
    return allowed


def _finite(*values) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float, np.floating)) and math.isfinite(float(v))]


def findings_numbers(table: pd.DataFrame) -> set[str]:
    """Every number of the findings table as the findings' sentences and tables write it."""
    return set().union(*row_numbers(table).values()) if len(table) else set()


def row_numbers(table: pd.DataFrame) -> dict[str, set[str]]:
    """Per finding: the numbers its sentence may state (its own row's; a contrast's or a marginal effect's also
    those of the slopes it is made of)."""
    own = {str(i): _numbers_of(table.loc[[i]]) for i in dict.fromkeys(table.index)}
    out = {}
    for i, numbers in own.items():
        e = estimands.BY_ID.get(i)
        parts = e.parts if e is not None and e.kind == "contrast" else ()
        parts += (e.exposure,) if e is not None and e.kind == "marginal" else ()
        out[i] = numbers.union(*(own.get(p, set()) for p in parts))
    return out


def _numbers_of(table: pd.DataFrame) -> set[str]:
    out: set[str] = set()
    for _, row in table.iterrows():
        for p in _finite(row.get("p_expected_direction"), row.get("p_practically_none")):
            out |= {wording.probability(p), nl.percent(p)}
        for v in _finite(row.get("mean"), row.get("q05"), row.get("q95")):
            out |= {nl.number(math.exp(v), 2), nl.number(v, 1), nl.number(v * 100, 0)}  # odds ratio, count, points
            if 0 <= v <= 1:
                out.add(nl.percent(v))  # a share (information loss)
    return out


def descriptive_numbers(tables: pd.DataFrame) -> set[str]:
    """Every number of the descriptive tables as the chapters write it (nl.percent, nl.number by unit)."""
    decimals = {"mean": 1, "hours": 1, "ratio": 1, "score": 1, "count": 0, "correlation": 2, "points": 0}
    out: set[str] = set()
    for _, row in tables.iterrows():
        national = str(row["table"]).startswith("national")  # observed and national values as references writes them
        for v in _finite(row["value"], row["lo"], row["hi"], row["reference"]):
            if national:
                out.add(references.format_value(v, row["unit"]).removesuffix(" uur"))
            out.add(nl.percent(v) if row["unit"] == "share" else nl.number(v, decimals.get(row["unit"], 1)))
    return out


def population_numbers(rows: pd.DataFrame | None) -> set[str]:
    """The population rows ``thuiswerk findings`` prints with a frame (sample, all establishments, all employees
    per share of chapters V, VI and VIII) as the chapters write them: percentages."""
    if rows is None:
        return set()
    columns = [c for c in ("mean", "q05", "q95", "design_mean", "design_q05", "design_q95") if c in rows]
    return {nl.percent(v) for v in _finite(*rows[columns].to_numpy().ravel())}


def sensitivity_numbers(sens: pd.DataFrame) -> set[str]:
    """Every number of the non-response sensitivity table (:func:`thuiswerk.analysis.sensitivity.compute`) as
    chapter 4's table and sentence write it: probabilities, tipping odds ratios and the counts of findings."""
    out = {nl.number(k, 0) for k in (len(sens), (sens["p_ipw"] >= nl.EVIDENCE_CLEAR_THRESHOLD).sum(),
                                     sens["p_ipw"].isna().sum(), max(sens["tip_gamma"].notna().sum() - 1, 0))}  # fmt: skip
    for p in _finite(*sens["p_main"], *sens["p_ipw"]):
        out.add(wording.probability(p))
    for g in _finite(*sens["tip_gamma"], *sens["reach"]):
        out.add(nl.number(math.exp(abs(g)), 1))
    return out


def design_numbers(power: pd.DataFrame | None) -> set[str]:
    """Every number of the design study's power table (:func:`thuiswerk.studies.design.power`, printed by
    ``thuiswerk design``) as chapter 4's sentence writes it: sizes, probabilities, widths, a stated effect."""
    if power is None:
        return set()
    out = {nl.percent(design.TARGET_POWER), nl.percent(1.0)}  # the target, and the certainty a study never reaches
    for _, row in power.iterrows():
        out |= {nl.number(int(row["establishments"]), 0), nl.percent(row["p_clear"]), nl.number(row["width"], 2)}
        if str(row["effect"]) != "posterior":
            out.add(nl.number(float(row["effect"]), 2))
    return out


def study_numbers(
    sbc_summary: pd.DataFrame | None,
    kfold_points: pd.DataFrame | None,
    loo: pd.DataFrame | None,
    null: design.NullSummary | None,
    report_findings: int,
) -> set[str]:
    """Every number the appendices' study sentences state, from what the study commands print:
    ``thuiswerk sbc`` (:func:`thuiswerk.studies.sbc.summary`), ``thuiswerk kfold`` (its elpd differences beside
    ``thuiswerk compare``'s PSIS-LOO ones) and ``thuiswerk null`` (:func:`thuiswerk.studies.design.null_summary`,
    its rate also times the report's count of findings, ``report_findings``)."""
    out = {nl.number(sbc.ALPHA, 2), nl.number(report_findings, 0),
           nl.number(design.NOMINAL_RATE * report_findings, 1)}  # fmt: skip
    if sbc_summary is not None and len(sbc_summary):
        counts = ["replicates", "quantities", "divergent_replicates", "rhat_above_1_01", "p_below_alpha",
                  "p_below_bonferroni", "outside_band"]  # fmt: skip
        for column in counts:
            out |= {nl.number(int(v), 0) for v in sbc_summary[column]} | {nl.number(int(sbc_summary[column].sum()), 0)}
        out.add(nl.number(sbc.ALPHA * sbc_summary["quantities"].sum(), 0))  # the count chance alone gives
    if kfold_points is not None and loo is not None:
        for _, row in loo.iterrows():
            out.add(nl.number(float(row["elpd_diff"]), 1))
        for known, employer, _ in kfold._pairs(kfold_points, loo):  # the pairs kfold.sentence states
            d = kfold.difference(kfold_points, known, employer)
            out |= {nl.number(d["elpd_diff"], 1), nl.number(d["se_diff"], 1)}
    if null is not None:
        s = null
        out |= {nl.number(s.surveys, 0), nl.number(s.findings, 0), nl.percent(s.share_clear),
                nl.number(s.findings_per_survey, 0), nl.number(s.findings_per_survey, 1),
                nl.number(s.surveys_clear, 0), nl.number(s.surveys_either, 0), nl.number(s.mean_clear, 1),
                nl.number(s.rate_clear * report_findings, 1), nl.percent(design.NULL_LEVEL)}  # fmt: skip
        out |= {nl.percent(v, 1) for v in (s.rate_clear, s.se_clear, s.rate_opposite, s.se_opposite)}
        out |= {nl.percent(v) for v in s.share_clear_interval}
    return out


COMMAND_RE = re.compile(r"‘thuiswerk [^’]*’")  # a command the text gives (‘thuiswerk design --establishments 100,206’)


def numbers_in(text: str) -> list[str]:
    """The numbers a text states: not a citation key's, nor a quoted command's options."""
    text = CHAPTER_REF_RE.sub("", COMMAND_RE.sub("", CITATION_RE.sub("", text)))
    return [m.group(0) for m in NUMBER_RE.finditer(text)]


def _literals(expr: str) -> set[str]:
    """The string constants of an inline expression (``ctx.say("rug_uitputting_lg")`` -> the finding's id)."""
    return {n.value for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}  # fmt: skip


def unsourced(chapter_path: Path, allowed: set[str], by_finding: dict[str, set[str]] | None = None
              ) -> list[tuple[str, str]]:  # fmt: skip
    """(expression, number) for every number an inline expression states that is not in ``allowed``.

    An expression that names findings (its string constants are ids of ``by_finding``) may state only the
    numbers of those findings and the structural ones: a sentence cannot borrow another row's probability.
    """
    by_finding = by_finding or {}
    missing: list[tuple[str, str]] = []

    def check(item, value) -> None:
        named = [i for i in _literals(item.expr) if i in by_finding]
        scope = set().union(_structural(), *(by_finding[i] for i in named)) if named else allowed
        missing.extend((item.expr, n) for n in numbers_in(str(value)) if n not in scope)

    prose(chapter_path, on_inline=check)
    return missing


@pytest.fixture(scope="module")
def by_finding(default_fits: Path) -> dict[str, set[str]]:
    from thuiswerk.reporting import context

    return row_numbers(context.load_context(DATA_DIR, default_fits).findings)


def allowed_numbers(ctx) -> set[str]:
    """Every number the tables the CLI prints hold for a report context, and the structural ones."""
    sens = ctx.cached("sensitivity", lambda: sensitivity.compute(ctx.fits, ctx.findings, ctx.employees))
    shown, _ = design.for_report(ctx) if design.RESULT_FILE.is_file() else (None, {})
    ranks, _ = sbc.for_report(ctx) if sbc.RESULT_FILE.is_file() else (None, {})
    points, _ = kfold.for_report(ctx) if kfold.RESULT_FILE.is_file() else (None, {})
    null, _, _ = design.null_for_report(ctx)
    return (
        findings_numbers(ctx.findings)
        | descriptive_numbers(ctx.descriptive)
        | population_numbers(ctx.population)
        | sensitivity_numbers(sens)
        | design_numbers(design.power(shown) if shown is not None else None)
        | study_numbers(
            sbc.summary(ranks, ctx.seed) if ranks is not None else None,
            points,
            ctx.loo_comparison,
            null,
            len(design.null_worded(ctx.findings)),
        )
        | _structural()
    )


@pytest.fixture(scope="module")
def allowed(default_fits: Path) -> set[str]:
    from thuiswerk.reporting import context

    return allowed_numbers(context.load_context(DATA_DIR, default_fits))


@pytest.mark.parametrize("name", CHECKED)
def test_every_number_a_chapter_states_is_in_a_table(name: str, allowed: set[str], by_finding, default_fits,
                                                     monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("THUISWERK_FITS", str(default_fits))
    missing = unsourced(REPO_ROOT / "report" / name, allowed, by_finding)
    assert not missing, f"{name}: numbers in neither `thuiswerk findings` nor `thuiswerk tables`: {missing}"


def test_the_checker_fails_on_a_number_in_no_table(tmp_path: Path) -> None:
    """A chapter that types a number into an inline expression, or computes one the tables lack, is caught."""
    chapter = tmp_path / "99-test.qmd"
    chapter.write_text(
        "---\ntitle: x\n---\n\n```{python}\n#| label: setup\nfrom thuiswerk.core import nl\nshare = 0.437\n```\n\n"
        "Van de vestigingen `{python} nl.percent(share)`, `{python} nl.number(1234.5, 1)` uur, "
        "`{python} nl.percent(0.42)` en `{python} nl.percent(nl.PROB)` [@nea2022].\n",
        encoding="utf-8",
    )
    missing = unsourced(chapter, {"42%", nl.percent(nl.PROB)})
    assert missing == [("nl.percent(share)", "44%"), ("nl.number(1234.5, 1)", "1.234,5")]


def test_a_sentence_that_names_a_finding_may_state_only_that_findings_numbers(tmp_path: Path) -> None:
    """A number that is in some table but not in the named finding's row is caught (another row's probability)."""
    chapter = tmp_path / "99-test.qmd"
    chapter.write_text(
        "---\ntitle: x\n---\n\n```{python}\n#| label: setup\nsay = lambda i, p: f'{i}: kans {p}'\n```\n\n"
        "`{python} say('rug_uitputting_lg', '31%')` `{python} say('rug_uitputting_lg', '97%')`\n",
        encoding="utf-8",
    )
    by_finding = {"rug_uitputting_lg": {"31%"}, "rug_uitputting_nlg": {"97%"}}
    missing = unsourced(chapter, {"31%", "97%"}, by_finding)
    assert missing == [("say('rug_uitputting_lg', '97%')", "97%")]


def test_dutch_numbers_are_read_whole() -> None:
    assert numbers_in("103.193 werknemers, 3,4 uur, 97,5% en 90%-interval; covid-19 [@aib2021] (2,7 uur)") == [
        "103.193", "3,4", "97,5%", "90%", "2,7",
    ]  # fmt: skip
    assert numbers_in("data-hash 73667867ab4f, seed 2022") == ["2022"]  # an identifier is not a number
    assert numbers_in("de opdracht ‘thuiswerk design --establishments 100,206 --replicates 30’ maakt 12") == ["12"]
