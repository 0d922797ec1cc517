"""National reference values (data/references.yaml, thuiswerk.data.references)."""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from thuiswerk.core import nl
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.data import references as R

YAML = REPO_ROOT / "data" / "references.yaml"

#: The values as the source report states them (value, unit, footnote(s), BibTeX key).
SEED = {
    "nea_kans": (0.42, "share", (18, 19), "nea2022"),
    "nea_schouders": (0.32, "share", (19,), "nea2022"),
    "nea_nek": (0.30, "share", (19,), "nea2022"),
    "nea_arm": (0.28, "share", (19,), "nea2022"),
    "bat_uitputting_zeer_hoog": (4.0, "score", (23,), "bat2020"),
    "nea_overuren": (3.4, "hours", (24,), "hooftman2017"),
    "aib_rie": (0.50, "share", (45,), "aib2021"),
    "aib_rie_minder_dan_10": (0.41, "share", (45,), "aib2021"),
    "aib_rie_10_tot_100": (0.73, "share", (45,), "aib2021"),
    "aib_rie_100_of_meer": (0.93, "share", (45,), "aib2021"),
    "aib_verwachte_verandering": (0.67, "share", (), "aib2021"),
    "kim_meer_thuiswerken": (0.44, "share", (4,), "kim2022"),
    "bron_ergonomen": (0.25, "share", (), "arbeidsinspectie2023"),
    "bron_checklist": (0.20, "share", (), "arbeidsinspectie2023"),
}


def _document() -> dict:
    return yaml.safe_load(YAML.read_text(encoding="utf-8"))


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "references.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the shipped file


def test_shipped_file_holds_the_source_reports_values():
    refs = R.load()
    assert list(refs) == list(SEED)
    for key, (value, unit, footnote, citation) in SEED.items():
        ref = refs[key]
        assert ref.value == pytest.approx(value), key
        assert (ref.unit, ref.footnote, ref.citation) == (unit, footnote, citation), key
        assert ref.source and ref.label_nl and ref.year


def test_reference_records_are_frozen():
    ref = R.get("nea_kans")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.value = 0.5  # type: ignore[misc]


def test_rie_by_size_class_is_ordered_like_the_national_survey():
    refs = R.load()
    small, medium, large = (
        refs[k].value for k in ("aib_rie_minder_dan_10", "aib_rie_10_tot_100", "aib_rie_100_of_meer")
    )
    assert small < refs["aib_rie"].value < medium < large


def test_file_ships_in_the_wheel_like_the_codebook():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["data/references.yaml"] == "thuiswerk/resources/data/references.yaml"  # as in the repository


def test_citation_keys_are_in_the_bibliography_when_it_exists():
    bib = REPO_ROOT / "report" / "references.bib"
    if not bib.is_file():
        pytest.skip("report/references.bib does not exist (yet)")
    keys = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib.read_text(encoding="utf-8")))
    missing = {ref.citation for ref in R.load().values()} - keys
    assert not missing, f"citation keys not in {bib.name}: {sorted(missing)}"


