"""The estimand table, the findings computed from fits, the evidence rule and the sentences."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from thuiswerk.analysis import estimands, findings, wording
from thuiswerk.cli import app
from thuiswerk.cli.main import EXIT_USAGE
from thuiswerk.core import codebook, dims, nl
from thuiswerk.modelling import specs

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- the estimand table


def test_every_estimand_names_a_term_and_items_its_model_has():
    for e in estimands.ESTIMANDS:
        spec = specs.get(e.model)
        if e.kind == "contrast":  # two slope findings of its own model and outcome, both in the table
            parts = [estimands.BY_ID[i] for i in e.parts]
            assert all(p.kind == "slope" and p.model == e.model and p.outcome == e.outcome for p in parts), e.id
            continue
        if e.kind == "marginal":  # a complaint slope of the knowledge model, on the share scale
            base = e.base
            assert base.kind == "slope" and spec.family == "binary" and not spec.joint_of, e.id
            assert (base.model, base.outcome, base.role, base.direction) == (e.model, e.outcome, e.role, e.direction)
            continue
        if e.kind != "slope":
            assert spec.family == "awareness", e.id
            continue
        terms = {t for t, _, _ in spec.terms}
        for role in estimands.ROLE_CODES[e.role]:
            for exposure in e.exposure.split("+"):
                assert specs.term_name(exposure, role) in terms, e.id
        items = estimands.OUTCOME_ITEMS.get(e.outcome, (e.outcome,))
        assert set(items) <= set(spec.outcomes), e.id


def test_every_slope_finding_has_a_direction_a_source_sentence_and_words():
    for e in estimands.ESTIMANDS:
        assert e.source and e.chapter in {"I", "V", "VI", "VII"}, e.id
        if e.kind in ("slope", "contrast"):
            assert e.direction in ("negative", "positive"), e.id
            assert e.subject and e.relation, e.id
        if e.kind == "slope":
            assert e.exposure in estimands.UNITS and e.exposure in estimands.UNITS_EN, e.id


def test_the_source_sentences_are_in_the_seed_report():
    seed = ROOT.parent / "shared" / "seed" / "000_ae7688b5341ed88e.txt"
    if not seed.exists():
        pytest.skip("the seed report (shared/seed) is not beside this checkout")
    text = re.sub(r"\s+", "", seed.read_text(encoding="utf-8").replace("’", "'").replace("‘", "'"))
    for e in estimands.ESTIMANDS:
        for part in e.source.split("[...]"):
            assert re.sub(r"\s+", "", part) in text, (e.id, part)


def test_information_loss_is_reported_for_both_roles_and_every_measure():
    ids = set(estimands.BY_ID)
    for suffix in ("lg", "nlg"):
        assert {f"informatieverlies_{suffix}", f"niet_bekend_aantal_{suffix}", f"verlies_als_gemeld_{suffix}"} <= ids
        for m in codebook.load().measures:
            assert f"niet_bekend_{m}_{suffix}" in ids


def test_readme_and_appendix_carry_the_estimand_table():
    table = estimands.estimand_table_markdown()
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "wording.estimand_table_nl()" in (ROOT / "report" / "A-methode-en-modellen.qmd").read_text(encoding="utf-8")
    shown = wording.estimand_table_nl()["Bevinding"]
    slope_ids = [e.id for e in estimands.ESTIMANDS if e.kind == "slope"]
    assert set(slope_ids) <= set(shown)


# ----------------------------------------------------------------------------- computing from fits


def _tree(slopes: np.ndarray, items: list[str], terms: list[str], item_dim: str = dims.ASPECT) -> xr.DataTree:
    """A posterior with ``slope`` draws (chain, draw, item, term)."""
    post = xr.Dataset(
        {"slope": (("chain", "draw", item_dim, dims.TERM), slopes)},
        coords={"chain": [0], "draw": np.arange(slopes.shape[1]), item_dim: items, dims.TERM: terms},
    )
    return xr.DataTree.from_dict({"posterior": post})


def test_slope_estimand_averages_items_and_roles():
    items = list(specs.WORKLOAD_ASPECTS)
    terms = [t for t, _, _ in specs.get("workload").terms]
    rng = np.random.default_rng(1)
    draws = rng.normal(size=(1, 400, len(items), len(terms)))
    tree = _tree(draws, items, terms)
    e = estimands.BY_ID["werkdruk_afspraken_werktijden"]  # all aspects, both roles
    cols = [terms.index("knows_working_hours|leidinggevende"), terms.index("knows_working_hours|niet_leidinggevende")]
    expected = draws[0][:, :, cols].mean(axis=(1, 2))
    np.testing.assert_allclose(findings.draws(e, tree), expected)
    e = estimands.BY_ID["werk_thuis_afspraken_werktijden_lg"]  # one aspect, managers
    expected = draws[0][:, items.index("work_home_interference"), cols[0]]
    np.testing.assert_allclose(findings.draws(e, tree), expected)


def test_a_joint_contrast_is_the_sum_of_its_slopes():
    items = list(specs.ISOLATION_ASPECTS)
    terms = [t for t, _, _ in specs.get("isolation_joint").terms]
    draws = np.random.default_rng(4).normal(size=(1, 300, len(items), len(terms)))
    tree = _tree(draws, items, terms)
    e = estimands.BY_ID["isolatie_kennis_bij_melding_sociale_momenten"]
    cols = [[terms.index(f"{p}|{r}") for r in specs.BOTH] for p in e.exposure.split("+")]
    expected = sum(draws[0][:, :, c].mean(axis=(1, 2)) for c in cols)
    np.testing.assert_allclose(findings.draws(e, tree), expected)
    alone = estimands.BY_ID["isolatie_melding_zonder_kennis_sociale_momenten"]
    c = [terms.index(f"employer_social_moments|{r}") for r in specs.BOTH]
    np.testing.assert_allclose(findings.draws(alone, tree), draws[0][:, :, c].mean(axis=(1, 2)))


def test_direction_comes_from_the_estimand_not_from_the_posterior():
    e = estimands.BY_ID["werkdruk_afspraken_werktijden"]  # expects a negative slope
    positive = findings.summarise(e, np.full(1000, 0.5) + np.linspace(-0.1, 0.1, 1000))
    assert positive["p_expected_direction"] == 0.0
    # clearly the other way: said as such, never reworded as the expected finding
    assert positive["wording"] == nl.EVIDENCE_OPPOSITE
    assert "tegen de verwachting in, duidelijk samen met meer werkdruk" in wording.sentence(pd.Series(positive))
    negative = findings.summarise(e, -np.abs(np.linspace(0.01, 1, 1000)))
    assert negative["p_expected_direction"] == 1.0 and negative["wording"] == nl.EVIDENCE_CLEAR


def test_a_no_relation_sentence_is_worded_by_the_equivalence_region_and_only_that_kind():
    """ "geen relevant verband" where 95% of the posterior lies within odds ratios 0.8-1.25, for the source
    report's "no relation" sentences; a narrow posterior near zero of another finding keeps the direction rule."""
    narrow = np.random.default_rng(3).normal(0.0, 0.05, 4000)
    none = findings.summarise(estimands.BY_ID["werkdruk_thuiswerkpercentage"], narrow)
    assert none["p_practically_none"] > 0.95 and none["wording"] == nl.EVIDENCE_IRRELEVANT
    assert "hangt niet relevant samen met werkdruk" in wording.sentence(pd.Series(none))
    assert "dat de odds ratio tussen 0,80 en 1,25 ligt" in wording.sentence(pd.Series(none))
    wide = findings.summarise(estimands.BY_ID["werkdruk_thuiswerkpercentage"], narrow * 6)
    assert wide["p_practically_none"] < 0.95 and wide["wording"] == nl.EVIDENCE_NONE
    claimed = findings.summarise(estimands.BY_ID["werkdruk_afspraken_werktijden"], narrow)
    assert "werkdruk_afspraken_werktijden" not in estimands.NO_RELATION and claimed["wording"] == nl.EVIDENCE_NONE
    assert set(estimands.NO_RELATION) <= set(estimands.BY_ID)


