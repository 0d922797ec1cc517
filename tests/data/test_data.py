"""Loaders and writers: every format, the mapping file, unreadable input, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml

from conftest import find, make_valid_tables, write_csv
from thuiswerk.core import codebook
from thuiswerk.core.resources import REPO_DATA
from thuiswerk.data import survey as survey_module
from thuiswerk.data.files import DataError
from thuiswerk.data.mapping import load_mapping
from thuiswerk.data.schema import DTYPES
from thuiswerk.data.survey import Survey, load_survey, write_survey
from thuiswerk.data.validation import validate_survey

EMP = "employees.csv"


def assert_same_tables(survey: Survey, tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(survey.table(name), frame, check_exact=True)


def write_sav(frame: pd.DataFrame, path: Path, labels: dict | None = None, **kwargs) -> None:
    """A .sav as SPSS users make them: numbers as doubles, text as strings."""
    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype) in ("Int64", "float64"):
            out[column] = out[column].astype("float64")
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), "")
    pyreadstat.write_sav(out, str(path), variable_value_labels=labels or {}, **kwargs)


# --------------------------------------------------------------------------- formats


def test_csv_load_restores_codebook_dtypes(csv_dir: Path, tables) -> None:
    survey = load_survey(csv_dir)
    cb = codebook.load()
    for var in cb.variables:
        assert str(survey.table(var.table)[var.name].dtype) == DTYPES[var.type], var.name
    assert_same_tables(survey, tables)
    assert survey.files["employees"] == csv_dir / "employees.csv"
    assert survey.row_origin == {"establishments": 2, "employees": 2}
    assert survey.violations == ()


def test_csv_parquet_and_sav_give_equal_frames(tmp_path: Path, tables) -> None:
    csv_survey = load_survey(write_csv(tables, tmp_path / "csv"))
    (tmp_path / "parquet").mkdir()
    (tmp_path / "sav").mkdir()
    for name, frame in tables.items():
        frame.to_parquet(tmp_path / "parquet" / f"{name}.parquet", index=False)
        write_sav(frame, tmp_path / "sav" / f"{name}.sav")
    parquet_survey = load_survey(tmp_path / "parquet")
    sav_survey = load_survey(tmp_path / "sav")
    for name in tables:
        pd.testing.assert_frame_equal(csv_survey.table(name), parquet_survey.table(name), check_exact=True)
        pd.testing.assert_frame_equal(csv_survey.table(name), sav_survey.table(name), check_exact=True)
    assert validate_survey(sav_survey).ok
    assert sav_survey.row_origin == {"establishments": 1, "employees": 1}


def test_tables_may_use_different_formats(tmp_path: Path, tables) -> None:
    tables["establishments"].to_parquet(tmp_path / "establishments.parquet", index=False)
    tables["employees"].to_csv(tmp_path / "employees.csv", index=False)
    assert validate_survey(load_survey(tmp_path)).ok


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sav"])
def test_write_survey_round_trip(tmp_path: Path, tables, fmt: str) -> None:
    written = write_survey(tables, tmp_path / "out", fmt=fmt)
    assert written == {t: tmp_path / "out" / f"{t}.{fmt}" for t in tables}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{t}.{fmt}" for t in tables)
    survey = load_survey(tmp_path / "out")
    assert_same_tables(survey, tables)
    assert write_survey(survey, tmp_path / "again", fmt=fmt)  # a Survey is accepted too
    assert_same_tables(load_survey(tmp_path / "again"), tables)


def test_write_survey_csv_format(tmp_path: Path, tables) -> None:
    write_survey(tables, tmp_path / "out")
    text = (tmp_path / "out" / "employees.csv").read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header.split(",") == codebook.load().columns("employees")  # no index column
    assert ",," in first  # missing values are empty strings
    assert "." in first.split(",")[codebook.load().columns("employees").index("home_share")]


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_file(csv_dir: Path, content: bytes) -> None:
    (csv_dir / "employees.csv").write_bytes(content)
    with pytest.raises(DataError) as info:
        load_survey(csv_dir)
    assert "employees.csv: file is empty" in str(info.value)
    assert [v.file for v in info.value.violations] == ["employees.csv"]


@pytest.mark.parametrize("ext", ["parquet", "sav"])
def test_empty_binary_file(tmp_path: Path, tables, ext: str) -> None:
    write_csv({"establishments": tables["establishments"]}, tmp_path)
    (tmp_path / f"employees.{ext}").write_bytes(b"")
    with pytest.raises(DataError, match=f"employees.{ext}: file is empty"):
        load_survey(tmp_path)


def test_semicolon_delimited_csv(csv_dir: Path, tables) -> None:
    tables["establishments"].to_csv(csv_dir / "establishments.csv", sep=";", index=False)
    with pytest.raises(DataError) as info:
        load_survey(csv_dir)
    message = str(info.value)
    assert "establishments.csv, row 1" in message
    assert "semicolon (';')-separated" in message
    assert "comma-separated" in message
    assert "establishment_id;sector" in message  # shows what the header looked like


def test_invalid_utf8(csv_dir: Path) -> None:
    path = csv_dir / "employees.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[0] = "Jos\u00e9"  # employee_id, written as Latin-1 below
    lines[3] = ",".join(fields)
    path.write_bytes("\n".join(lines).encode("latin-1"))
    with pytest.raises(DataError) as info:
        load_survey(csv_dir)
    (violation,) = info.value.violations
    assert str(violation) == (
        "employees.csv, row 4, column employee_id: not valid UTF-8 (byte 0xe9); save the file as UTF-8 (got 'Jos\\\\xe9')"
    )


def test_ragged_row(csv_dir: Path) -> None:
    path = csv_dir / "employees.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",3,5"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_survey(csv_dir)
    assert "employees.csv, row 3: has" in str(info.value)


def test_missing_file_and_ambiguous_files(tmp_path: Path, tables) -> None:
    write_csv(tables, tmp_path)
    tables["employees"].to_parquet(tmp_path / "employees.parquet", index=False)
    (tmp_path / "establishments.csv").unlink()
    with pytest.raises(DataError) as info:
        load_survey(tmp_path)
    message = str(info.value)
    assert "no file for the establishments table" in message
    assert "more than one file for the employees table (employees.csv, employees.parquet)" in message
    with pytest.raises(DataError, match="folder not found"):
        load_survey(tmp_path / "nope")


def test_corrupt_parquet_and_sav(tmp_path: Path) -> None:
    (tmp_path / "establishments.parquet").write_bytes(b"PAR1 but not really")
    (tmp_path / "employees.sav").write_bytes(b"$FL2 not really either")
    with pytest.raises(DataError) as info:
        load_survey(tmp_path)
    message = str(info.value)
    assert "establishments.parquet: not a readable Parquet file" in message
    assert "employees.sav: not a readable SPSS .sav file" in message


# --------------------------------------------------------------------------- columns


def test_unknown_column(csv_dir: Path, tables) -> None:
    tables["employees"].assign(favourite_colour="blauw").to_csv(csv_dir / "employees.csv", index=False)
    survey = load_survey(csv_dir)
    assert "favourite_colour" not in survey.employees.columns
    report = validate_survey(survey)
    assert not report.ok
    (message,) = find(report.violations, EMP, 1, "favourite_colour", "unknown column")
    assert len(report.violations) == 1, message


def test_index_written_by_mistake(csv_dir: Path, tables) -> None:
    tables["employees"].to_csv(csv_dir / "employees.csv")  # pandas' default writes the index
    report = validate_survey(load_survey(csv_dir))
    find(report.violations, EMP, 1, "(unnamed column 1)", "unknown column")


def test_missing_column(csv_dir: Path, tables) -> None:
    """A missing *required* column (here role, part of the sample design) is a violation."""
    tables["employees"].drop(columns="role").to_csv(csv_dir / "employees.csv", index=False)
    report = validate_survey(load_survey(csv_dir))
    assert not report.ok
    find(report.violations, EMP, 1, "role", "missing column")
    assert len(report.violations) == 1, "a missing column is reported once, not once per row"


def test_missing_optional_column_is_absent_not_a_violation(csv_dir: Path, tables) -> None:
    tables["employees"].drop(columns="gender").to_csv(csv_dir / "employees.csv", index=False)
    survey = load_survey(csv_dir)
    assert "gender" not in survey.employees.columns
    report = validate_survey(survey)
    assert report.ok, report
    assert report.absent["employees"] == ("gender",)


def test_duplicate_column_is_fatal(csv_dir: Path) -> None:
    path = csv_dir / "employees.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("gender", "age")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="employees.csv, row 1, column age: column appears more than once"):
        load_survey(csv_dir)


# --------------------------------------------------------------------------- rows


def test_text_in_numeric_column_is_a_load_violation(csv_dir: Path, tables) -> None:
    emp = tables["employees"].astype({"age": object})
    emp.loc[5, "age"] = "veertig"
    emp.to_csv(csv_dir / "employees.csv", index=False)
    survey = load_survey(csv_dir)  # no exception
    assert pd.isna(survey.employees.loc[5, "age"])
    assert str(survey.employees["age"].dtype) == "Int64"
    (message,) = find(list(survey.violations), EMP, 7, "age", "'veertig'")
    assert not validate_survey(survey).ok


def test_row_numbers_follow_lines_with_blank_lines(csv_dir: Path) -> None:
    path = csv_dir / "employees.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")  # a blank line 3: the second data row is now on line 4
    fields = lines[3].split(",")
    fields[codebook.load().columns("employees").index("age")] = "veertig"
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_survey(load_survey(csv_dir))
    find(report.violations, EMP, 4, "age", "'veertig'")


# --------------------------------------------------------------------------- SPSS value labels


def test_sav_value_label_without_codebook_code(tmp_path: Path, tables) -> None:
    write_csv({"establishments": tables["establishments"]}, tmp_path)
    emp = tables["employees"].copy()
    codes = {"leidinggevende": 1.0, "niet_leidinggevende": 2.0}
    emp["role"] = [3.0 if i == 4 else codes[r] for i, r in enumerate(emp["role"])]
    labels = {"role": {1: "Leidinggevende", 2: "Niet-leidinggevende", 3: "Stagiair"}}
    write_sav(emp, tmp_path / "employees.sav", labels)
    report = validate_survey(load_survey(tmp_path))
    assert not report.ok
    (message,) = find(report.violations, "employees.sav", 5, "role", "'Stagiair'", "matches no codebook code")
    assert "mapping file" in message
    assert [v.column for v in report.violations] == ["role"], "the two other labels match codebook labels"


def test_sav_unused_unmapped_label_is_reported(tmp_path: Path, tables) -> None:
    write_csv({"establishments": tables["establishments"]}, tmp_path)
    labels = {"psychological_workload": {1: "a", 2: "b", 3: "c", 4: "d", 5: "e", 8: "n.v.t."}}
    write_sav(tables["employees"], tmp_path / "employees.sav", labels)
    report = validate_survey(load_survey(tmp_path))
    (violation,) = report.violations
    assert (violation.file, violation.row, violation.column) == ("employees.sav", None, "psychological_workload")
    assert "'n.v.t.'" in str(violation)


def test_sav_labels_map_by_text_and_by_code(tmp_path: Path, tables) -> None:
    """Labels naming a codebook label are recoded; 0/1 with English labels keep their codes."""
    est = tables["establishments"].copy()
    cb = codebook.load()
    sector = cb.get("establishments", "sector")
    numbered = {code: float(i) for i, code in enumerate(sector.codes, start=1)}
    est["sector"] = est["sector"].map(numbered).astype("float64")
    labels = {
        "sector": {i: sector.categories[code].upper() for code, i in numbered.items()},
        "rie_present": {0: "No", 1: "Yes"},
        # reversed coding: the label text decides, not the number
        "obstacles_investigated": {1: "nee", 2: "ja"},
    }
    est["obstacles_investigated"] = est["obstacles_investigated"].map({0: 1.0, 1: 2.0}).astype("float64")
    write_sav(est, tmp_path / "establishments.sav", labels)
    write_csv({"employees": tables["employees"]}, tmp_path)
    survey = load_survey(tmp_path)
    assert_same_tables(survey, tables)
    assert validate_survey(survey).ok


def test_sav_user_missing_codes_are_empty(tmp_path: Path, tables) -> None:
    write_csv({"establishments": tables["establishments"]}, tmp_path)
    emp = tables["employees"].copy()
    completer = int(emp.index[(emp["questionnaire_completed"] == 1) & emp["exhaustion"].notna()][0])
    emp["exhaustion"] = [9.0 if i == completer else v for i, v in enumerate(emp["exhaustion"].astype("float64"))]
    write_sav(emp, tmp_path / "employees.sav", {"exhaustion": {9: "weet niet"}}, missing_ranges={"exhaustion": [9]})
    survey = load_survey(tmp_path)
    assert pd.isna(survey.employees.loc[completer, "exhaustion"])
    assert validate_survey(survey).ok, "declared missing is item non-response, and label 9 needs no mapping"


# --------------------------------------------------------------------------- mapping file


def their_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The fixture in 'Inspectorate' naming and coding."""
    est = tables["establishments"].rename(columns={"establishment_id": "VEST_ID", "sector": "SECTOR"})
    sectors = codebook.load().get("establishments", "sector").codes
    est["SECTOR"] = est["SECTOR"].map({code: i for i, code in enumerate(sectors, start=1)}).astype("Int64")
    emp = tables["employees"].rename(
        columns={"employee_id": "WN_ID", "establishment_id": "VEST_ID", "role": "FUNCTIE", "complaint_back": "Q12_rug"}
    )
    emp["FUNCTIE"] = emp["FUNCTIE"].map({"leidinggevende": "LG", "niet_leidinggevende": "NLG"})
    emp["Q12_rug"] = emp["Q12_rug"].map({1: "J", 0: "N"})
    return {"establishments": est, "employees": emp}


