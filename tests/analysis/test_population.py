"""The population frame, the share estimands, post-stratification and the design-based cross-check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from thuiswerk.analysis import mrp
from thuiswerk.core import codebook
from thuiswerk.data import describe, linked, population, shares
from thuiswerk.data.population import FrameError


@pytest.fixture(scope="module")
def survey():
    from thuiswerk.core.resources import REPO_ROOT
    from thuiswerk.data.survey import load_survey

    return load_survey(REPO_ROOT / "data" / "synthetic")


# --------------------------------------------------------------------------- arithmetic by hand

# Two strata: A with 100 establishments (1,000 employees), B with 300 (600 employees).
# Sample: A two establishments (yes, no), B three (yes, yes, no).
HAND_FRAME = pd.DataFrame(
    {
        "sector": ["overheid", "onderwijs"],
        "size_class": ["groot", "klein"],
        "n_establishments": [100, 300],
        "n_employees": [1000, 600],
        "source": ["hand", "hand"],
    }
)
HAND_UNITS = pd.DataFrame(
    {
        "sector": ["overheid"] * 2 + ["onderwijs"] * 3,
        "size_class": ["groot"] * 2 + ["klein"] * 3,
        "n_employees": [np.nan] * 5,
        "y": [1, 0, 1, 1, 0],
        "d": [1] * 5,
    }
)


def test_poststratify_by_hand():
    p = np.array([[0.5, 2 / 3]])  # one draw: the strata's shares
    # establishments: (100 * 0.5 + 300 * 2/3) / 400 = 250 / 400
    assert mrp.poststratify(p, [100, 300])[0] == pytest.approx(0.625)
    # employees: (1000 * 0.5 + 600 * 2/3) / 1600 = 900 / 1600
    assert mrp.poststratify(p, [1000, 600])[0] == pytest.approx(0.5625)
    # a share of a subset: (100 * 0.2 + 300 * 0.1) / (100 * 0.5 + 300 * 0.25) = 50 / 125
    assert mrp.poststratify(np.array([[0.2, 0.1]]), [100, 300], np.array([[0.5, 0.25]]))[0] == pytest.approx(0.4)
    # per draw, not on the mean of the draws
    draws = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert mrp.poststratify(draws, [100, 300]).tolist() == pytest.approx([0.75, 0.25])


def test_design_based_by_hand():
    out = mrp.design_based(HAND_UNITS, HAND_FRAME, "establishments")
    assert out["design_mean"] == pytest.approx(0.625)  # 50 * 1 + 100 * 2 over 50 * 2 + 100 * 3
    # linearised variance worked out by hand: z_i = w_i (y_i - R) / 400; stratum A
    # 2 * 0.98 * ((0.0625)^2 * 2) = 0.0153125, stratum B 1.5 * 0.99 * 0.0416667 = 0.061875
    se = np.sqrt(0.0153125 + 0.061875)
    assert out["design_q05"] == pytest.approx(0.625 - 1.6448536 * se, abs=1e-6)
    assert out["design_q95"] == pytest.approx(min(1.0, 0.625 + 1.6448536 * se), abs=1e-6)
    assert out["design_uncovered"] == 0.0
    # without each establishment's size, employees weigh by the stratum's mean size (10 and 2)
    emp = mrp.design_based(HAND_UNITS, HAND_FRAME, "employees")
    assert emp["design_mean"] == pytest.approx((500 * 1 + 200 * 2) / (500 * 2 + 200 * 3))


def test_design_based_names_the_strata_it_cannot_represent():
    frame = pd.concat([HAND_FRAME, HAND_FRAME.iloc[[0]].assign(sector="cultuur_overig", n_establishments=100)])
    out = mrp.design_based(HAND_UNITS, frame, "establishments")
    assert out["design_mean"] == pytest.approx(0.625)  # the unsampled stratum is simply missing
    assert out["design_uncovered"] == pytest.approx(100 / 500)


# --------------------------------------------------------------------------- the frame


def _frame_text(rows: list[list]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([list(population.COLUMNS), *rows])
    return out.getvalue()


def _good_rows() -> list[list]:
    size = {"klein": 20, "midden": 100, "groot": 1000}
    return [[s, z, 10, 10 * size[z], "KvK 2022"] for s, z in population.strata()]


def test_a_good_frame_loads_in_stratum_order(tmp_path):
    path = tmp_path / "population.csv"
    rows = _good_rows()[::-1]
    rows[0][0] = codebook.load().find("sector").categories[rows[0][0]]  # a Dutch label is read as its code
    path.write_text(_frame_text(rows), encoding="utf-8")
    frame = population.load_frame(path)
    assert list(zip(frame["sector"], frame["size_class"])) == population.strata()
    assert frame["n_establishments"].sum() == 10 * len(population.strata())


@pytest.mark.parametrize(
    "edit, row, column, rule",
    [
        (lambda r: r[1].__setitem__(2, "tien"), 3, "n_establishments", "must be a whole number"),
        (lambda r: r[1].__setitem__(3, -5), 3, "n_employees", "must be a whole number"),
        (lambda r: r[0].__setitem__(3, 5000), 2, "n_employees", "have 10 to 490 employees"),
        (lambda r: r[2].__setitem__(3, 100), 4, "n_employees", "have at least 2500 employees"),
        (lambda r: r[3].__setitem__(0, "landbouw"), 5, "sector", "not a codebook code or label"),
        (lambda r: r[4].__setitem__(4, " "), 6, "source", "must say where the counts come from"),
        (lambda r: r.__setitem__(5, list(r[4])), 7, "size_class", "is also in row 6"),
    ],
)
def test_a_bad_frame_is_refused_naming_row_and_column(tmp_path, edit, row, column, rule):
    rows = _good_rows()
    edit(rows)
    path = tmp_path / "population.csv"
    path.write_text(_frame_text(rows), encoding="utf-8")
    with pytest.raises(FrameError) as exc:
        population.load_frame(path)
    assert any(v.row == row and v.column == column and rule in v.rule for v in exc.value.violations), str(exc.value)
    assert f"population.csv, row {row}, column {column}" in str(exc.value)
    assert exc.value.exit_code == 1


def test_a_frame_without_a_stratum_or_a_column_is_refused(tmp_path):
    path = tmp_path / "population.csv"
    path.write_text(_frame_text(_good_rows()[:-1]), encoding="utf-8")
    with pytest.raises(FrameError, match="no row for stratum cultuur_overig x groot"):
        population.load_frame(path)
    path.write_text("sector,size_class,n_establishments,source\noverheid,klein,1,x\n", encoding="utf-8")
    with pytest.raises(FrameError, match="column n_employees: missing column"):
        population.load_frame(path)


def test_a_binary_frame_is_unreadable(tmp_path):
    from thuiswerk.data.files import DataError

    path = tmp_path / "population.csv"
    path.write_bytes(b"\xff\xfe\x00\x01PK\x03\x04")
    with pytest.raises(DataError, match="population.csv: not a UTF-8 text CSV file"):
        population.load_frame(path)


def test_a_survey_larger_than_its_frame_is_refused(tmp_path, survey):
    path = tmp_path / "population.csv"
    rows = _good_rows()
    rows[2][2], rows[2][3] = 1, 1000  # informatie_communicatie x groot: one establishment
    path.write_text(_frame_text(rows), encoding="utf-8")
    frame = population.load_frame(path)
    n = int(((survey.establishments["sector"] == "informatie_communicatie")
             & (survey.establishments["size_class"] == "groot")).sum())  # fmt: skip
    assert n > 1
    with pytest.raises(
        FrameError, match=f"the survey has {n} establishments of stratum informatie_communicatie x groot"
    ):
        population.check_sample(frame, survey.establishments)


# --------------------------------------------------------------------------- the shares


def test_every_share_reads_codebook_columns_and_every_chapter_is_covered():
    cb = codebook.load()
    names = {v.name for v in cb.variables} | set(shares.DERIVED)
    for share in shares.SHARES:
        assert share.column in names or share.column.startswith("knows_"), share.id
        if share.column in {v.name for v in cb.variables} and cb.find(share.column).type == "category":
            assert set(share.codes) <= set(cb.find(share.column).categories), share.id
    assert {s.chapter for s in shares.SHARES} == {"V", "VI", "VIII"}
    measures = cb.measures
    table1 = [s for s in shares.SHARES if s.source == shares._S_TABLE1]
    assert len(table1) == 3 * len(measures)  # employer, manager, non-manager


def test_sample_shares_are_the_report_s_numbers(survey):
    est, emp = survey.establishments, survey.employees
    inputs = mrp.strata_inputs(est, emp)
    assert inputs.sample["rie_aanwezig"]["mean"] == pytest.approx(describe.share(est["rie_present"]))
    assert inputs.sample["plan_structureel"]["mean"] == pytest.approx(
        describe.establishment_share(est, "planned_homeworking", list(shares.STRUCTURAL))
    )
    kans = describe.by_role(emp, lambda d: describe.share(describe.any_complaint(d)))
    assert inputs.sample["kans_klacht_lg"]["mean"] == pytest.approx(kans["leidinggevende"])
    assert inputs.sample["kans_klacht_nlg"]["mean"] == pytest.approx(kans["niet_leidinggevende"])
    by_size = linked.group_shares(est, "rie_present", 1, "size_class")
    for size, value in by_size.items():
        assert inputs.sample[f"rie_aanwezig_grootte_{size}"]["mean"] == pytest.approx(value)
    investigated = est[est["obstacles_investigated"] == 1]
    assert inputs.sample["methode_enquete"]["mean"] == pytest.approx(
        describe.establishment_share(investigated, "investigation_method", "enquete")
    )


def test_strata_counts_add_up(survey):
    est, emp = survey.establishments, survey.employees
    inputs = mrp.strata_inputs(est, emp)
    names = inputs.coords[mrp.INDICATOR]
    k = names.index("rie_aanwezig")
    assert inputs.trials[k].sum() == est["rie_present"].notna().sum()
    assert inputs.successes[k].sum() == (est["rie_present"] == 1).sum()
    sub = names.index(inputs.denominator["methode_enquete"])
    assert inputs.successes[sub].sum() == (est["obstacles_investigated"] == 1).sum()
    assert inputs.denominator["methode_enquete"] == inputs.denominator["methode_gesprek"]  # one subset indicator
    assert inputs.numerator["rie_aanwezig_grootte"] == "rie_aanwezig"  # a share per group: the same indicator
    assert (inputs.successes <= inputs.trials).all()


# --------------------------------------------------------------------------- the synthetic population


@pytest.fixture(scope="module")
def synthetic_population():
    from thuiswerk.data import simulate

    return simulate.simulate(population=True)


def test_the_synthetic_frame_is_valid_and_like_no_sample(tmp_path, synthetic_population):
    path = population.write_frame(synthetic_population.frame, tmp_path / "population.csv")
    frame = population.load_frame(path)
    population.check_sample(frame, synthetic_population.establishments)
    small = frame.loc[frame["size_class"] == "klein", "n_establishments"].sum() / frame["n_establishments"].sum()
    sample_small = (synthetic_population.establishments["size_class"] == "klein").mean()
    assert small > 0.85 > 0.5 > sample_small  # mostly small establishments; the sample mostly larger ones


def test_the_population_truth_is_the_generator_s_expectation(synthetic_population):
    """The Monte Carlo truth of the RI&E share per size class against quadrature of the generating model."""
    from thuiswerk.data import simulate

    truth = synthetic_population.truth
    rie = truth["employer"]["rie"]
    loading = truth["structure"]["policy_loading"]["rie_present"]
    frame = synthetic_population.frame
    x, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    for size in ("klein", "groot"):
        rows = frame[frame["size_class"] == size]
        p = [
            float(expit(rie["size_intercept"][size] + rie["sector_effect"][s] + loading * x) @ w)
            for s in rows["sector"]
        ]
        expected = float(np.average(p, weights=rows["n_establishments"]))
        got = truth["population"]["shares"][f"rie_aanwezig_grootte_{size}"]["establishments"]
        assert got == pytest.approx(expected, abs=0.01)
    assert simulate.simulate().establishments.equals(synthetic_population.establishments)  # the sample is unchanged


# --------------------------------------------------------------------------- the commands


@pytest.fixture
def survey_folder(tmp_path):
    import shutil

    from thuiswerk.core.resources import REPO_ROOT

    folder = tmp_path / "survey"
    folder.mkdir()
    for name in ("establishments.csv", "employees.csv", "population.csv"):
        shutil.copy(REPO_ROOT / "data" / "synthetic" / name, folder / name)
    return folder


def test_validate_checks_the_frame_with_the_survey(survey_folder):
    from typer.testing import CliRunner

    from thuiswerk.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(survey_folder)])
    assert ok.exit_code == 0, ok.output
    assert "population.csv is valid" in ok.output
    lines = (survey_folder / "population.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",groot,", ",midden,")  # row 4: a second informatie_communicatie x midden
    (survey_folder / "population.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = runner.invoke(app, ["validate", str(survey_folder)])
    assert bad.exit_code == 1
    assert "population.csv, row 4, column size_class: stratum informatie_communicatie x midden is also in row 3" in (
        bad.output
    )
    assert "no row for stratum informatie_communicatie x groot" in bad.output


def test_fit_population_without_a_frame_says_what_is_missing(survey_folder, tmp_path):
    from typer.testing import CliRunner

    from thuiswerk.cli import app
    from thuiswerk.cli.main import EXIT_USAGE

    (survey_folder / "population.csv").unlink()
    result = CliRunner().invoke(app, ["fit", "population", "--data", str(survey_folder), "--fits", str(tmp_path / "f")])
    assert result.exit_code == EXIT_USAGE
    assert "no population frame (population.csv)" in result.output and "data/README.md" in result.output
    assert not (tmp_path / "f" / "population.nc").exists()


def test_findings_refuse_a_missing_population_fit_with_the_command(survey_folder, tmp_path, default_fits):
    from typer.testing import CliRunner

    from thuiswerk.cli import app
    from thuiswerk.cli.main import EXIT_STALE

    fits = tmp_path / "fits"
    fits.mkdir()
    for path in default_fits.glob("*.nc"):
        if path.name != "population.nc":
            (fits / path.name).symlink_to(path.resolve())  # the other fits, current; no population fit
    result = CliRunner().invoke(app, ["findings", "--data", str(survey_folder), "--fits", str(fits)])
    assert result.exit_code == EXIT_STALE, result.output
    assert "population.nc: no fit" in result.output and "thuiswerk fit population" in result.output


def test_the_population_sentence_of_chapters_1_and_8():
    """Chapter 1 and chapter 8's opening state the RI&E in the sample and in all establishments; chapter 8's
    closing paragraph (shares.paragraph_nl, said=True) does not say it a second time."""
    from thuiswerk.data import shares

    def row(population, mean, lo=np.nan, hi=np.nan):
        return {"id": "rie_aanwezig", "chapter": "VIII", "population": population, "mean": mean, "q05": lo,
                "q95": hi, "design_mean": np.nan, "design_q05": np.nan, "design_q95": np.nan,
                "label": "RI&E aanwezig", "n": 206, "role": "all"}  # fmt: skip

    rows = pd.DataFrame(
        [row("sample", 0.89), row("establishments", 0.79, 0.70, 0.88), row("employees", 0.86, 0.81, 0.91)]
    )
    text = shares.population_sentence(rows, "VIII")
    assert text.startswith("In de steekproef heeft 89% van de vestigingen een RI&E; van alle vestigingen")
    assert "naar schatting 79% (90%-interval 70% tot 88%)" in text and "86% (81% tot 91%)" in text
    no_frame = shares.population_sentence(None, "VIII")
    assert "bezochte vestigingen" in no_frame and "%" not in no_frame
    assert "steekproef" not in shares.population_sentence(rows.assign(id="elders"), "VIII")[:20]


def test_a_chapter_s_short_table_keeps_the_rows_its_paragraph_speaks_of():
    """Issue 29 (long tables in an appendix): the chapter's table holds the headline share, every share whose
    sample lies outside the interval and the largest differences, at most SHORT_ROWS unless more lie outside;
    appendix D's table is whole, and the paragraph points at both."""
    from thuiswerk.data import shares

    def rows(shift_of):
        out = []
        for k in range(20):
            row_id = "rie_aanwezig" if k == 0 else f"share_{k:02d}"
            sample, shift = 0.5, shift_of(k)
            for who, mean, lo, hi in (
                ("sample", sample, np.nan, np.nan),
                ("establishments", sample + shift, sample + shift - 0.05, sample + shift + 0.05),
                ("employees", sample, sample - 0.05, sample + 0.05),
            ):
                out.append({"id": row_id, "chapter": "VIII", "population": who, "mean": mean, "q05": lo,
                            "q95": hi, "design_mean": mean, "design_q05": lo, "design_q95": hi,
                            "label": row_id, "n": 206, "role": "all"})  # fmt: skip
        return pd.DataFrame(out)

    few = rows(lambda k: {3: 0.10, 7: -0.08}.get(k, 0.001 * k))  # two outside; the rest differ by k per mille
    ids = shares.short_ids(few, "VIII")
    assert len(ids) == shares.SHORT_ROWS
    assert {"rie_aanwezig", "share_03", "share_07"} <= set(ids)  # headline and both outside
    assert {"share_19", "share_18", "share_17"} <= set(ids) and "share_01" not in ids  # then the largest
    assert ids == sorted(ids, key=lambda i: -1 if i == "rie_aanwezig" else int(i[-2:]))  # in table order
    assert len(shares.table_nl(few, "VIII", short=True)) == shares.SHORT_ROWS
    assert len(shares.table_nl(few, "VIII")) == 20
    many = rows(lambda k: 0.1 if k % 2 else 0.0)  # ten outside: all kept, over SHORT_ROWS
    assert len(shares.short_ids(many, "VIII")) == 11