@pytest.mark.parametrize(
    ("share_negative", "word"),
    [
        (0.99, nl.EVIDENCE_CLEAR),
        (0.975, nl.EVIDENCE_CLEAR),
        (0.96, nl.EVIDENCE_HINT),
        (0.90, nl.EVIDENCE_HINT),
        (0.89, nl.EVIDENCE_NONE),
        (0.5, nl.EVIDENCE_NONE),
    ],
)
def test_wording_follows_the_one_rule(share_negative, word):
    n = 1000
    values = np.where(np.arange(n) < round(share_negative * n), -1.0, 1.0)
    row = findings.summarise(estimands.BY_ID["werkdruk_afspraken_werktijden"], values)
    assert row["p_expected_direction"] == pytest.approx(share_negative)
    assert row["wording"] == word


def test_descriptive_rows_have_no_direction_and_no_word():
    row = findings.summarise(estimands.BY_ID["informatieverlies_lg"], np.linspace(0.2, 0.3, 100))
    assert np.isnan(row["p_expected_direction"]) and row["wording"] == ""


# ----------------------------------------------------------------------------- sentences


def _row(id: str, values: np.ndarray) -> pd.Series:
    return pd.Series(findings.summarise(estimands.BY_ID[id], values))


def test_sentence_states_only_the_rows_word_and_numbers():
    row = _row("werk_thuis_afspraken_werktijden_lg", np.random.default_rng(2).normal(-0.8, 0.3, 4000))
    text = wording.sentence(row)
    assert text.startswith("Bij leidinggevenden hangt kennis van afspraken over werktijden duidelijk samen met minder")
    assert nl.number(np.exp(row["mean"]), 2) in text
    assert nl.interval(np.exp(row["q05"]), np.exp(row["q95"]), 2) in text
    assert wording.probability(row["p_expected_direction"]) in text
    # every number in the sentence is one of the row's numbers, formatted
    allowed = {
        nl.number(np.exp(row["mean"]), 2),
        nl.number(np.exp(row["q05"]), 2),
        nl.number(np.exp(row["q95"]), 2),
        nl.percent(0.99),
        nl.percent(row["p_expected_direction"]),
        nl.percent(findings.PROB),
    }
    for number in re.findall(r"\d+(?:,\d+)?%?", text):
        assert number in allowed, number