MAPPING = {
    "establishments": {
        "file": "vestigingen.csv",
        "columns": {"VEST_ID": "establishment_id", "SECTOR": "sector"},
        "values": {
            "sector": {i: code for i, code in enumerate(codebook.load().get("establishments", "sector").codes, start=1)}
        },
    },
    "employees": {
        "file": "werknemers.csv",
        "columns": {
            "WN_ID": "employee_id",
            "vest_id": "establishment_id",
            "FUNCTIE": "role",
            "Q12_rug": "complaint_back",
        },
        "values": {"role": {"LG": "leidinggevende", "NLG": "niet_leidinggevende"}, "complaint_back": {"J": 1, "N": 0}},
    },
}


def test_mapping_renames_columns_and_recodes_values(tmp_path: Path, tables) -> None:
    theirs = their_tables(tables)
    theirs["establishments"].to_csv(tmp_path / "vestigingen.csv", index=False)
    theirs["employees"].to_csv(tmp_path / "werknemers.csv", index=False)
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
    survey = load_survey(tmp_path, mapping=mapping_file)
    assert survey.files["employees"].name == "werknemers.csv"
    assert_same_tables(survey, tables)
    assert validate_survey(survey).ok
    # without the mapping the same files are not found
    with pytest.raises(DataError, match="no file for the employees table"):
        load_survey(tmp_path)


