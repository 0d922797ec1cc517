"""Dutch number formats, the evidence rule, labels and disclosure control."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from thuiswerk.core import codebook, nl

# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (3.4, 1, "3,4"),
        (131775, 0, "131.775"),
        (20797, 0, "20.797"),
        (1234567.891, 2, "1.234.567,89"),
        (1.5, 1, "1,5"),
        (2.25, 1, "2,3"),  # half-up on the written value, not half-even
        (0.125, 2, "0,13"),
        (3, 1, "3,0"),
        (999.96, 1, "1.000,0"),
        (-1234.5, 1, "-1.234,5"),
        (-0.04, 1, "0,0"),  # no "-0,0"
        (np.float64(3.45), 1, "3,5"),
        (np.int64(131775), 0, "131.775"),
    ],
)
def test_number(value, decimals, expected):
    assert nl.number(value, decimals) == expected


def test_number_default_has_one_decimal():
    assert nl.number(3.44) == "3,4"


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
def test_missing_values_render_as_marker(missing):
    assert nl.number(missing) == nl.MARKER == "–"
    assert nl.percent(missing) == "–"


@pytest.mark.parametrize(
    ("share", "decimals", "expected"),
    [
        (0.46, 0, "46%"),
        (0.0, 0, "0%"),
        (1.0, 0, "100%"),
        (0.285, 0, "29%"),  # 0.285 * 100 is 28.499999... in binary floats
        (0.4567, 1, "45,7%"),
        (0.92, 0, "92%"),
    ],
)
def test_percent(share, decimals, expected):
    assert nl.percent(share, decimals) == expected


@pytest.mark.parametrize("bad", [46, -0.01, 1.01])
def test_percent_rejects_values_that_are_not_shares(bad):
    with pytest.raises(ValueError):
        nl.percent(bad)


def test_interval():
    assert nl.interval(0.12, 0.56, 2) == "0,12 tot 0,56"
    assert nl.interval(-1.5, 2, 1) == "-1,5 tot 2,0"
    assert nl.percent_interval(0.28, 0.35) == "28% tot 35%"


def test_tick_formatters():
    pct = nl.percent_formatter()
    assert [pct(x, i) for i, x in enumerate([0, 0.25, 0.5, 1.0])] == ["0%", "25%", "50%", "100%"]
    assert nl.percent_formatter(1)(0.125, 0) == "12,5%"
    assert pct(-0.05, 0) == "-5%"  # padding outside [0, 1] never raises
    dec = nl.decimal_formatter(1)
    assert dec(2.5, 0) == "2,5"
    assert dec(1234.25, 0) == "1.234,3"
    assert nl.decimal_formatter(0)(3, 0) == "3"


# --------------------------------------------------------------------------- evidence


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (1.0, "duidelijk"),
        (0.98, "duidelijk"),
        (0.975, "duidelijk"),  # the bound belongs to the stronger wording
        (0.9749999, "aanwijzing"),
        (0.95, "aanwijzing"),  # a two-sided p < 0.10 is not "duidelijk"
        (0.90, "aanwijzing"),
        (0.8999999, "geen duidelijk verband"),
        (0.80, "geen duidelijk verband"),
        (0.5, "geen duidelijk verband"),
        (0.0250001, "geen duidelijk verband"),
        (0.025, "duidelijk tegen de verwachting"),  # as clear as "duidelijk", the other way (bound included)
        (0.02, "duidelijk tegen de verwachting"),
        (0.0, "duidelijk tegen de verwachting"),
    ],
)
def test_evidence_rule(p, expected):
    assert nl.evidence(p) == expected


def test_the_equivalence_region_is_odds_ratios_from_0_8_to_1_25():
    assert nl.equivalent([0.0, 0.2, -0.2, 0.23, -0.3]) == pytest.approx(3 / 5)  # log 1.25 = 0.223
    assert nl.equivalent(np.log([0.81, 1.24])) == 1.0 and nl.equivalent(np.log([0.79, 1.26])) == 0.0


def test_evidence_constants_are_the_documented_rule():
    assert nl.EVIDENCE_CLEAR_THRESHOLD == 0.975
    assert nl.EVIDENCE_HINT_THRESHOLD == 0.90
    assert "0.975" in nl.__doc__ and "0.90" in nl.__doc__


@pytest.mark.parametrize("bad", [1.2, -0.1, math.nan, None])
def test_evidence_rejects_non_probabilities(bad):
    with pytest.raises(ValueError):
        nl.evidence(bad)


# --------------------------------------------------------------------------- labels


def test_labels_come_from_the_codebook():
    cb = codebook.load()
    assert nl.label("role") == "Functie"
    assert nl.label("complaint_back") == "Rugklachten"
    assert nl.label("employer_conversations") == cb.get("establishments", "employer_conversations").label
    assert nl.category_label("role", "niet_leidinggevende") == "Niet-leidinggevende"
    assert nl.category_label("judgement_screen_after", 4) == "voldoende"
    for m, text in cb.measures.items():
        assert nl.measure_label(m) == text
    assert nl.measure_label("working_hours_agreements") == "Afspraken over werktijden"


def test_unknown_labels_raise():
    with pytest.raises(KeyError):
        nl.label("no_such_variable")
    with pytest.raises(KeyError):
        nl.measure_label("no_such_measure")
    with pytest.raises(KeyError):
        nl.category_label("role", "directeur")


# --------------------------------------------------------------------------- disclosure


def _cells(ns):
    return pd.DataFrame(
        {"group": [f"g{i}" for i in range(len(ns))], "n": ns, "count": [n // 2 for n in ns], "share": [0.5] * len(ns)}
    )


def test_min_cell_is_ten():
    assert nl.MIN_CELL == 10


def test_suppress_blanks_a_cell_of_nine_but_not_of_ten():
    out = nl.suppress(_cells([9, 10, 200]))
    assert out["suppressed"].tolist() == [True, False, False]
    assert math.isnan(out.loc[0, "share"]) and math.isnan(out.loc[0, "count"])
    assert out.loc[1, "share"] == 0.5 and out.loc[1, "count"] == 5
    assert out.loc[0, "n"] == 9  # the number of respondents itself stays
    assert nl.percent(out.loc[0, "share"]) == "–"


def test_suppress_threshold_is_configurable():
    assert nl.suppress(_cells([9]), min_n=5)["suppressed"].tolist() == [False]
    assert nl.suppress(_cells([10]), min_n=11)["suppressed"].tolist() == [True]


def test_suppress_does_not_modify_its_input_and_keeps_given_columns():
    cells = _cells([3, 30])
    before = cells.copy()
    out = nl.suppress(cells, values=["share"])
    pd.testing.assert_frame_equal(cells, before)
    assert math.isnan(out.loc[0, "share"])
    assert out.loc[0, "count"] == 1  # not listed in values


def test_suppress_needs_the_count_column():
    with pytest.raises(KeyError):
        nl.suppress(pd.DataFrame({"share": [0.5]}))


def test_footnote():
    assert nl.footnote() == "– minder dan 10 respondenten"
    assert nl.footnote(5) == "– minder dan 5 respondenten"


def test_percent_table():
    table = pd.DataFrame({"Werkgever": [0.76, np.nan]}, index=["a", "b"])
    assert nl.percent_table(table)["Werkgever"].tolist() == ["76%", "–"]


# --------------------------------------------------------------------------- words for counts and shares


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "geen"), (1, "één"), (2, "twee"), (7, "zeven"), (12, "twaalf"), (13, "13"), (1500, "1.500")]
)
def test_count_words(n, expected):
    assert nl.count_words(n) == expected


def test_count_words_rejects_a_negative_count():
    with pytest.raises(ValueError):
        nl.count_words(-1)


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        (7, 7, "alle zeven modellen"),
        (6, 7, "zes van de zeven modellen"),
        (0, 7, "geen van de zeven modellen"),
        (1, 7, "één van de zeven modellen"),
        (2, 2, "beide modellen"),
        (10, 10, "alle tien modellen"),
        (52, 60, "52 van de 60 modellen"),
        (1, 1, "één model"),
        (0, 1, "geen model"),
    ],
)
def test_of_total(k, n, expected):
    assert nl.of_total(k, n, "modellen", "model") == expected


@pytest.mark.parametrize(("k", "n"), [(8, 7), (-1, 7), (0, 0)])
def test_of_total_rejects_impossible_counts(k, n):
    with pytest.raises(ValueError):
        nl.of_total(k, n, "modellen")


def test_verb_agrees_with_the_count():
    sentence = lambda k, n: f"{nl.capitalize_first(nl.of_total(k, n, 'modellen'))} {nl.verb(k, 'voldoet', 'voldoen')}"
    assert sentence(7, 7) == "Alle zeven modellen voldoen"
    assert sentence(6, 7) == "Zes van de zeven modellen voldoen"
    assert sentence(1, 7) == "Eén van de zeven modellen voldoet"
    assert sentence(0, 7) == "Geen van de zeven modellen voldoet"


def test_capitalize_first():
    assert nl.capitalize_first("de meeste werkgevers") == "De meeste werkgevers"
    assert nl.capitalize_first("één van de vier") == "Eén van de vier"
    assert nl.capitalize_first("ongeveer een derde") == "Ongeveer een derde"
    assert nl.capitalize_first("") == ""
    for bad in ("42% van de werkgevers", "7 modellen", "-3 punten"):
        with pytest.raises(ValueError, match="does not begin with a number"):
            nl.capitalize_first(bad)


def test_join_words():
    assert nl.join_words(["werkdruk"]) == "werkdruk"
    assert nl.join_words(["werkdruk", "isolatie"]) == "werkdruk en isolatie"
    assert nl.join_words(["a", "b", "c"], "of") == "a, b of c"
    with pytest.raises(ValueError):
        nl.join_words([])


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.333, "ongeveer een derde"),
        (0.35, "ongeveer een derde"),
        (0.30, "bijna een derde"),
        (0.28, "ruim een kwart"),
        (0.25, "ongeveer een kwart"),
        (0.5, "ongeveer de helft"),
        (0.52, "ongeveer de helft"),  # within the tolerance, in spite of 0.52 - 0.5 > 0.02 in floats
        (0.57, "ruim de helft"),
        (0.66, "ongeveer twee derde"),
        (0.74, "ongeveer driekwart"),
        (0.19, "ongeveer een vijfde"),
        (0.02, "minder dan een tiende"),
        (0.97, "meer dan negen tiende"),
    ],
)
def test_fraction_phrase(share, expected):
    assert nl.fraction_phrase(share) == expected


@pytest.mark.parametrize("bad", [1.2, -0.1, math.nan, None])
def test_fraction_phrase_rejects_non_shares(bad):
    with pytest.raises(ValueError):
        nl.fraction_phrase(bad)


@pytest.mark.parametrize(
    ("share", "with_noun", "without_noun", "plural"),
    [
        (1.0, "alle werkgevers", "allen", True),
        (0.95, "bijna alle werkgevers", "bijna allen", True),
        (0.7, "de meeste werkgevers", "de meesten", True),
        (0.5, "ongeveer de helft van de werkgevers", "ongeveer de helft", False),
        (0.26, "ongeveer een kwart van de werkgevers", "ongeveer een kwart", False),
        (0.04, "bijna geen werkgevers", "bijna niemand", True),
    ],
)
def test_share_phrase(share, with_noun, without_noun, plural):
    assert nl.share_phrase(share, "werkgevers") == (with_noun, plural)
    assert nl.share_phrase(share)[0] == without_noun


# --------------------------------------------------------------------------- glossary


def test_glossary_covers_every_variable_the_builders_make():
    """Every pm.* variable name in builders.py has a Dutch name, a meaning and no English in its name."""
    import inspect
    import re as _re

    from thuiswerk.modelling import builders

    names = set(_re.findall(r'pm\.\w+\(\s*"(\w+)"', inspect.getsource(builders)))
    names -= {"y"}  # the observed data, not a parameter
    assert names, "no variables found in builders.py"
    missing = names - set(nl.PARAMETER_NL)
    assert not missing, f"no Dutch name for {sorted(missing)}"
    for name, (_symbol, dutch, meaning) in nl.PARAMETER_NL.items():
        assert dutch and meaning, name
        assert dutch != name and "_" not in dutch, name
        assert not _re.search(r"\b(slope|mean|spread|cut|gap|loss|sigma|rho)\b", dutch), name


def test_every_model_and_prior_has_a_dutch_name():
    from thuiswerk.modelling import specs

    assert set(nl.MODEL_NL) == set(specs.SPECS) | {"population"}  # the population model has no spec
    assert len(set(nl.MODEL_NL.values())) == len(nl.MODEL_NL)  # one name per model
    for spec in specs.SPECS.values():
        assert set(spec.priors) <= set(nl.PRIOR_NL), spec.name
        assert nl.model_nl(spec.name) == nl.MODEL_NL[spec.name]
    with pytest.raises(KeyError):
        nl.model_nl("no_such_model")
    # inside a sentence a model's name starts in lower case, the rest as written
    first, second = nl.MODEL_NL["workload"], nl.MODEL_NL["isolation"]
    assert nl.model_nl("workload", mid_sentence=True) == first[0].lower() + first[1:] != first
    assert (
        nl.models_nl(["workload", "isolation"]) == f"{first[0].lower()}{first[1:]} en {second[0].lower()}{second[1:]}"
    )
    with pytest.raises(KeyError):
        nl.parameter_nl("no_such_variable")
    assert nl.parameter_nl("sigma_total") == "totale standaardafwijking"


# --------------------------------------------------------------------------- appendix tables in Dutch


def test_parameter_names_in_the_appendix_tables_are_dutch():
    from thuiswerk.modelling import prepare

    assert prepare.parameter_name("beta[age_10]") == "Helling van een covariaat: Leeftijd (per 10 jaar, t.o.v. 45)"
    assert prepare.parameter_name("slope_mean[knows_working_hours|leidinggevende]") == (
        "Gemiddelde helling: Kent afspraken over werktijden (leidinggevenden)"
    )
    assert prepare.parameter_name("information_loss[niet_leidinggevende]") == "Informatieverlies: niet-leidinggevenden"
    assert prepare.parameter_name("loss_gap") == "Verschil in informatieverlies"
    assert prepare.parameter_name("mu[leidinggevende, ja]") == (
        "Gemiddelde logit van kennis: leidinggevenden, werkgever noemt de maatregel"
    )
    assert prepare.parameter_name("slope[complaint_back, home_share|niet_leidinggevende]").startswith(
        "Helling per uitkomst: Rugklachten, Thuiswerkpercentage"
    )
    with pytest.raises(KeyError):
        prepare.parameter_name("no_such_parameter[x]")


def test_parameter_table_uses_the_reports_90_interval_not_arviz_89():
    from thuiswerk.modelling import diagnostics
    from thuiswerk.reporting import tables

    rng = np.random.default_rng(0)
    post = xr.Dataset(
        {"loss_gap": (("chain", "draw"), rng.normal(0.08, 0.01, (4, 500)))},
        coords={"chain": range(4), "draw": range(500)},
    )
    table = diagnostics.parameter_table(xr.DataTree.from_dict({"posterior": post}))
    assert {"eti90_lb", "eti90_ub"} <= set(table.columns)
    assert table.loc["loss_gap", "mean"] != round(table.loc["loss_gap", "mean"], 2)  # not rounded by ArviZ
    shown = tables.parameter_table_nl(table, "awareness")
    assert list(shown.columns[:2]) == ["Model", "Parameter"]
    assert "90%-interval" in shown.columns and not any("89" in c for c in shown.columns)
    assert shown["Model"].iloc[0] == "Kennis van maatregelen"


def test_prior_checks_sentence_counts_in_words():
    from thuiswerk.reporting import summaries

    table = pd.DataFrame()
    table.attrs["prior_inside"] = (6, 6)
    assert (
        summaries.prior_checks_sentence(table)
        == "Alle zes waargenomen waarden liggen binnen het 90%-interval van de prior."
    )
    table.attrs["prior_inside"] = (1, 6)
    assert summaries.prior_checks_sentence(table, "met deze priors") == (
        "Met deze priors ligt één van de zes waargenomen waarden binnen het 90%-interval van de prior."
    )


def test_glossary_and_model_tables_render_every_entry():
    from thuiswerk.reporting import tables

    glossary = tables.glossary_table()
    assert len(glossary) == len(nl.PARAMETER_NL)
    assert list(glossary.columns) == ["Symbool", "Naam", "Betekenis", "In de code"]
    models = tables.models_table()
    assert list(models["Model"]) == [nl.MODEL_NL[m] for m in models["In de code"].str.strip("`")]
    barg = tables.barg_table().to_string()
    assert "hieronder" not in barg and "90%-interval" in barg


def test_a_distribution_in_an_equation_keeps_its_arguments_apart_from_its_decimal_commas():
    text = nl.latex_distribution("Normaal", "0", nl.number(0.5, 1))
    assert text == r"\mathrm{Normaal}(0;\ 0{,}5)"
    assert "0, 0,5" not in text and text.count(";") == 1
