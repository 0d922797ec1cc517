"""Questionnaire respondents against non-respondents (chapter 4): the comparison finds a
difference that is there, not one that is not, blanks small groups and is reproducible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thuiswerk.analysis import nonresponse
from thuiswerk.core import nl
from thuiswerk.data import simulate


@pytest.fixture(scope="module")
def employees() -> pd.DataFrame:
    return simulate.simulate(n_establishments=400, seed=8).employees


def _respond_by_home_share(employees: pd.DataFrame) -> pd.DataFrame:
    """Non-response that depends on the home-office share: the ones most at home did not respond."""
    out = employees.copy()
    cut = out.groupby("role")["home_share"].transform(lambda s: s.quantile(0.8))
    out["questionnaire_completed"] = (out["home_share"] < cut).astype(int)
    return out


def test_one_row_per_characteristic_and_role_reproducible(employees):
    a = nonresponse.compare(employees, seed=1)
    assert len(a) == 2 * len(nonresponse.CHARACTERISTICS)
    assert not a["suppressed"].any()
    pd.testing.assert_frame_equal(a, nonresponse.compare(employees, seed=1))
    assert not a.equals(nonresponse.compare(employees, seed=2))  # the seed is used
    shown = a[~a["suppressed"]]
    assert ((shown["lo"] <= shown["difference"]) & (shown["difference"] <= shown["hi"])).all()
    # the difference is that of the group means
    assert np.allclose(
        shown["difference"],
        shown["respondents"] - shown["nonrespondents"],
        atol=0.05 * shown["hi"].sub(shown["lo"]).max(),
    )


def test_a_selective_non_response_is_found_with_its_sign(employees):
    table = nonresponse.compare(_respond_by_home_share(employees), seed=1)
    found = nonresponse.clear(table)
    home = found[found["characteristic"] == "home_share"]
    assert set(home["role"]) == {"leidinggevende", "niet_leidinggevende"}
    assert (home["difference"] < 0).all() and (home["p_positive"] < 0.01).all()
    text = nonresponse.sentence(table)
    assert "verschillen duidelijk" in text and "thuiswerkpercentage (" in text and "respondenten minder" in text


def test_no_difference_is_said_when_response_is_at_random(employees):
    rng = np.random.default_rng(0)
    random = employees.assign(questionnaire_completed=(rng.random(len(employees)) < 0.8).astype(int))
    table = nonresponse.compare(random, seed=3)
    assert len(nonresponse.clear(table)) <= 2  # of 16 comparisons; about 0.8 expected by chance
    home = table[table["characteristic"] == "home_share"]
    assert (home["p_positive"].between(1 - nl.EVIDENCE_CLEAR_THRESHOLD, nl.EVIDENCE_CLEAR_THRESHOLD)).all()


def test_small_groups_are_blanked_whole_and_absent_columns_left_out(employees):
    few = employees.copy()
    managers = few.index[few["role"] == "leidinggevende"]
    few["questionnaire_completed"] = 1
    few.loc[managers[: nl.MIN_CELL - 1], "questionnaire_completed"] = 0  # nine manager non-respondents
    table = nonresponse.compare(few.drop(columns=["age"]), seed=1)
    assert "age" not in set(table["characteristic"])
    blank = table[table["role"] == "leidinggevende"]
    assert blank["suppressed"].all() and blank[["respondents", "nonrespondents", "difference"]].isna().all().all()
    shown = nonresponse.table_nl(table)
    assert (shown.loc[blank.index, "Respondenten"] == nl.MARKER).all()
    assert (shown.loc[blank.index, "Aantal (resp. / niet-resp.)"].str.endswith(f"/ {nl.MIN_CELL - 1}")).all()
    # the other role has no non-respondents at all: blanked too, and the sentence says nothing can be compared
    assert table["suppressed"].all()
    assert "niet na te gaan" in nonresponse.sentence(table)


def test_an_interval_apart_from_zero_without_a_clear_difference_is_named(employees):
    """Table 4.1's case: -1,0 (-2,0 to -0,1) under 'no clear difference'; the sentence names the row."""
    table = nonresponse.compare(employees, seed=1)
    table["suppressed"] = False
    table["p_positive"] = 0.5
    table["lo"], table["hi"] = -1.0, 1.0
    assert "aanwijzing" not in nonresponse.sentence(table)
    first = table.index[0]
    table.loc[first, ["difference", "lo", "hi", "p_positive"]] = [-1.0, -2.0, -0.1, 0.04]  # not 'duidelijk'
    text = nonresponse.sentence(table)
    label = table.loc[first, "label"]
    assert "verschillen respondenten en niet-respondenten duidelijk" in text
    assert f"{label[:1].lower() + label[1:]} (" in text and "aanwijzing" in text and "respondenten minder" in text