def test_mapping_with_sav(tmp_path: Path, tables) -> None:
    theirs = their_tables(tables)
    write_sav(theirs["establishments"], tmp_path / "vestigingen.sav", {"SECTOR": {1: "ICT"}})
    write_sav(theirs["employees"], tmp_path / "werknemers.sav")
    mapping = {t: dict(MAPPING[t]) for t in MAPPING}
    mapping["establishments"]["file"] = "vestigingen.sav"
    mapping["employees"]["file"] = "werknemers.sav"
    survey = load_survey(tmp_path, mapping=mapping)
    assert_same_tables(survey, tables)  # label 'ICT' is overridden by the mapping of code 1


def test_unrecoded_value_is_reported_not_dropped(tmp_path: Path, tables) -> None:
    theirs = their_tables(tables)
    theirs["employees"].loc[2, "FUNCTIE"] = "DIR"
    theirs["establishments"].to_csv(tmp_path / "vestigingen.csv", index=False)
    theirs["employees"].to_csv(tmp_path / "werknemers.csv", index=False)
    report = validate_survey(load_survey(tmp_path, mapping=MAPPING))
    find(report.violations, "werknemers.csv", 4, "role", "(got 'DIR')")


def test_example_mapping_file_is_valid() -> None:
    mapping = load_mapping(REPO_DATA / "mapping.example.yaml")
    assert mapping.source == "mapping.example.yaml"
    assert mapping.table("employees").columns["Q12_rug"] == "complaint_back"
    assert mapping.table("employees").values["complaint_back"]["weet niet"] is None
    assert mapping.table("establishments").values["sector"]["1"] == "informatie_communicatie"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "employees:\n  columns: {Q12_rug: back_pain}\n",
            ["mapping.yaml: employees.columns.Q12_rug: maps onto 'back_pain'"],
        ),
        ("employees:\n  values: {role: {LG: baas}}\n", ["mapping.yaml", "employees.values.role", "'baas'"]),
        (
            "employees:\n  values: {complaint_back: {yes: 1}}\n",
            ["mapping.yaml", "employees.values.complaint_back", "quote"],
        ),
        ("werknemers:\n  columns: {}\n", ["mapping.yaml: werknemers: unknown table"]),
        ("employees:\n  columns: [WN_ID, employee_id]\n", ["mapping.yaml: employees.columns: must map"]),
        ("employees: [\n", ["mapping.yaml", "not valid YAML"]),
    ],
)
def test_bad_mapping_file(tmp_path: Path, csv_dir: Path, text: str, fragments: list[str]) -> None:
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_survey(csv_dir, mapping=mapping_file)
    for fragment in fragments:
        assert fragment in str(info.value)


