"""Sentences that compare rows of a table the reader sees: every exception and tie is worded (issue 29)."""

from __future__ import annotations

import math

from thuiswerk.core import nl
from thuiswerk.reporting import summaries

LABEL = str.upper


def test_informants_sentence_names_every_measure_the_employees_report_as_often_or_more():
    """Table 6.1's case: training and goals reported more often by employees than by employers."""
    employer = {"ergonomic_chair_desk": 0.29, "ergonomic_equipment": 0.39, "encourage_breaks": 0.75,
                "encourage_moving_breaks": 0.73}  # fmt: skip
    known = {
        "leidinggevende": {
            "ergonomic_chair_desk": 0.34,
            "ergonomic_equipment": 0.47,
            "encourage_breaks": 0.64,
            "encourage_moving_breaks": 0.50,
        },  # fmt: skip
        "niet_leidinggevende": {
            "ergonomic_chair_desk": 0.20,
            "ergonomic_equipment": 0.30,
            "encourage_breaks": 0.56,
            "encourage_moving_breaks": math.nan,
        },  # fmt: skip
    }
    text = summaries.informants_sentence(employer, known)
    assert "niet stelselmatig minder vaak" in text  # managers: 2 of 4, not most
    assert "‘ergonomische bureaustoel en bureau’ bij leidinggevenden (34% tegen 29% van de werkgevers)" in text
    assert "(47% tegen 39% van de werkgevers)" in text
    assert text.count("van de werkgevers)") == 2  # the non-managers have no exception; a blank cell is no row
    everywhere = summaries.informants_sentence(employer, {"leidinggevende": {m: v - 0.1 for m, v in employer.items()}})
    assert "bij elke maatregel" in everywhere and "uitzondering" not in everywhere.lower()
    most = {"leidinggevende": {**{m: v - 0.1 for m, v in employer.items()}, "encourage_breaks": 0.80}}
    assert "bij de meeste maatregelen" in summaries.informants_sentence(employer, most)


def test_a_tie_as_the_table_shows_it_is_worded_as_a_tie():
    """Three measures at 42% after rounding: none of them is 'the best known' alone."""
    not_known = {"a": 0.4231, "b": 0.4249, "c": 0.4176, "d": 0.55}
    names, tied = summaries.ranked(not_known, LABEL, largest=False)
    assert tied == ["a", "b", "c"] and names == "‘A’, ‘B’ en ‘C’"
    assert summaries.ranked(not_known, LABEL) == ("‘D’", ["d"])
    assert summaries.ranked({"a": math.nan}, LABEL) == (nl.MARKER, [])


def test_leading_takes_whole_tie_groups():
    assert summaries.leading({"a": 0.9, "b": 0.8, "c": 0.7}, LABEL) == "‘A’ en ‘B’"
    assert summaries.leading({"a": 0.9, "b": 0.8, "c": 0.801, "d": 0.5}, LABEL) == "‘A’, ‘B’ en ‘C’"
    assert summaries.leading({"a": 0.9, "b": 0.9, "c": 0.9}, LABEL) == "‘A’, ‘B’ en ‘C’"


def test_the_reading_guide_is_worked_on_the_rows_own_numbers():
    import numpy as np
    import pandas as pd

    from thuiswerk.analysis import wording

    row = pd.Series({"id": "werkdruk_moeite_leidinggeven", "mean": np.log(1.4), "q05": np.log(1.2),
                     "q95": np.log(1.65), "p_expected_direction": 0.996, "wording": nl.EVIDENCE_CLEAR})  # fmt: skip
    text = wording.reading_guide(row)
    assert "odds ratio van 1,40" in text and "(1,20 tot 1,65)" in text and "(meer dan 99%)" in text
    assert f"‘{nl.EVIDENCE_CLEAR}’" in text and "bij leidinggevenden" in text
    no_number = wording.reading_guide(pd.Series({**row, "wording": nl.NOT_ESTIMABLE}))  # a survey without it
    assert no_number and "Een voorbeeld" not in no_number and "1,40" not in no_number


def test_findings_of_one_exposure_and_role_are_worded_in_one_sentence_grouped_by_word():
    """Chapter 5.8: four sentences in a row opening 'Bij leidinggevenden hangt moeite met ...' become one."""
    import pandas as pd
    import pytest

    from thuiswerk.analysis import estimands, wording

    ids = ["werkdruk_moeite_leidinggeven", "werk_thuis_moeite_leidinggeven", "telepressure_moeite_leidinggeven",
           "afstand_nemen_moeite_leidinggeven"]  # fmt: skip
    words = [nl.EVIDENCE_CLEAR, nl.EVIDENCE_CLEAR, "aanwijzing", nl.EVIDENCE_CLEAR]
    table = pd.DataFrame({"wording": words}, index=ids)
    text = wording.grouped_sentence(table, ids)
    subject = estimands.BY_ID[ids[0]].subject
    assert text.startswith(f"Bij leidinggevenden hangt {subject} duidelijk samen met meer ")
    assert text.count(subject) == 2 and text.count("Bij leidinggevenden") == 1 and text.endswith(".")
    relation = estimands.BY_ID[ids[2]].relation
    assert f"aanwijzing dat {subject} samenhangt met meer {relation}" in text
    with pytest.raises(ValueError, match="one exposure"):
        wording.grouped_sentence(table.assign(wording=nl.EVIDENCE_CLEAR).rename(index={ids[3]: "rug_uitputting_lg"}),
                                 [*ids[:3], "rug_uitputting_lg"])  # fmt: skip


def test_a_series_of_findings_is_one_sentence_of_verdicts_strongest_first():
    """Chapter 7: four sentences in a row with the same parenthesis of numbers become one sentence of verdicts,
    taken from the table's wording column, the numbers left to the table the chapter cites."""
    import pandas as pd

    from thuiswerk.analysis import estimands, wording

    ids = ["werkdruk_werkgever_werktijden", "isolatie_werkgever_sociale_momenten", "isolatie_bedrijf_gesprekken_nlg",
           "kans_kennis_min_melding_ergonomisch"]  # fmt: skip
    table = pd.DataFrame({"wording": [nl.EVIDENCE_NONE, nl.EVIDENCE_CLEAR, nl.EVIDENCE_NONE, "aanwijzing"]}, index=ids)
    text = wording.verdicts_sentence(table, ids, "deze verbanden")
    assert text.startswith(f"Het oordeel over deze verbanden luidt ‘{nl.EVIDENCE_CLEAR}’ bij ")
    assert text.index("‘aanwijzing’") < text.index(f"‘{nl.EVIDENCE_NONE}’")  # strongest first
    e = estimands.BY_ID[ids[0]]
    assert f"{e.subject} met {e.relation}" in text
    assert "(niet-leidinggevenden)" in text and "ergonomische maatregelen met KANS-klachten" in text
    assert not any(ch.isdigit() for ch in text)  # the numbers stay in the table
    flipped = wording.verdicts_sentence(table.assign(wording=nl.EVIDENCE_NONE), ids, "deze verbanden")
    assert flipped.count("‘") == 1 and nl.EVIDENCE_CLEAR not in flipped.replace(nl.EVIDENCE_NONE, "")