def test_the_population_paragraph_points_at_the_short_and_the_whole_table():
    from thuiswerk.data import shares

    frame = pd.DataFrame({"sector": ["a", "a"], "size_class": ["klein", "groot"], "n_establishments": [90, 10],
                          "n_employees": [900, 1000]})  # fmt: skip
    establishments = pd.DataFrame({"size_class": ["klein", "groot", "groot"]})
    rows = pd.DataFrame(
        [{"id": row_id, "chapter": "VI", "population": p, "mean": m, "q05": m - 0.05, "q95": m + 0.05,
          "design_mean": m, "design_q05": m - 0.05, "design_q95": m + 0.05, "label": f"{row_id} (werkgever)",
          "n": 3, "role": "all"}
         for row_id, shift in (("werkgever_a", 0.2), ("werkgever_b", 0.0))
         for p, m in (("sample", 0.5), ("establishments", 0.5 + shift), ("employees", 0.5))]
    )  # fmt: skip
    text = shares.paragraph_nl(rows, "VI", frame, establishments, "@tbl-kort", whole_ref="@tbl-alle")
    assert "‘werkgever_a’ het meest" in text and "Eén van de twee percentages" in text
    assert "@tbl-kort geeft die, en de percentages die verder het meest verschillen" in text
    assert text.endswith("@tbl-alle in bijlage D geeft alle percentages.")
    assert "Zoals in hoofdstuk 5 telt de steekproef naar verhouding minder vestigingen van het" in text
    plain = shares.paragraph_nl(rows, "VI", frame, establishments, "@tbl-kort")
    assert "@tbl-kort zet ze naast elkaar" in plain and "bijlage D" not in plain