def test_sentence_changes_with_the_row():
    clear = wording.sentence(_row("werkdruk_thuiswerkpercentage", np.random.default_rng(3).normal(1.0, 0.3, 4000)))
    none = wording.sentence(_row("werkdruk_thuiswerkpercentage", np.random.default_rng(3).normal(0.0, 0.3, 4000)))
    hint = wording.sentence(_row("werkdruk_thuiswerkpercentage", np.random.default_rng(3).normal(0.45, 0.3, 4000)))
    assert "hangt duidelijk samen met meer werkdruk" in clear
    assert "hangt niet duidelijk samen met meer werkdruk" in none
    assert hint.startswith("Er is een aanwijzing dat een hoger thuiswerkpercentage samenhangt met meer werkdruk")


def test_the_verb_agrees_with_a_plural_subject():
    plural = wording.sentence(_row("werkdruk_werkgever_werktijden", np.random.default_rng(4).normal(0.0, 0.3, 4000)))
    singular = wording.sentence(_row("werkdruk_afspraken_werktijden", np.random.default_rng(4).normal(0.0, 0.3, 4000)))
    assert "Afspraken over werktijden volgens de werkgever hangen niet duidelijk samen" in plural
    assert " hangt " in singular and " hangen " not in singular


def test_sentence_refuses_a_descriptive_row():
    with pytest.raises(ValueError, match="not a slope finding"):
        wording.sentence(_row("informatieverlies_lg", np.linspace(0.2, 0.3, 10)))


# ----------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def findings_csv(default_fits) -> str:
    """`thuiswerk findings --format csv` on the default fits, run once for the tests that read it."""
    result = CliRunner().invoke(app, ["findings", "--format", "csv", "--fits", str(default_fits)])
    assert result.exit_code == 0, result.output
    return result.output


def test_findings_command_lists_every_estimand(default_fits, findings_csv):
    runner = CliRunner()
    result = runner.invoke(app, ["findings", "--format", "json", "--fits", str(default_fits)])
    assert result.exit_code == 0, result.output
    everything = json.loads(result.output)
    rows = [r for r in everything if not r["population"]]
    assert [r["id"] for r in rows] == [e.id for e in estimands.ESTIMANDS]
    assert set(findings.COLUMNS) <= set(rows[0])
    by_id = {r["id"]: r for r in rows}
    for suffix in ("lg", "nlg"):  # the seed's definition: expected count of 15, divided by 15
        loss, count = by_id[f"informatieverlies_{suffix}"], by_id[f"niet_bekend_aantal_{suffix}"]
        assert loss["mean"] == pytest.approx(count["mean"] / len(codebook.load().measures))
        assert loss["q05"] < loss["mean"] < loss["q95"]
    for r in rows:
        if r["direction"]:
            assert r["wording"] == nl.evidence(r["p_expected_direction"])
    frame = pd.read_csv(io.StringIO(findings_csv), keep_default_na=False, na_values=[""])
    sample = frame[frame["population"].isna()]
    assert list(sample["id"]) == [e.id for e in estimands.ESTIMANDS]