def test_qmd_sources_never_type_a_reference_value():
    """The national numbers come from the YAML: no .qmd writes '42 procent', '3,4 uur' and the like."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in (REPO_ROOT / "report").glob("*.qmd")}
    for ref in R.load().values():
        if ref.unit == "score":
            continue  # a bare "4" is everywhere
        typed = ref.text.replace("%", r"\s*(%|procent)") if ref.unit == "share" else re.escape(ref.text)
        for name, text in texts.items():
            prose = re.sub(r"`\{python\}[^`]*`", "", text)
            assert not re.search(rf"(?<![\d,]){typed}", prose), f"{name} types {ref.key} ({ref.text})"


def test_every_reference_is_stated_by_the_report():
    """A figure of the source report in the YAML is not lost from the book: a chapter or the code that draws
    the figures names its key (KiM's 44%, 'ongeveer een kwart' of the open answers, issue 29)."""
    texts = [p.read_text(encoding="utf-8") for p in (REPO_ROOT / "report").glob("*.qmd")]
    texts += [p.read_text(encoding="utf-8") for p in (REPO_ROOT / "models" / "thuiswerk").rglob("*.py")
              if p.name != "references.py"]  # fmt: skip
    unused = [key for key in R.load() if not any(f'"{key}"' in t or f"'{key}'" in t for t in texts)]
    assert not unused, f"in data/references.yaml but stated nowhere in the report: {unused}"


# --------------------------------------------------------------------------- formats and sentences


def test_values_are_written_the_dutch_way():
    refs = R.load()
    assert refs["nea_kans"].text == "42%"
    assert refs["nea_overuren"].text == "3,4 uur"
    assert refs["bat_uitputting_zeer_hoog"].text == "4"
    assert R.format_value(3.25, "score") == "3,3"
    assert refs["bron_ergonomen"].text == "ongeveer een kwart"  # the source report states it in words
    assert refs["bron_checklist"].text == "ongeveer een vijfde"
    assert dataclasses.replace(refs["bron_ergonomen"], value=0.33).text == "ongeveer een derde"


def test_statement_takes_the_number_from_the_yaml_and_cites_it():
    text = R.statement("nea_kans")
    assert text.startswith("Landelijk rapporteert 42% van de werknemers")
    assert text.endswith("[@nea2022].")
    assert R.statement("nea_overuren").endswith("3,4 uur per week overwerken [@hooftman2017].")
    changed = dataclasses.replace(R.get("nea_kans"), value=0.55)
    assert "55%" in R.statement(changed) and "42%" not in R.statement(changed)


def test_every_statement_is_dutch_with_a_decimal_comma():
    for ref in R.load().values():
        text = ref.statement()
        assert "{" not in text and "}" not in text
        assert not re.search(r"\d\.\d", text), text
        assert text.count("[@") == 1 and text.endswith("].")
        assert "'" not in text and '"' not in text  # typographic quotes: an inline result is a plain repr


def test_sentences_avoid_the_words_reserved_for_findings():
    """Chapters 01-07 may only state relations through the findings table."""
    reserved = re.compile(r"samen met|samenhangt|odds ratio|procentpunt|informatieverlies", re.I)
    values = pd.Series([1.0, 0.0] * 20)
    for ref in R.load().values():
        assert not reserved.search(ref.statement())
        if ref.unit == "share":
            assert not reserved.search(R.comparison_sentence("het aandeel", values, ref))


# --------------------------------------------------------------------------- comparison wording


def test_clearly_lower_share_is_worded_lower():
    values = pd.Series([1.0] * 30 + [0.0] * 70)  # 30% of 100 against 42%
    cmp = R.compare(values, "nea_kans")
    assert cmp.observed == pytest.approx(0.30) and cmp.n == 100
    assert cmp.p_lower >= nl.EVIDENCE_CLEAR_THRESHOLD
    assert cmp.word == R.WORD_LOWER
    assert R.comparison_sentence("het aandeel met klachten", values, "nea_kans") == (
        "Het aandeel met klachten (30%) is lager dan landelijk (42%) [@nea2022]."
    )


def test_small_difference_is_not_worded_as_a_difference():
    values = pd.Series([1.0] * 40 + [0.0] * 60)  # 40% of 100 against 42%
    assert R.compare(values, "nea_kans").word == R.WORD_SAME


def test_clearly_higher_share_is_worded_higher():
    values = pd.Series([1.0] * 88 + [0.0] * 12)
    assert R.compare(values, "aib_rie").word == R.WORD_HIGHER


def test_hours_comparison_uses_the_hours_format():
    values = pd.Series(np.r_[np.full(50, 1.0), np.full(50, 2.0)])
    cmp = R.compare(values, "nea_overuren")
    assert cmp.observed_text == "1,5 uur" and cmp.word == R.WORD_LOWER
    assert cmp.sentence("de gemiddelde overuren").endswith("lager dan landelijk (3,4 uur) [@hooftman2017].")


def test_clustering_widens_the_standard_error():
    """Whole establishments with or without complaints: far less information than 100 independent answers."""
    values = pd.Series([1.0] * 30 + [0.0] * 70)
    clusters = pd.Series(np.repeat(np.arange(10), 10))
    _, se_iid, _ = R.cluster_mean(values)
    _, se_cluster, _ = R.cluster_mean(values, clusters)
    assert se_cluster > 2 * se_iid
    assert R.compare(values, "nea_kans").word == R.WORD_LOWER
    assert R.compare(values, "nea_kans", clusters).word == R.WORD_SAME


def test_cluster_mean_matches_the_textbook_formula_without_clusters():
    values = pd.Series([1.0, 0.0, 1.0, 1.0, 0.0, np.nan])
    mean, se, n = R.cluster_mean(values)
    assert n == 5 and mean == pytest.approx(0.6)
    assert se == pytest.approx(np.std([1, 0, 1, 1, 0], ddof=1) / math.sqrt(5))


def test_fewer_than_min_cell_observations_are_not_compared():
    values = pd.Series([0.0] * (nl.MIN_CELL - 1))
    cmp = R.compare(values, "nea_kans")
    assert math.isnan(cmp.observed) and cmp.observed_text == nl.MARKER
    assert cmp.word == R.WORD_SAME


def test_pairs_text_lists_observed_and_national_values():
    values = pd.Series([1.0] * 20 + [0.0] * 80)
    items = [
        (name, R.compare(values, key))
        for name, key in (("schouders", "nea_schouders"), ("nek", "nea_nek"), ("arm", "nea_arm"))
    ]
    assert R.pairs_text(items) == "schouders 20% (landelijk 32%), nek 20% (landelijk 30%) en arm 20% (landelijk 28%)"
    assert R.pairs_text(items[:1]) == "schouders 20% (landelijk 32%)"


def test_share_at_least_a_threshold_keeps_missing_values():
    out = R.share_at_least(pd.Series([1, 3, 4, 5, None]), "bat_uitputting_zeer_hoog")
    assert out.tolist()[:4] == [0.0, 0.0, 1.0, 1.0] and math.isnan(out.iloc[4])


# --------------------------------------------------------------------------- validation


def test_load_an_explicit_path(tmp_path):
    document = _document()
    document["references"] = document["references"][:1]
    refs = R.load(_write(tmp_path, document))
    assert list(refs) == ["nea_kans"]


@pytest.mark.parametrize(
    "change, field, fragment",
    [
        (lambda e: e.pop("citation"), "citation", "missing field"),
        (lambda e: e.update(value=42), "value", "fraction in [0, 1]"),
        (lambda e: e.update(value="42%"), "value", "finite number"),
        (lambda e: e.update(unit="percent"), "unit", "one of share, hours, score"),
        (lambda e: e.update(year="2022/23"), "year", "a year"),
        (lambda e: e.update(year="2021-2019"), "year", "earlier to a later"),
        (lambda e: e.update(citation="@nea2022"), "citation", "BibTeX key"),
        (lambda e: e.update(footnote="18-19"), "footnote", "footnote number"),
        (lambda e: e.update(statement_nl="Landelijk rapporteert veel klachten"), "statement_nl", "{value}"),
        (lambda e: e.update(label_nl="Landelijk 42%"), "label_nl", "percentage"),
        (lambda e: e.update(colour="red"), "colour", "unknown field"),
        (lambda e: e.update(scale=[1, 5]), "scale", "only for unit score"),
        (lambda e: e.update(source=""), "source", "non-empty"),
        (lambda e: e.update(say_as="words"), "say_as", "one of number, fraction"),
    ],
)
def test_errors_name_the_file_the_entry_and_the_field(tmp_path, change, field, fragment):
    document = _document()
    change(document["references"][0])
    path = _write(tmp_path, document)
    with pytest.raises(R.ReferencesError) as info:
        R.load(path)
    message = str(info.value)
    assert str(path) in message
    assert "references[0] (nea_kans)" in message
    assert field in message and fragment in message
    assert isinstance(info.value, ValueError)


def test_score_needs_a_scale_and_a_value_on_it(tmp_path):
    document = _document()
    entry = next(e for e in document["references"] if e["unit"] == "score")
    entry["value"] = 6
    with pytest.raises(R.ReferencesError, match=r"field value 6.0 is outside its scale"):
        R.load(_write(tmp_path, document))
    entry["value"] = 4
    del entry["scale"]
    with pytest.raises(R.ReferencesError, match=r"field scale must be \[low, high\]"):
        R.load(_write(tmp_path, document))


def test_hours_must_fit_in_a_week(tmp_path):
    document = _document()
    entry = next(e for e in document["references"] if e["unit"] == "hours")
    entry["value"] = 340
    with pytest.raises(R.ReferencesError, match="field value 340.0 must be hours"):
        R.load(_write(tmp_path, document))


def test_duplicate_keys_are_refused(tmp_path):
    document = _document()
    document["references"].append(dict(document["references"][0]))
    with pytest.raises(R.ReferencesError, match=r"\(nea_kans\): field key duplicates"):
        R.load(_write(tmp_path, document))


def test_malformed_file_is_refused(tmp_path):
    path = tmp_path / "references.yaml"
    path.write_text("references: [\n", encoding="utf-8")
    with pytest.raises(R.ReferencesError, match="not valid YAML"):
        R.load(path)
    path.write_text("- key: x\n", encoding="utf-8")
    with pytest.raises(R.ReferencesError, match="'references' list"):
        R.load(path)


def test_an_edited_file_is_read_again(tmp_path):
    document = _document()
    path = _write(tmp_path, document)
    assert R.load(path)["nea_kans"].value == pytest.approx(0.42)
    document["references"][0]["value"] = 0.4
    document["references"][0]["statement_nl"] += " (bewerkt)"  # another size as well as another time
    _write(tmp_path, document)
    assert R.load(path)["nea_kans"].value == pytest.approx(0.4)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="references.yaml"):
        R.load(tmp_path / "references.yaml")


def test_unknown_key_lists_the_known_ones():
    with pytest.raises(KeyError, match="nea_kans"):
        R.get("nea_klachten")
