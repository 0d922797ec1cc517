"""Real data in, nothing lost: optional columns, labels, the sample design, files.

A real survey comes with SPSS files, Dutch names and a mapping file. It must be
read without anyone filling columns with made-up values: an optional column the
survey lacks stays absent, a label that differs only in accents, case or spaces
is matched, a label that matches nothing is reported once, and the sample
design (one manager and one non-manager per establishment) is enforced.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from conftest import find, make_valid_tables, write_csv
from thuiswerk.core import codebook, errors
from thuiswerk.core.codebook import CodebookError
from thuiswerk.data.files import DataError
from thuiswerk.data.mapping import load_mapping, normalise
from thuiswerk.data.outcome import ValidationReport
from thuiswerk.data.survey import Survey, load_survey, validate_folder
from thuiswerk.data.validation import validate_survey
from thuiswerk.data.violations import Violation

EMP = "employees.csv"
EST = "establishments.csv"


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """One manager (even positions) and one non-manager (odd positions) per establishment."""
    return make_valid_tables(employees_per_establishment=2)


def line(position: int) -> int:
    return position + 2


def set_cell(frame: pd.DataFrame, position: int, column: str, value: object) -> None:
    frame[column] = frame[column].astype(object)
    frame.iloc[position, frame.columns.get_loc(column)] = value


def write_sav(frame: pd.DataFrame, path: Path, labels: dict | None = None) -> None:
    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype) in ("Int64", "float64"):
            out[column] = out[column].astype("float64")
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), "")
    pyreadstat.write_sav(out, str(path), variable_value_labels=labels or {})


def write_mapping(directory: Path, mapping: dict) -> Path:
    path = directory / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the codebook


def test_codebook_marks_identifiers_and_design_required() -> None:
    cb = codebook.load()
    assert cb.required("establishments") == ["establishment_id", "sector", "size_class"]
    assert cb.required("employees") == ["employee_id", "establishment_id", "role"]
    assert "gender" in cb.optional("employees")
    assert cb.at_most_one_per == {"employees": ("establishment_id", "role")}


def test_codebook_refuses_an_optional_key(tmp_path: Path) -> None:
    text = codebook.load().path.read_text(encoding="utf-8")
    marker = "  - name: employee_id\n    table: employees\n    type: id\n    label: Werknemer\n    source: design\n    missing: false\n    required: true\n"
    assert marker in text
    broken = tmp_path / "codebook.yaml"
    broken.write_text(text.replace(marker, marker.replace("    required: true\n", "")), encoding="utf-8")
    with pytest.raises(CodebookError, match="employees.employee_id is the table's key and must be required"):
        codebook.load(broken)


# --------------------------------------------------------------------------- optional columns


def test_absent_optional_column_validates_and_is_listed(tmp_path: Path, tables) -> None:
    tables["employees"] = tables["employees"].drop(columns=["gender", "furniture_present"])
    tables["establishments"] = tables["establishments"].drop(columns=["works_council"])
    survey = load_survey(write_csv(tables, tmp_path))
    assert "gender" not in survey.employees.columns, "an absent column is never created"
    assert "works_council" not in survey.establishments.columns
    assert survey.absent == {"establishments": ("works_council",), "employees": ("gender", "furniture_present")}
    report = validate_survey(survey)
    assert report.ok, str(report)
    assert report.absent == {"establishments": ("works_council",), "employees": ("gender", "furniture_present")}
    assert report.absent_columns == [
        ("establishments", "works_council"),
        ("employees", "gender"),
        ("employees", "furniture_present"),
    ]
    summary = report.summary()
    absent = summary["absent columns"]
    assert list(absent.index) == report.absent_columns
    assert absent.loc[("employees", "gender"), "label"] == "Gender"
    assert summary["tables"].loc["employees", "absent columns"] == 2
    assert pd.isna(summary["missingness"].loc[("employees", "gender"), "applicable"])
    assert "employees.csv: absent (optional" in str(report) and "gender, furniture_present" in str(report)


def test_nothing_absent_gives_no_absent_table(csv_dir: Path) -> None:
    report = validate_survey(load_survey(csv_dir))
    assert report.absent == {"establishments": (), "employees": ()}
    assert "absent columns" not in report.summary()
    assert report.absent_lines() == []


def test_rules_on_an_absent_column_are_skipped_not_failed(tmp_path: Path, tables) -> None:
    emp, est = tables["employees"], tables["establishments"]
    # questionnaire_completed absent: whether the questionnaire block applies is unknown
    non_completer = int(np.flatnonzero(emp["questionnaire_completed"].to_numpy() == 0)[0])
    set_cell(emp, non_completer, "exhaustion", 3)
    tables["employees"] = emp.drop(columns="questionnaire_completed")
    # n_employees absent: the constraint n_screen_risk <= n_employees cannot be checked
    set_cell(est, 0, "n_screen_risk", 100_000)
    tables["establishments"] = est.drop(columns="n_employees")
    report = validate_survey(load_survey(write_csv(tables, tmp_path)))
    assert report.ok, str(report)
    assert report.absent["employees"] == ("questionnaire_completed",)


def test_the_same_rules_fail_when_the_column_is_present(tmp_path: Path, tables) -> None:
    """The counterpart of the test above: with the columns present both rules fire."""
    emp, est = tables["employees"], tables["establishments"]
    non_completer = int(np.flatnonzero(emp["questionnaire_completed"].to_numpy() == 0)[0])
    set_cell(emp, non_completer, "exhaustion", 3)
    set_cell(est, 0, "n_screen_risk", 100_000)
    report = validate_survey(load_survey(write_csv(tables, tmp_path)))
    find(report.violations, EMP, line(non_completer), "exhaustion", "must be empty")
    find(report.violations, EST, line(0), "n_screen_risk, n_employees", "cannot exceed")


@pytest.mark.parametrize(
    ("table", "column"), [("employees", "role"), ("establishments", "sector"), ("employees", "employee_id")]
)
def test_absent_required_column_is_refused(tmp_path: Path, tables, table: str, column: str) -> None:
    tables[table] = tables[table].drop(columns=column)
    report = validate_survey(load_survey(write_csv(tables, tmp_path)))
    assert not report.ok
    file = f"{table}.csv"
    (message,) = find(report.violations, file, 1, column, "missing column", "requires it")
    assert message.startswith(f"{file}, row 1, column {column}: ")
    assert column not in report.absent[table]


def test_in_memory_survey_without_an_optional_column() -> None:
    tables = make_valid_tables(n_establishments=2, employees_per_establishment=2)
    survey = Survey(establishments=tables["establishments"], employees=tables["employees"].drop(columns="education"))
    report = validate_survey(survey)
    assert report.ok, str(report)
    assert report.absent["employees"] == ("education",)


# --------------------------------------------------------------------------- the mapping file and absent columns


def test_mapping_declares_a_column_absent(tmp_path: Path, tables) -> None:
    tables["employees"] = tables["employees"].drop(columns=["gender", "education"])
    write_csv(tables, tmp_path)
    mapping = write_mapping(tmp_path, {"employees": {"absent": ["gender", "education"]}})
    assert load_mapping(mapping).table("employees").absent == ("gender", "education")
    survey = load_survey(tmp_path, mapping=mapping)
    assert survey.absent["employees"] == ("gender", "education")
    report = validate_survey(survey)
    assert report.ok, str(report)
    assert report.absent["employees"] == ("gender", "education")


def test_mapping_declares_absent_a_column_the_file_has(tmp_path: Path, tables) -> None:
    write_csv(tables, tmp_path)
    mapping = write_mapping(tmp_path, {"employees": {"absent": ["gender"]}})
    with pytest.raises(DataError) as info:
        load_survey(tmp_path, mapping=mapping)
    (violation,) = info.value.violations
    assert (violation.file, violation.column) == ("mapping.yaml", "gender")
    assert "employees.absent.gender: declared absent, but employees.csv has it" in violation.rule


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"absent": ["role"]}, "employees.absent.role: role is required by the codebook"),
        ({"absent": ["shoe_size"]}, "employees.absent.shoe_size: not a codebook column of employees"),
        ({"absent": "gender"}, "employees.absent: must be a list"),
        (
            {"columns": {"GESL": "gender"}, "absent": ["gender"]},
            "employees.absent.gender: is also the target of employees.columns",
        ),
        ({"columns": {"GESL": None}}, "employees.columns.GESL: maps onto nothing"),
    ],
)
def test_bad_absent_declarations(tmp_path: Path, spec: dict, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        load_mapping(write_mapping(tmp_path, {"employees": spec}))
    assert "mapping.yaml: " + fragment in str(info.value)


def test_mapping_naming_a_missing_source_column_is_refused(tmp_path: Path, tables) -> None:
    emp = tables["employees"].rename(columns={"gender": "GESL"})
    write_csv({"establishments": tables["establishments"], "employees": emp}, tmp_path)
    mapping = write_mapping(tmp_path, {"employees": {"columns": {"GESL": "gender", "OPL_NIVEAU": "education"}}})
    with pytest.raises(DataError) as info:
        load_survey(tmp_path, mapping=mapping)
    (violation,) = info.value.violations
    assert violation.file == "mapping.yaml"
    assert violation.column == "OPL_NIVEAU"
    assert "employees.columns.OPL_NIVEAU: employees.csv has no column 'OPL_NIVEAU'" in str(violation)
    # the entry that does name a column of the file is fine
    mapping = write_mapping(tmp_path, {"employees": {"columns": {"gesl": "gender"}}})
    assert validate_survey(load_survey(tmp_path, mapping=mapping)).ok


def test_mapping_values_for_a_column_the_file_lacks_are_refused(tmp_path: Path, tables) -> None:
    tables["employees"] = tables["employees"].drop(columns="gender")
    write_csv(tables, tmp_path)
    mapping = write_mapping(tmp_path, {"employees": {"values": {"gender": {"1": "man"}}}})
    with pytest.raises(
        DataError, match=r"mapping.yaml, column gender: employees.values.gender: employees.csv has no column gender"
    ):
        load_survey(tmp_path, mapping=mapping)


# --------------------------------------------------------------------------- labels after Unicode normalisation


def test_normalise_ignores_accents_case_and_spaces() -> None:
    assert normalise("  Financiële   Dienstverlening ") == normalise("financiele dienstverlening")
    assert normalise("Enquête") == "enquete"
    assert normalise("Geïnventariseerd") == "geinventariseerd"
    assert normalise(2.0) == "2"
    assert normalise("Financiële") != normalise("Financiën")


def test_csv_labels_match_after_normalisation(tmp_path: Path, tables) -> None:
    est, emp = tables["establishments"], tables["employees"]
    for position, text in enumerate(
        ["  FINANCIELE   dienstverlening ", "Financiële Dienstverlening", "financiele_dienstverlening"]
    ):
        set_cell(est, position, "sector", text)
    set_cell(emp, 0, "role", " Leidinggevende")
    set_cell(emp, 1, "role", "NIET-leidinggevende")
    report = validate_survey(load_survey(write_csv(tables, tmp_path)))
    assert report.ok, str(report)
    survey = load_survey(tmp_path)
    assert survey.establishments["sector"].iloc[:3].tolist() == ["financiele_dienstverlening"] * 3
    assert survey.employees["role"].iloc[:2].tolist() == ["leidinggevende", "niet_leidinggevende"]


def test_sav_value_labels_and_mapping_keys_match_after_normalisation(tmp_path: Path, tables) -> None:
    est = tables["establishments"].copy()
    sector = codebook.load().get("establishments", "sector")
    numbered = {code: float(i) for i, code in enumerate(sector.codes, start=1)}
    est["sector"] = est["sector"].map(numbered).astype("float64")
    # no diaeresis, other case, extra spaces: still the codebook's labels
    labels = {i: "  " + sector.categories[code].replace("ë", "e").upper() + " " for code, i in numbered.items()}
    method = est["investigation_method"]
    est["investigation_method"] = method.map({"enquete": "Enquete", "gesprek": "GESPREK(KEN)"}).where(
        method.notna(), None
    )
    est["investigation_method"] = est["investigation_method"].where(
        method.isna() | method.isin(["enquete", "gesprek"]), method
    )
    write_sav(est, tmp_path / "establishments.sav", {"sector": labels})
    write_csv({"employees": tables["employees"]}, tmp_path)
    mapping = write_mapping(
        tmp_path,
        {
            "establishments": {
                "values": {"investigation_method": {"Enquête": "enquete", "Gesprek(ken)": "Gesprek met werknemers"}}
            }
        },
    )
    survey = load_survey(tmp_path, mapping=mapping)
    assert survey.establishments["sector"].tolist() == tables["establishments"]["sector"].tolist()
    assert (
        survey.establishments["investigation_method"].tolist()
        == tables["establishments"]["investigation_method"].tolist()
    )
    assert validate_survey(survey).ok


def test_one_line_per_distinct_unknown_label_with_a_suggestion(tmp_path: Path, tables) -> None:
    emp = tables["employees"]
    for position in (0, 2, 4):
        set_cell(emp, position, "role", "Leidinggevend")  # a typo, three times
    for position in (1, 3):
        set_cell(emp, position, "role", "stagiair")  # no such role, twice
    report = validate_survey(load_survey(write_csv(tables, tmp_path)))
    role = [v for v in report.violations if v.column == "role"]
    assert len(role) == 2, "\n".join(map(str, report.violations))
    typo = next(v for v in role if v.value == "Leidinggevend")
    assert typo.row == line(0)
    assert typo.rows == (line(0), line(2), line(4))
    assert "in 3 rows; the first is row 2" in typo.rule
    assert "nearest codebook label: 'Leidinggevende' (code leidinggevende)" in typo.rule
    assert "map it under employees: values: role:" in typo.rule
    intern = next(v for v in role if v.value == "stagiair")
    assert (intern.row, intern.rows) == (line(1), (line(1), line(3)))
    assert "in 2 rows" in intern.rule
    assert "nearest" not in intern.rule, "no codebook label is close to 'stagiair'"
    assert report.violations == role, "rows with an unknown role are not also reported as empty or out of the design"


def test_unknown_sav_label_is_one_line_with_its_count(tmp_path: Path, tables) -> None:
    write_csv({"establishments": tables["establishments"]}, tmp_path)
    emp = tables["employees"].copy()
    codes = {"leidinggevende": 1.0, "niet_leidinggevende": 2.0}
    emp["role"] = [3.0 if i in (3, 5, 9) else codes[r] for i, r in enumerate(emp["role"])]
    labels = {"role": {1: "Leidinggevende", 2: "Niet leidinggevende", 3: "Leidinggevende (interim)"}}
    write_sav(emp, tmp_path / "employees.sav", labels)
    report = validate_survey(load_survey(tmp_path))
    (violation,) = report.violations
    assert (violation.file, violation.row, violation.column) == ("employees.sav", 4, "role")
    assert (
        "value label 'Leidinggevende (interim)' (code 3) matches no codebook code (in 3 rows; the first is row 4)"
        in str(violation)
    )
    assert "nearest codebook label: 'Leidinggevende' (code leidinggevende)" in str(violation)
    # 'Niet leidinggevende' (a space for the hyphen) is the codebook's 'Niet-leidinggevende'
    # the label is kept in the cell as read, not blanked and not guessed
    assert load_survey(tmp_path).employees["role"].iloc[3] == "Leidinggevende (interim)"


def test_unknown_boolean_label_is_one_line_and_an_empty_cell(tmp_path: Path, tables) -> None:
    emp = tables["employees"]
    for position in (0, 1, 2):
        set_cell(emp, position, "living_alone", "misschien")
    set_cell(emp, 3, "living_alone", "JA")  # a codebook label: matched
    survey = load_survey(write_csv(tables, tmp_path))
    assert survey.employees["living_alone"].iloc[3] == 1
    assert survey.employees["living_alone"].iloc[:3].isna().all()
    report = validate_survey(survey)
    (violation,) = report.violations
    assert violation.rule.startswith("must be 0 or 1, or a codebook label (in 3 rows; the first is row 2)")
    assert violation.value == "misschien"


# --------------------------------------------------------------------------- the sample design


def test_three_employees_of_one_role_are_refused(tmp_path: Path, tables) -> None:
    emp = tables["employees"]
    assert emp.loc[1, "role"] == emp.loc[3, "role"] == emp.loc[5, "role"] == "niet_leidinggevende"
    first = emp.loc[1, "establishment_id"]
    for position in (3, 5):
        set_cell(emp, position, "establishment_id", first)
    report = validate_survey(load_survey(write_csv(tables, tmp_path)))
    design = [v for v in report.violations if "sample design" in v.rule]
    assert [(v.file, v.row, v.column) for v in design] == [(EMP, line(p), "role") for p in (1, 3, 5)]
    assert all(v.value == "niet_leidinggevende" for v in design)
    assert f"establishment_id '{first}' has 3 rows with this role (also row {line(3)}, {line(5)})" in design[0].rule
    assert str(design[0]).startswith(
        f"{EMP}, row {line(1)}, column role: the sample design allows at most one row per establishment_id and role"
    )


def test_two_managers_in_one_establishment_are_refused(tmp_path: Path, tables) -> None:
    emp = tables["employees"]
    set_cell(emp, 2, "establishment_id", emp.loc[0, "establishment_id"])  # position 2 is a manager too
    report = validate_survey(load_survey(write_csv(tables, tmp_path)))
    find(report.violations, EMP, line(0), "role", "sample design", f"also row {line(2)}", "'leidinggevende'")
    find(report.violations, EMP, line(2), "role", "sample design", f"also row {line(0)}")


def test_one_manager_and_one_non_manager_per_establishment_is_valid(csv_dir: Path) -> None:
    report = validate_survey(load_survey(csv_dir))
    assert not [v for v in report.violations if "sample design" in v.rule]
    assert report.ok


# --------------------------------------------------------------------------- capped violation lists


def test_violation_lines_are_capped_with_a_count() -> None:
    violations = [Violation(EMP, row, "age", "must be between 16 and 75", 12) for row in range(2, 27)]
    report = ValidationReport(violations)
    lines = report.violation_lines(20)
    assert len(lines) == 21
    assert lines[0] == "  employees.csv, row 2, column age: must be between 16 and 75 (got 12)"
    assert lines[-1] == "  ... and 5 more (run with --all to see every one)"
    assert report.format_violations(20) == "\n".join(lines)
    assert len(report.violation_lines(None)) == 25
    assert len(report.violation_lines(25)) == 25, "no 'more' line when everything is shown"
    custom = report.violation_lines(3, indent="", more="run `thuiswerk validate data/raw --all`")
    assert custom[-1] == "... and 22 more (run `thuiswerk validate data/raw --all`)"


# --------------------------------------------------------------------------- files


def test_uppercase_extensions_are_found(tmp_path: Path, tables) -> None:
    tables["employees"].to_csv(tmp_path / "employees.CSV", index=False)
    tables["establishments"].to_parquet(tmp_path / "ESTABLISHMENTS.Parquet", index=False)
    survey = load_survey(tmp_path)
    assert survey.files == {
        "establishments": tmp_path / "ESTABLISHMENTS.Parquet",
        "employees": tmp_path / "employees.CSV",
    }
    assert survey.header_row("employees") == 1
    assert validate_survey(survey).ok


def test_same_table_in_two_cases_is_ambiguous(tmp_path: Path, tables) -> None:
    write_csv(tables, tmp_path)
    tables["employees"].to_parquet(tmp_path / "Employees.PARQUET", index=False)
    with pytest.raises(
        DataError, match=r"more than one file for the employees table \(Employees.PARQUET, employees.csv\)"
    ):
        load_survey(tmp_path)


def test_lone_cr_line_endings_are_read(tmp_path: Path, tables) -> None:
    """Excel for Mac writes 'CSV (Macintosh)' with a lone carriage return after each line."""
    set_cell(tables["employees"], 4, "age", "veertig")
    write_csv(tables, tmp_path)
    path = tmp_path / "employees.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    survey = load_survey(tmp_path)
    assert len(survey.employees) == len(tables["employees"])
    report = validate_survey(survey)
    (message,) = [str(v) for v in report.violations]
    assert message == f"employees.csv, row {line(4)}, column age: must be a whole number (got 'veertig')"


def _zip_bytes(tmp_path: Path) -> bytes:
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("sheet.xml", "<x/>" * 100)
    return archive.read_bytes()


@pytest.mark.parametrize("kind", ["random", "zip"])
def test_binary_file_named_csv_is_a_clean_error(csv_dir: Path, tmp_path: Path, kind: str) -> None:
    content = np.random.default_rng(1).bytes(5000) if kind == "random" else _zip_bytes(tmp_path)
    (csv_dir / "employees.csv").write_bytes(content)
    with pytest.raises(DataError) as info:
        load_survey(csv_dir)
    (violation,) = info.value.violations
    assert violation.file == "employees.csv"
    assert "not a text CSV file" in violation.rule
    if kind == "zip":
        assert "zip archive" in violation.rule


def test_nul_byte_after_the_first_block_is_a_clean_error(csv_dir: Path) -> None:
    path = csv_dir / "employees.csv"
    header, rest = path.read_bytes().split(b"\n", 1)
    padding = b"\n" * 70_000  # blank lines: the NUL is beyond the bytes sniffed up front
    path.write_bytes(header + b"\n" + padding + b"W9\x00" + rest)
    with pytest.raises(DataError) as info:
        load_survey(csv_dir)
    (violation,) = info.value.violations
    assert str(violation).startswith("employees.csv, row 70002: contains a NUL byte: not a text CSV file")


def test_unparseable_csv_is_a_clean_error(csv_dir: Path) -> None:
    """What the csv module refuses (here a field over its size limit) is a DataError, not a traceback."""
    path = csv_dir / "employees.csv"
    path.write_bytes(path.read_bytes() + b'"' + b"x" * 200_000 + b"\n")
    with pytest.raises(DataError) as info:
        load_survey(csv_dir)
    (violation,) = info.value.violations
    assert violation.file == "employees.csv"
    assert "cannot parse the CSV (field larger than field limit" in violation.rule


def test_data_error_is_a_thuiswerk_error_with_exit_code_2(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_survey(tmp_path / "nope")
    assert isinstance(info.value, errors.ThuiswerkError)
    assert info.value.exit_code == 2
    assert [v.rule for v in info.value.violations] == ["folder not found"]
    assert str(info.value).startswith("cannot read the survey data:\n  ")


# --------------------------------------------------------------------------- chunked validation


def test_validate_folder_in_small_chunks_equals_load_and_validate(tmp_path: Path, tables) -> None:
    """Every rule between rows must see across chunk boundaries."""
    emp, est = tables["employees"], tables["establishments"]
    set_cell(emp, 10, "employee_id", emp.loc[0, "employee_id"])  # duplicate key, far apart
    set_cell(emp, 9, "establishment_id", emp.loc[1, "establishment_id"])  # two non-managers, far apart
    set_cell(emp, 11, "establishment_id", "V999")  # unknown establishment
    for position in (2, 8):
        set_cell(emp, position, "role", "directeur")  # one label, two chunks
    set_cell(emp, 5, "home_share", 130)
    set_cell(est, 1, "sector", "Landbouw")
    tables["employees"] = emp.drop(columns="gender")
    write_csv(tables, tmp_path)
    whole = validate_survey(load_survey(tmp_path))
    chunked = validate_folder(tmp_path, chunk_cells=150)  # about two employees per chunk
    assert [str(v) for v in chunked.violations] == [str(v) for v in whole.violations]
    assert chunked.absent == whole.absent == {"establishments": (), "employees": ("gender",)}
    for key, frame in whole.summary().items():
        pd.testing.assert_frame_equal(chunked.summary()[key], frame, check_dtype=False)
    rules = {v.rule.split(":")[0] for v in chunked.violations}
    assert {
        "must be unique",
        "must be between 0 and 100",
        "no row of establishments.csv has this establishment_id",
    } <= rules
    assert any("sample design" in v.rule for v in chunked.violations)
    assert sum("directeur" == v.value for v in chunked.violations) == 1


def test_validate_folder_raises_like_load_survey(tmp_path: Path, tables) -> None:
    write_csv(tables, tmp_path)
    path = tmp_path / "employees.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] += ",1"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as streamed:
        validate_folder(tmp_path, chunk_cells=100)
    with pytest.raises(DataError) as loaded:
        load_survey(tmp_path)
    assert [str(v) for v in streamed.value.violations] == [str(v) for v in loaded.value.violations]
    assert "employees.csv, row 6: has" in str(streamed.value)


# --------------------------------------------------------------------------- faults found by probing


def _both_ways(folder: Path) -> list[list[Violation]]:
    """The violations of validate_folder (streamed) and of validate_survey(load_survey) (loaded)."""
    return [validate_folder(folder).violations, validate_survey(load_survey(folder)).violations]


def test_an_identifier_with_a_line_break_or_tab_is_a_violation(tmp_path: Path, tables) -> None:
    emp = tables["employees"]
    set_cell(emp, 0, "employee_id", "W00\n01")  # quoted in the CSV: one record over lines 2 and 3
    set_cell(emp, 3, "establishment_id", emp.loc[3, "establishment_id"] + "\t")
    set_cell(tables["establishments"], 2, "establishment_id", "V0\u200b03")  # a zero-width space
    write_csv(tables, tmp_path)
    for violations in _both_ways(tmp_path):
        messages = [str(v) for v in violations]
        rule = "must not contain a line break, tab or other control or invisible character"
        assert find(violations, EMP, 2, "employee_id", rule, "'W00\\n01'")
        assert find(violations, EMP, line(3) + 1, "establishment_id", rule, "\\t'")
        assert find(violations, EST, line(2), "establishment_id", rule, "\\u200b")
        # once per cell: no "must not be empty" for the cell left empty; only the employees of
        # establishment V003 (not found without its invisible character) are reported besides
        assert sum(rule in m for m in messages) == 3
        others = [m for m in messages if rule not in m]
        assert others and all(
            "no row of establishments.csv has this establishment_id (got 'V003')" in m for m in others
        )


def test_an_identifier_with_a_control_character_is_a_violation_in_memory_too() -> None:
    tables = make_valid_tables()
    set_cell(tables["employees"], 1, "employee_id", "W\x070002")
    survey = Survey(establishments=tables["establishments"], employees=tables["employees"])
    (violation,) = validate_survey(survey).violations
    assert (violation.file, violation.row, violation.column) == ("employees", 2, "employee_id")


@pytest.mark.parametrize("written", ["99999999999999999999999", "9223372036854775808", "-9223372036854775809"])
def test_an_integer_too_large_for_int64_is_reported_once_as_written(tmp_path: Path, tables, written: str) -> None:
    set_cell(tables["employees"], 0, "age", written)
    set_cell(tables["establishments"], 0, "n_employees", written)  # also in two constraints between columns
    write_csv(tables, tmp_path)
    for violations in _both_ways(tmp_path):
        messages = [str(v) for v in violations]
        assert messages == [
            f"{EST}, row 2, column n_employees: must be between 1 and 100000 (got {written})",
            f"{EMP}, row 2, column age: must be between 16 and 75 (got {written})",
        ]


def test_an_integer_too_large_in_a_coded_column_names_the_codes(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 0, "questionnaire_completed", "18446744073709551616")
    write_csv(tables, tmp_path)
    for violations in _both_ways(tmp_path):
        messages = [str(v) for v in violations]
        assert messages == [f"{EMP}, row 2, column questionnaire_completed: must be 0 or 1 (got 18446744073709551616)"]


@pytest.mark.parametrize("kind", ["symlink loop", "fifo", "folder", "dangling symlink"])
def test_a_table_name_that_is_no_regular_file_says_what_it_is(csv_dir: Path, kind: str) -> None:
    import os
    import signal

    path = csv_dir / EMP
    path.unlink()
    what = {
        "symlink loop": "a symbolic link loop",
        "fifo": "a named pipe (FIFO)",
        "folder": "a folder",
        "dangling symlink": "a symbolic link to 'gone.csv', which does not exist",
    }[kind]
    if kind == "symlink loop":
        path.symlink_to(path.name)
    elif kind == "fifo":
        os.mkfifo(path)  # opening it waits for a writer: the reader must never open it
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("gone.csv")

    def hung(*args):
        raise TimeoutError(f"hangs on the {kind}")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        for read in (load_survey, validate_folder):
            with pytest.raises(DataError) as info:
                read(csv_dir)
            assert info.value.exit_code == 2
            (violation,) = info.value.violations
            assert violation.file == str(path)
            assert f"exists, but is not a regular readable file: it is {what}" in violation.rule
            assert "no file for the employees table" not in str(info.value)
        with pytest.raises(DataError, match="named in the mapping file"):  # named in a mapping file
            load_survey(csv_dir, {"employees": {"file": EMP}})
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("second", ["LEEFTIJD", " leeftijd ", "Leeftijd"])
def test_a_mapping_naming_one_column_twice_in_other_cases_names_both(tmp_path: Path, tables, second: str) -> None:
    tables["employees"] = tables["employees"].rename(columns={"age": "leeftijd"})
    write_csv(tables, tmp_path)
    columns = {"leeftijd": "age", second: "home_share"}
    mapping = write_mapping(tmp_path, {"employees": {"columns": columns}})
    for read in (lambda: load_mapping(mapping), lambda: load_survey(tmp_path, mapping)):
        with pytest.raises(DataError) as info:
            read()
        (violation,) = info.value.violations
        assert violation.file == "mapping.yaml"
        names = sorted(["leeftijd", second])  # in the file's order, which yaml.safe_dump sorts
        assert f"employees.columns: {names[0]!r} and {names[1]!r} are the same column" in violation.rule
        assert "has no column" not in str(info.value)