# --------------------------------------------------------------------------- atomic writes


def _fail_on_second_table(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    written: list[str] = []
    real = survey_module._write_table

    def flaky(frame, path, fmt, table, cb):
        if written:
            raise OSError("disk full")
        real(frame, path, fmt, table, cb)
        written.append(table)

    monkeypatch.setattr(survey_module, "_write_table", flaky)
    return written


def test_write_survey_leaves_nothing_when_it_fails(tmp_path: Path, tables, monkeypatch) -> None:
    written = _fail_on_second_table(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        write_survey(tables, tmp_path / "out")
    assert written == ["establishments"], "the first table was written before the failure"
    assert list(tmp_path.iterdir()) == [], "no output folder and no temporary folder left behind"


def test_write_survey_keeps_old_files_when_it_fails(tmp_path: Path, tables, monkeypatch) -> None:
    old = make_valid_tables(n_establishments=2, employees_per_establishment=2)
    write_survey(old, tmp_path / "out")
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    _fail_on_second_table(monkeypatch)
    with pytest.raises(OSError):
        write_survey(tables, tmp_path / "out")
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_write_survey_replaces_existing_files(tmp_path: Path, tables) -> None:
    write_survey(make_valid_tables(n_establishments=2, employees_per_establishment=2), tmp_path / "out")
    (tmp_path / "out" / "notes.txt").write_text("keep me", encoding="utf-8")
    write_survey(tables, tmp_path / "out")
    assert_same_tables(load_survey(tmp_path / "out"), tables)
    assert (tmp_path / "out" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_crlf_line_endings_and_utf8_bom_are_accepted(tmp_path: Path, tables) -> None:
    write_csv(tables, tmp_path)
    path = tmp_path / "employees.csv"
    text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    survey = load_survey(tmp_path)
    assert_same_tables(survey, tables)
    assert validate_survey(survey).ok


def test_header_only_file_is_reported(csv_dir: Path, tables) -> None:
    tables["employees"].iloc[:0].to_csv(csv_dir / "employees.csv", index=False)
    report = validate_survey(load_survey(csv_dir))
    assert [str(v) for v in report.violations] == ["employees.csv: contains no data rows"]
