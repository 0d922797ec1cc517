"""Dutch number formats, the evidence rule, labels and disclosure control."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from thuiswerk import codebook, nl

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
        (0.02, "geen duidelijk verband"),
        (0.0, "geen duidelijk verband"),
    ],
)
def test_evidence_rule(p, expected):
    assert nl.evidence(p) == expected


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