def test_findings_give_sample_and_population_rows_for_every_percentage(findings_csv):
    """Every percentage of chapters V, VI and VIII (thuiswerk.data.shares), per group where the source gives one:
    a sample row and the population estimates for establishments and employees, with intervals."""
    from thuiswerk.data import shares

    frame = pd.read_csv(io.StringIO(findings_csv))
    pop = frame[frame["population"].notna()]
    levels = {c: list(codebook.load().find(c).categories) for c in ("sector", "size_class")}
    expected = [row_id for s in shares.SHARES for row_id, _ in shares.groups(s, levels)]
    for kind in ("sample", "establishments", "employees"):
        assert sorted(pop.loc[pop["population"] == kind, "id"]) == sorted(expected), kind
    assert set(pop["chapter"]) == {"V", "VI", "VIII"}
    estimates = pop[pop["population"] != "sample"].dropna(subset=["mean"])
    assert len(estimates) > 0.9 * 2 * len(expected)  # blank only where disclosure control says so
    assert ((estimates["q05"] <= estimates["mean"]) & (estimates["mean"] <= estimates["q95"])).all()
    assert estimates["model"].eq("population").all() and estimates["design_mean"].between(0, 1).all()


def test_findings_command_refuses_an_unknown_format():
    result = CliRunner().invoke(app, ["findings", "--format", "xml"])
    assert result.exit_code == EXIT_USAGE
    assert "--format must be one of" in result.output


# ----------------------------------------------------------------------------- chapter I headings


def _table(clear: set[str] = frozenset(), loss: float = 0.33) -> pd.DataFrame:
    """A findings table of the rows the headings read: ``clear`` ids 'duidelijk', other slopes and contrasts not."""
    rng = np.random.default_rng(5)
    rows = []
    for e in estimands.ESTIMANDS:
        if e.kind in ("slope", "contrast"):
            sign = -1.0 if e.direction == "negative" else 1.0
            values = rng.normal(sign * (1.0 if e.id in clear else 0.0), 0.2, 2000)
        else:
            values = rng.normal(loss, 0.01, 2000)
        rows.append(findings.summarise(e, values))
    return pd.DataFrame(rows, columns=findings.COLUMNS).set_index("id", drop=False)


def _employees(n: int = 100, complaint: float = 0.3, exhausted: float = 0.15, isolated: float = 0.1) -> pd.DataFrame:
    """Questionnaire respondents: the first shares of rows have a KANS complaint, are often exhausted, feel isolated."""
    rank = np.arange(n) / n
    return pd.DataFrame(
        {
            "employee_id": [f"W{i:05d}" for i in range(n)],
            "role": ["leidinggevende" if i % 2 else "niet_leidinggevende" for i in range(n)],
            "questionnaire_completed": 1,
            "complaint_neck": (rank < complaint).astype(int),
            "complaint_shoulders": 0,
            "complaint_arm": 0,
            "exhaustion": np.where(rank < exhausted, 4, 2),
            "isolation_colleagues": np.where(rank < isolated, 5, 1),
            "isolation_company": 2,
        }
    )


def _establishments(
    n: int = 100,
    planned: float = 0.93,
    unclear: float = 0.25,
    knowledge: float = 0.1,
    instruction: float = 0.55,
    supervision: float = 0.25,
    rie: float = 0.5,
) -> pd.DataFrame:
    rank = np.arange(n) / n
    return pd.DataFrame(
        {
            "establishment_id": [f"V{i:04d}" for i in range(n)],
            "planned_homeworking": np.where(rank < planned, "structureel_20_40", "niet_structureel"),
            "obstacle_unclear_obligations": (rank < unclear).astype(int),
            "obstacle_lack_knowledge": (rank < knowledge).astype(int),
            "information_instruction": (rank < instruction).astype(int),
            "active_supervision": (rank < supervision).astype(int),
            "rie_homeworking": np.where(rank < rie, "een_risico", "geen_aandacht"),
        }
    )


def test_chapter_one_has_seven_conclusions_and_none_begins_with_a_number():
    heads = wording.chapter_one_headlines(_table(), _establishments(), _employees())
    assert sorted(heads) == [1, 2, 3, 4, 5, 6, 7]
    for i, text in heads.items():
        assert text != wording.TOPICS[i], i  # a conclusion, not the topic
        assert text[0].isupper() and not text[0].isdigit(), text
        assert not re.search(r"\d", text), text  # numbers are words in a heading
        assert not re.search(r"samen met|samenhangt|odds ratio|procentpunt|informatieverlies", text, re.I), text


