"""The figures and the source report's tables (thuiswerk.reporting.figures) on the synthetic survey."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from thuiswerk.core import codebook, nl
from thuiswerk.data.survey import load_survey  # noqa: E402
from thuiswerk.reporting.figures import bars, captions, descriptive, descriptive_tables, model_checks, registry

SYNTHETIC = Path(__file__).resolve().parents[2] / "data" / "synthetic"
LABELS = list(registry.FIGURES)
ENGLISH_DECIMAL = re.compile(r"\d\.\d{1,2}(?!\d)")  # "2.5", "0.12"; not "1.234"


@pytest.fixture(scope="module")
def survey():
    s = load_survey(SYNTHETIC)
    return s.establishments, s.employees


def _texts(fig: Figure) -> list[str]:
    """Every visible string of the figure (titles, labels, ticks, legends, annotations)."""
    fig.draw_without_rendering()
    out = []
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def _has_data(ax) -> bool:
    bars = [p for p in ax.patches if p.get_width() > 0 and p.get_height() > 0]
    lines = [line for line in ax.lines if len(line.get_xdata()) > 0]
    return bool(bars or lines or ax.collections)


def _check_dutch_axes(fig: Figure) -> None:
    assert fig.axes, "figure without axes"
    for ax in fig.axes:
        labels = [ax.get_title(loc="left"), ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        assert any(label.strip() for label in labels), "axes without title or axis label"
        assert _has_data(ax), "empty axes"
    for text in _texts(fig):
        assert "_" not in text, f"raw identifier in the figure: {text!r}"
        assert not ENGLISH_DECIMAL.search(text), f"decimal point instead of comma: {text!r}"
        assert "nan" not in text.lower().split(), f"NaN shown: {text!r}"


# --------------------------------------------------------------------------- registry and captions


def test_registry_covers_figures_1_to_17_in_order():
    assert [spec.number for spec in registry.FIGURES.values()] == list(range(1, 18))


def test_captions_labels_unique_and_quarto_style():
    labels = list(captions.CAPTIONS)
    assert len(labels) == len(set(labels)) == 18
    assert all(re.fullmatch(r"(fig|tbl)-[a-z0-9-]+", label) for label in labels)
    assert set(labels) == set(registry.FIGURES) | {"tbl-maatregelen"}
    assert labels == [*registry.FIGURES, "tbl-maatregelen"]  # the source report's order: its Figure k is the k-th
    texts = [c for c, _ in captions.CAPTIONS.values()]
    assert len(set(texts)) == len(texts), "two figures share a caption"


@pytest.mark.parametrize("label", list(captions.CAPTIONS))
def test_caption_and_alt_text_are_dutch(label):
    caption, alt = captions.CAPTIONS[label]
    assert len(caption) > 30 and len(alt) > 30
    dutch = {"de", "het", "een", "van", "en", "met", "per", "voor"}
    assert dutch & set(caption.lower().split()) and dutch & set(alt.lower().split())


# --------------------------------------------------------------------------- every figure


@pytest.mark.parametrize("label", LABELS)
def test_data_frame_is_tidy_and_suppression_marked(survey, label):
    est, emp = survey
    spec = registry.FIGURES[label]
    data = spec.data(est, emp)
    assert {"group_code", "group", "category_code", "category", "n", "suppressed"} <= set(data.columns)
    value = "share" if "share" in data.columns else "mean"
    assert len(data) > 0 and data["n"].ge(0).all()
    assert data["suppressed"].dtype == bool and data["secondary"].dtype == bool
    primary = data["suppressed"] & ~data["secondary"]
    assert (primary == (data["n"] < nl.MIN_CELL)).all()  # the threshold rule
    assert not (data["secondary"] & ~data["suppressed"]).any()  # a complementary blank is a blank
    shown = data.loc[~data["suppressed"], value]
    assert shown.notna().all()
    if value == "share":
        assert shown.between(0, 1).all()
        np.testing.assert_allclose(data.loc[~data["suppressed"], "count"] / data.loc[~data["suppressed"], "n"], shown)
    else:
        assert shown.between(1, 5).all()


@pytest.mark.parametrize("label", LABELS)
def test_data_functions_are_pure(survey, label):
    est, emp = survey
    est0, emp0 = est.copy(), emp.copy()
    spec = registry.FIGURES[label]
    first = spec.data(est, emp)
    pd.testing.assert_frame_equal(est, est0)
    pd.testing.assert_frame_equal(emp, emp0)
    pd.testing.assert_frame_equal(first, spec.data(est, emp))


@pytest.mark.parametrize("label", LABELS)
def test_figure_runs_on_synthetic_data(survey, label):
    est, emp = survey
    fig = registry.figure(label, est, emp)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    _check_dutch_axes(fig)


@pytest.mark.parametrize("label", LABELS)
def test_figure_draws_into_a_given_axes(survey, label):
    est, emp = survey
    spec = registry.FIGURES[label]
    fig = Figure(figsize=(12, 5))
    left, right = fig.subplots(1, 2)
    returned = spec.plot(spec.data(est, emp), ax=right)
    assert returned is fig
    assert _has_data(right)
    assert not _has_data(left) and not left.texts  # nothing drawn elsewhere
    assert right.get_title(loc="left")


@pytest.mark.parametrize("label", LABELS)
def test_percentage_axes_run_from_0_to_100_percent(survey, label):
    est, emp = survey
    spec = registry.FIGURES[label]
    data = spec.data(est, emp)
    fig = spec.plot(data)
    fig.draw_without_rendering()
    ax = fig.axes[0]
    if "share" in data.columns:
        vertical = ax.get_ylim() == (0.0, 1.0)
        assert vertical or ax.get_xlim() == (0.0, 1.0)
        axis = ax.yaxis if vertical else ax.xaxis
        ticks = [
            t.get_text() for t in axis.get_ticklabels() if -1e-9 <= t.get_position()[1 if vertical else 0] <= 1 + 1e-9
        ]
        assert ticks[0] == "0%" and ticks[-1] == "100%"
        assert all(re.fullmatch(r"\d{1,3}%", t) for t in ticks)
    else:
        ticks = [t.get_text() for t in ax.get_xticklabels() if 1 <= t.get_position()[0] <= 5]
        assert ticks == ["1", "2", "3", "4", "5"]


# --------------------------------------------------------------------------- suppression in figures


def _few_managers(emp: pd.DataFrame, n_managers: int, n_others: int) -> pd.DataFrame:
    managers = emp[emp["role"] == "leidinggevende"].head(n_managers)
    others = emp[emp["role"] == "niet_leidinggevende"].head(n_others)
    return pd.concat([managers, others], ignore_index=True)


def test_cell_of_nine_respondents_is_suppressed_in_a_figure(survey):
    est, emp = survey
    data = descriptive.workspace_data(est, _few_managers(emp, 9, 10))
    by_role = data.set_index("group_code")
    assert by_role.loc["leidinggevende", "n"] == 9
    assert by_role.loc["leidinggevende", "suppressed"] and not by_role.loc["leidinggevende", "secondary"]
    assert np.isnan(by_role.loc["leidinggevende", "share"])
    assert np.isnan(by_role.loc["leidinggevende", "count"])
    # the share over both roles is in the text: the other role would give the managers away,
    # so it is blanked too (complementary suppression)
    assert by_role.loc["niet_leidinggevende", "n"] == 10
    assert by_role.loc["niet_leidinggevende", "suppressed"] and by_role.loc["niet_leidinggevende", "secondary"]
    assert np.isnan(by_role.loc["niet_leidinggevende", "share"])

    fig = descriptive.plot_workspace(data)
    texts = _texts(fig)
    assert texts.count("–") == 2  # the marker replaces both percentages
    assert any("minder dan 10 respondenten, of af te leiden uit de overige cijfers" in t for t in texts)
    assert not any(re.search(r"n = (9|10)\b", t) for t in texts)  # the n of a blank is not printed either
    assert not [p for p in fig.axes[0].patches if p.get_width() > 0]  # no bar for a blanked cell


def test_roles_with_ten_and_more_are_both_shown(survey):
    est, emp = survey
    data = descriptive.workspace_data(est, _few_managers(emp, 10, 11))
    assert not data["suppressed"].any()
    texts = _texts(descriptive.plot_workspace(data))
    assert any("n = 10" in t for t in texts) and any("n = 11" in t for t in texts)


def test_cell_of_ten_respondents_is_shown(survey):
    est, emp = survey
    data = descriptive.workspace_data(est, _few_managers(emp, 10, 10))
    assert not data["suppressed"].any()
    fig = descriptive.plot_workspace(data)
    assert not any("minder dan" in t for t in _texts(fig))


def test_suppression_threshold_is_an_argument(survey):
    est, emp = survey
    small = _few_managers(emp, 9, 10)
    assert not descriptive.workspace_data(est, small, min_n=5)["suppressed"].any()
    assert descriptive.workspace_data(est, small, min_n=11)["suppressed"].all()


@pytest.mark.parametrize("label", LABELS)
def test_every_figure_survives_suppressed_cells(survey, label):
    est, emp = survey
    spec = registry.FIGURES[label]
    data = spec.data(est.head(8), _few_managers(emp, 4, 4))  # every cell below 10 (also both roles together)
    assert data["suppressed"].all()
    value = "share" if "share" in data.columns else "mean"
    assert data[value].isna().all()
    fig = spec.plot(data)
    assert any("minder dan 10 respondenten" in t for t in _texts(fig))


# --------------------------------------------------------------------------- specific figures


def test_homeworking_shares_match_the_establishments(survey):
    est, emp = survey
    data = descriptive.homeworking_data(est, emp)
    pre = data[data["group_code"] == "voor_pandemie"].set_index("category_code")["share"]
    assert pre.sum() == pytest.approx(1.0)
    assert pre["structureel"] == pytest.approx((est["prepandemic_homeworking"] == "structureel").mean())
    planned = data[data["group_code"] == "voornemen"]
    assert planned["share"].sum() == pytest.approx(1.0)


def test_furniture_categories_are_cumulative(survey):
    est, emp = survey
    data = descriptive.furniture_financed_data(est, emp).set_index(["group_code", "category_code"])["share"]
    offered = est["furniture_offered"]
    assert data["werkgever", "hoogte_verstelbaar"] == pytest.approx(
        offered.isin(["hoogte_verstelbaar", "zit_sta"]).mean()
    )
    assert data["werkgever", "zit_sta"] == pytest.approx((offered == "zit_sta").mean())
    for role in codebook.ROLES:
        assert data[role, "hoogte_verstelbaar"] >= data[role, "zit_sta"]


def test_workload_means_match_the_questionnaire(survey):
    est, emp = survey
    data = descriptive.workload_data(est, emp).set_index(["group_code", "category_code"])
    managers = emp[emp["role"] == "leidinggevende"]["exhaustion"].dropna().astype(float)
    assert data.loc[("leidinggevende", "exhaustion"), "mean"] == pytest.approx(managers.mean())
    assert data.loc[("leidinggevende", "exhaustion"), "n"] == len(managers)


def test_stacked_shares_sum_to_one(survey):
    est, emp = survey
    for func in (descriptive.rie_data, descriptive.representation_data, descriptive.workload_change_data):
        data = func(est, emp)
        sums = data.groupby("group_code")["share"].sum()
        np.testing.assert_allclose(sums, 1.0)


# --------------------------------------------------------------------------- Table 1


def test_table1_shape_and_labels(survey):
    est, emp = survey
    table = descriptive_tables.table1(est, emp)
    assert table.shape == (15, 3)
    assert list(table.columns) == ["Werkgever", "Leidinggevende", "Niet-leidinggevende"]
    assert list(table.index) == list(codebook.load().measures.values())
    assert table.index.name == "Maatregel"
    assert table.stack().between(0, 1).all()
    assert table.attrs["n"].shape == (15, 3)


def test_table1_employer_column_is_share_of_employers_reporting_the_measure(survey):
    est, emp = survey
    table = descriptive_tables.table1(est, emp)
    cb = codebook.load()
    for m, text in cb.measures.items():
        column = est[f"employer_{m}"].dropna().astype(int)
        expected = float((column == 1).sum()) / len(column)
        assert table.loc[text, "Werkgever"] == pytest.approx(expected, abs=1e-12)


def test_table1_employee_columns_are_shares_by_role(survey):
    est, emp = survey
    table = descriptive_tables.table1(est, emp)
    cb = codebook.load()
    for m, text in cb.measures.items():
        for role, column in (("leidinggevende", "Leidinggevende"), ("niet_leidinggevende", "Niet-leidinggevende")):
            values = emp.loc[emp["role"] == role, f"knows_{m}"].dropna().astype(int)
            assert table.loc[text, column] == pytest.approx(values.mean(), abs=1e-12)


def test_table1_suppresses_small_columns(survey):
    est, emp = survey
    table = descriptive_tables.table1(est, _few_managers(emp, 9, 12))
    assert table["Leidinggevende"].isna().all()
    assert table.attrs["suppressed"]["Leidinggevende"].all()
    assert not table.attrs["secondary"]["Leidinggevende"].any()
    # the non-managers' share would give the managers' away next to the share over both roles
    assert table["Niet-leidinggevende"].isna().all()
    assert table.attrs["secondary"]["Niet-leidinggevende"].all()
    assert table["Werkgever"].notna().all()  # another population: not a sibling of the roles
    assert (nl.percent_table(table)["Leidinggevende"] == "–").all()


def test_predictive_check_figures_use_dutch_percent_ticks():
    import pandas as pd

    table = pd.DataFrame(
        {"observed": [0.2, 0.5], "predicted": [0.25, 0.45], "lo": [0.1, 0.4], "hi": [0.3, 0.6], "inside": [True, True]},
        index=pd.Index(["conversations", "social_moments"], name="measure"),
    )
    fig = model_checks.plot_predictive_check(table, "Aandeel dat de maatregel kent")
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(t.endswith("%") for t in ticks)
    assert any(t.get_text().startswith("Gesprekken") for t in ax.get_yticklabels())
    cats = pd.DataFrame(
        {
            "aspect": ["isolation_colleagues"] * 2,
            "category": [1, 2],
            "observed": [0.6, 0.4],
            "predicted": [0.55, 0.45],
            "lo": [0.5, 0.35],
            "hi": [0.65, 0.5],
        }
    ).set_index(["aspect", "category"])
    fig = model_checks.plot_category_check(cats)
    assert fig.axes[0].get_title() == "Isolatie van collega's" and fig.axes[0].get_ylabel()


# --------------------------------------------------------------------------- national reference values


def _reference_lines(fig: Figure) -> dict[str, list]:
    """Reference artists by key (gid "reference:<key>"): dashed lines, hatched bars, value labels."""
    out: dict[str, list] = {}
    for ax in fig.axes:
        for artist in [*ax.lines, *ax.patches, *ax.texts]:
            gid = artist.get_gid() or ""
            if gid.startswith(bars.REFERENCE_GID):
                out.setdefault(gid[len(bars.REFERENCE_GID) :], []).append(artist)
    return out


def _legend_texts(fig: Figure) -> list[str]:
    legend = fig.axes[0].get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


def _category_position(fig: Figure, label_start: str) -> int:
    ticks = fig.axes[0].get_yticklabels()
    hits = [i for i, t in enumerate(ticks) if t.get_text().replace("\n", " ").startswith(label_start)]
    assert len(hits) == 1, [t.get_text() for t in ticks]
    return int(round(ticks[hits[0]].get_position()[1]))


@pytest.mark.parametrize(
    "label, key, category",
    [
        ("fig-klachten", "nea_kans", "Minstens één KANS-klacht"),
        ("fig-klachten-lichaamsdeel", "nea_schouders", "Schouderklachten"),
        ("fig-klachten-lichaamsdeel", "nea_nek", "Nekklachten"),
        ("fig-klachten-lichaamsdeel", "nea_arm", "Klachten aan arm"),
        ("fig-werkdruk", "bat_uitputting_zeer_hoog", "Uitputting"),
        ("fig-verwachting", "aib_verwachte_verandering", "Ja, de werkgever"),
    ],
)
def test_reference_line_is_drawn_at_the_yaml_value_on_its_category(survey, label, key, category):
    from thuiswerk.data import references

    est, emp = survey
    ref = references.get(key)
    fig = registry.figure(label, est, emp)
    lines = [a for a in _reference_lines(fig)[key] if hasattr(a, "get_xdata")]
    assert len(lines) == 1
    xs, ys = lines[0].get_xdata(), lines[0].get_ydata()
    assert list(xs) == [ref.value, ref.value]  # vertical, at the national value
    assert lines[0].get_linestyle() == "--"  # dashed, unlike every data line
    pos = _category_position(fig, category)
    assert min(ys) < pos < max(ys)  # across its own category only
    assert max(ys) - min(ys) < 1
    assert ref.label_nl in _legend_texts(fig)


def test_back_complaints_get_no_reference_line(survey):
    est, emp = survey
    fig = registry.figure("fig-klachten-lichaamsdeel", est, emp)
    assert set(_reference_lines(fig)) == {"nea_schouders", "nea_nek", "nea_arm"}
    assert _legend_texts(fig).count("Landelijk (NEA 2022)") == 1  # one legend entry for the three lines


def test_reference_line_follows_the_value_it_is_given(survey):
    """The line is drawn where the reference says, not at a number written in the plotting code."""
    import dataclasses

    from thuiswerk.data import references

    est, emp = survey
    moved = dataclasses.replace(references.get("nea_kans"), value=0.61, label_nl="Landelijk (test)")
    fig = registry.figure("fig-klachten", est, emp, references={"nea_kans": moved})
    line = [a for a in _reference_lines(fig)["nea_kans"] if hasattr(a, "get_xdata")][0]
    assert list(line.get_xdata()) == [0.61, 0.61]
    assert "Landelijk (test)" in _legend_texts(fig)
    assert "61%" in _texts(fig)


@pytest.mark.parametrize("label", [label for label, spec in registry.FIGURES.items() if spec.references])
def test_no_reference_is_drawn_when_none_is_given(survey, label):
    est, emp = survey
    assert not _reference_lines(registry.figure(label, est, emp, references={}))
    spec = registry.FIGURES[label]
    assert not _reference_lines(spec.plot(spec.data(est, emp)))  # plot functions draw none by default


def test_rie_figure_has_a_national_column_per_size_class_at_the_yaml_value(survey):
    from thuiswerk.data import references

    est, emp = survey
    fig = registry.figure("fig-rie", est, emp)
    drawn = _reference_lines(fig)
    keys = ["aib_rie_minder_dan_10", "aib_rie_10_tot_100", "aib_rie_100_of_meer", "aib_rie"]
    assert set(drawn) == set(keys)
    ticks = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    for key in keys:
        ref = references.get(key)
        bars = [a for a in drawn[key] if hasattr(a, "get_hatch") and a.get_hatch()]
        assert len(bars) == 1
        assert bars[0].get_width() == pytest.approx(ref.value)  # the hatched part is the national share
        assert bars[0].get_x() + bars[0].get_width() == pytest.approx(1.0)  # ends at 100%, like the RI&E part above
        assert ref.label_nl in ticks
        assert ref.text in [t.get_text() for t in drawn[key] if hasattr(t, "get_text")]
    assert descriptive.RIE_REFERENCE_LABEL in _legend_texts(fig)


def test_rie_national_columns_come_after_the_study_bars(survey):
    est, emp = survey
    fig = registry.figure("fig-rie", est, emp)
    ticks = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert ticks[3].startswith("Alle vestigingen")
    assert all(t.startswith("Landelijk") for t in ticks[4:]) and len(ticks) == 8


# --------------------------------------------------------------------------- RI&E by sector (tbl-rie-sector)


def test_rie_by_sector_table_matches_the_establishments(survey):
    est, emp = survey
    table = descriptive_tables.rie_by_sector_table(est, emp)
    data = table.attrs["data"]
    sectors = codebook.load().find("sector").categories
    assert len(table) == 3 + len(sectors) + 1
    assert list(table.columns) == list(descriptive_tables.RIE_TABLE_COLUMNS.values())
    for code in sectors:
        sub = est[est["sector"] == code]
        row = data.set_index("group_code").loc[code]
        assert row["n"] == len(sub)
        assert row["rie"] == pytest.approx((sub["rie_present"] == 1).mean())
        assert row["homeworking"] == pytest.approx(sub["rie_homeworking"].isin(["een_risico", "beide_risicos"]).mean())
    overall = table.iloc[-1]
    assert overall["RI&E aanwezig"] == nl.percent((est["rie_present"] == 1).mean())
    assert all(re.fullmatch(r"\d{1,3}%|–", v) for v in table["RI&E aanwezig"])
    assert table.attrs["footnote"] == ""


def test_rie_by_sector_table_suppresses_small_sectors(survey):
    est, emp = survey
    small = est[est["sector"] == "onderwijs"].head(nl.MIN_CELL - 1)
    rest = est[est["sector"] != "onderwijs"]
    table = descriptive_tables.rie_by_sector_table(pd.concat([rest, small]), emp)
    sectors = codebook.load().find("sector").categories
    row = table[table["Groep"] == sectors["onderwijs"]].iloc[0]
    assert row["Vestigingen"] == "–"  # the n of a blank is blanked with it
    assert row["RI&E aanwezig"] == "–" and row["Aandacht voor thuiswerkrisico's in de RI&E"] == "–"
    # all establishments minus the other sectors would give onderwijs away: the next-smallest
    # sector is blanked too, and the footnote says why
    counts = rest["sector"].value_counts()
    next_smallest = sectors[str(counts.idxmin())]
    complement = table[table["Groep"] == next_smallest].iloc[0]
    assert complement["RI&E aanwezig"] == "–" and complement["Vestigingen"] == "–"
    assert table.attrs["footnote"] == f"– minder dan {nl.MIN_CELL} vestigingen, of af te leiden uit de overige cijfers"
    assert (table["RI&E aanwezig"] != "–").sum() == len(table) - 2
    assert table.iloc[-1]["RI&E aanwezig"] != "–"  # the total stays


def test_rie_by_sector_caption_in_the_report_matches_the_captions_and_min_cell():
    """The tbl-cap of tbl-rie-sector is its caption in the captions data, and names the current minimum cell size."""
    qmd = (Path(__file__).resolve().parents[2] / "report" / "08-naleving.qmd").read_text(encoding="utf-8")
    match = re.search(r"#\| label: tbl-rie-sector\n#\| tbl-cap: \"(.*)\"\n", qmd)
    assert match, "tbl-rie-sector is not in chapter VIII"
    caption = captions.TABLE_CAPTIONS["tbl-rie-sector"]
    assert match.group(1) == caption
    assert f"minder dan {nl.MIN_CELL} vestigingen" in caption