def test_information_heading_follows_the_estimated_loss():
    assert wording.headline_information(_table(loss=0.33)) == (
        "Informatie over maatregelen bereikt in ongeveer een derde van de gevallen de werknemer niet"
    )
    assert "ongeveer een kwart van de gevallen" in wording.headline_information(_table(loss=0.25))
    assert "ongeveer de helft van de gevallen" in wording.headline_information(_table(loss=0.5))


def test_known_measures_heading_follows_the_contrasts_not_the_verdicts():
    """Chapter I's heading on known against reported measures rests on the contrast rows (knowing minus the
    employer reporting it unknown), never on one verdict being clear and the other not."""
    lead = "Maatregelen die werknemers kennen, gaan duidelijk sterker samen met minder "
    one = _table(clear={"isolatie_kennis_min_melding_sociale_momenten"})
    assert wording.headline_known_measures(one) == f"{lead}isolatie dan maatregelen die alleen de werkgever noemt"
    two = _table(clear={"werkdruk_kennis_min_melding", "kans_kennis_min_melding_ergonomisch"})
    assert wording.headline_known_measures(two) == (
        f"{lead}werkdruk en klachten aan arm, nek of schouders dan maatregelen die alleen de werkgever noemt"
    )
    no_difference = (
        "Of werknemers een maatregel kennen, maakt voor het verband met hun gezondheid geen duidelijk verschil"
    )
    verdicts_only = _table(clear={"isolatie_kennis_bij_melding_sociale_momenten"})  # a clear slope, no clear contrast
    assert wording.headline_known_measures(verdicts_only) == no_difference
    hint_only = _table()
    hint_only.loc["werkdruk_kennis_min_melding", "wording"] = nl.EVIDENCE_HINT  # a hint is not a difference
    assert wording.headline_known_measures(hint_only) == no_difference
    without = _table().drop(index=list(wording.JOINT_CONTRAST_IDS))
    assert wording.headline_known_measures(without) == wording.TOPICS[3]


def test_a_contrast_is_the_difference_of_its_two_slopes_draw_by_draw():
    """The findings of a contrast come from the draws of its two slope findings in one fit."""
    e = estimands.BY_ID["kans_thuiswerkpercentage_lg_min_nlg"]
    first, second = (estimands.BY_ID[i] for i in e.parts)
    rng = np.random.default_rng(1)
    n_items, terms = len(estimands.OUTCOME_ITEMS["kans"]), [specs.term_name("home_share", r) for r in
                                                             ("leidinggevende", "niet_leidinggevende")]  # fmt: skip
    slope = xr.DataArray(rng.normal(size=(2, 50, n_items, 2)), dims=("chain", "draw", "region", "term"),
                         coords={"region": list(estimands.OUTCOME_ITEMS["kans"]), "term": terms})  # fmt: skip
    tree = xr.DataTree.from_dict({"posterior": xr.Dataset({"slope": slope})})
    np.testing.assert_allclose(findings.draws(e, tree), findings.draws(first, tree) - findings.draws(second, tree))
    manager = slope.sel(term=terms[0]).mean("region") - slope.sel(term=terms[1]).mean("region")
    np.testing.assert_allclose(findings.draws(e, tree), manager.stack(s=("chain", "draw")).to_numpy())


def test_isolation_heading_follows_the_survey_and_the_findings():
    table = _table()
    assert wording.headline_isolation(table, _employees(isolated=0.2)) == (
        "De meeste thuiswerkers voelen zich niet geïsoleerd; "
        "veel thuiswerken of alleen wonen maakt daarbij geen duidelijk verschil"
    )
    assert wording.headline_isolation(table, _employees(isolated=0.05)).startswith(
        "Bijna geen thuiswerker voelt zich geïsoleerd"
    )
    assert wording.headline_isolation(table, _employees(isolated=0.7)).startswith(
        "De meeste thuiswerkers voelen zich geïsoleerd"
    )
    home = _table(clear={"isolatie_thuiswerkpercentage"})
    assert wording.headline_isolation(home, _employees(isolated=0.2)) == (
        "De meeste thuiswerkers voelen zich niet geïsoleerd; wie veel thuiswerkt, voelt zich wel vaker geïsoleerd, "
        "maar alleen wonen maakt geen duidelijk verschil"
    )


def test_survey_headings_follow_the_shares():
    assert wording.headline_rie(_establishments(rie=0.5)) == (
        "Ongeveer de helft van de werkgevers besteedt in de risico-inventarisatie en -evaluatie (RI&E) aandacht aan "
        "thuiswerken"
    )
    assert wording.headline_rie(_establishments(rie=0.8)).startswith("De meeste werkgevers besteden")
    assert wording.headline_homeworking(_establishments()) == (
        "Bijna alle werkgevers willen thuiswerken structureel mogelijk maken, maar ongeveer een kwart vindt "
        "onduidelijk wat hun verplichtingen zijn"
    )
    assert wording.headline_homeworking(_establishments(planned=0.3, knowledge=0.5)) == (
        "Bijna een derde van de werkgevers wil thuiswerken structureel mogelijk maken, en ongeveer de helft mist "
        "kennis van mogelijke maatregelen"
    )
    assert wording.headline_complaints(_employees()) == (
        "De meeste thuiswerkers hebben geen klachten aan arm, nek of schouders en voelen zich niet vaak uitgeput"
    )
    assert wording.headline_complaints(_employees(complaint=0.8, exhausted=0.7)) == (
        "De meeste thuiswerkers hebben klachten aan arm, nek of schouders en de meesten voelen zich vaak uitgeput"
    )


def test_supervision_heading_follows_the_shares_and_the_employer_findings():
    none = wording.headline_supervision(_table(), _establishments())
    assert none == (
        "Ruim de helft van de werkgevers geeft voorlichting of instructie, ongeveer een kwart houdt "
        "toezicht, en hun maatregelen gaan niet duidelijk gepaard met de gezondheid van werknemers"
    )
    one = wording.headline_supervision(_table(clear={"kans_werkgever_ergonomisch"}), _establishments())
    assert one.endswith(
        "gaan in één van de vier onderzochte verbanden gepaard met een betere gezondheid van werknemers"
    )
    assert wording.headline_supervision(_table(), _establishments(supervision=0.9)).split(", ")[1] == (
        "de meesten houden toezicht"
    )


def test_a_heading_falls_back_to_its_topic_without_data():
    few = _establishments(n=5)  # below the disclosure threshold: no share is shown
    assert wording.headline_rie(few) == wording.TOPICS[7]
    empty = pd.DataFrame(columns=findings.COLUMNS)
    assert wording.headline_information(empty) == wording.TOPICS[2]
    assert wording.headline_known_measures(empty) == wording.TOPICS[3]


def test_gap_sentence_wording():
    clear = pd.Series(findings.summarise(estimands.BY_ID["informatieverlies_verschil"], np.full(100, 0.08)))
    assert wording.gap_sentence(clear).startswith("Het is duidelijk dat niet-leidinggevenden meer informatie")
    none = pd.Series(findings.summarise(estimands.BY_ID["informatieverlies_verschil"], np.linspace(-0.1, 0.1, 100)))
    assert wording.gap_sentence(none).startswith(
        "Of niet-leidinggevenden meer informatie over maatregelen missen dan leidinggevenden, is niet duidelijk ("
    )


def test_loss_sentence_states_both_roles_without_a_colon_list():
    text = wording.loss_sentence(_table(loss=0.3))
    n = len(codebook.load().measures)
    assert text.startswith(f"Volgens het kennismodel noemt de werkgever van de {n} maatregelen er gemiddeld 0,3 (")
    assert "die een leidinggevende niet kent, een informatieverlies van 30% (" in text
    assert "; bij niet-leidinggevenden zijn dat er 0,3 (" in text and ":" not in text


def test_the_contrast_table_says_the_comparison_once_when_every_row_shares_it():
    table = _table(clear={"isolatie_kennis_min_melding_sociale_momenten"})
    joint = wording.contrast_table_nl(table, list(wording.JOINT_CONTRAST_IDS))
    assert "Vergelijking" not in joint.columns and len(joint) == 4
    assert joint["Verband"].iloc[1] == "Ingeplande momenten voor sociaal contact en isolatie"
    assert list(joint["Oordeel"]) == [nl.EVIDENCE_NONE, nl.EVIDENCE_CLEAR, nl.EVIDENCE_NONE, nl.EVIDENCE_NONE]
    mixed = wording.contrast_table_nl(table, [*wording.JOINT_CONTRAST_IDS, "kans_thuiswerkpercentage_lg_min_nlg"])
    assert mixed["Vergelijking"].iloc[-1] == "sterker bij leidinggevenden dan bij niet-leidinggevenden"
