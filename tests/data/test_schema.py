"""Validation rules: each bad input must be reported with file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import find, make_valid_tables, write_csv
from thuiswerk.core import codebook
from thuiswerk.data.outcome import ValidationReport
from thuiswerk.data.schema import build_schema
from thuiswerk.data.survey import Survey, load_survey
from thuiswerk.data.validation import validate_survey
from thuiswerk.data.violations import Violation

EMP = "employees.csv"
EST = "establishments.csv"


def validate_csv(tables: dict[str, pd.DataFrame], directory: Path) -> ValidationReport:
    return validate_survey(load_survey(write_csv(tables, directory)))


def line(position: int) -> int:
    """CSV line of a 0-based data row (line 1 is the header)."""
    return position + 2


def set_cell(frame: pd.DataFrame, position: int, column: str, value: object) -> None:
    frame[column] = frame[column].astype(object)
    frame.iloc[position, frame.columns.get_loc(column)] = value


# --------------------------------------------------------------------------- the valid fixture


def test_valid_fixture_has_no_violations(csv_dir: Path) -> None:
    report = validate_survey(load_survey(csv_dir))
    assert report.violations == []
    assert report.ok


def test_valid_fixture_covers_every_codebook_variable(tables: dict[str, pd.DataFrame]) -> None:
    cb = codebook.load()
    for table, frame in tables.items():
        assert list(frame.columns) == cb.columns(table)
        build_schema(table).validate(frame)  # pandera itself agrees


def test_fixture_exercises_both_sides_of_every_condition(tables: dict[str, pd.DataFrame]) -> None:
    emp, est = tables["employees"], tables["establishments"]
    assert set(emp["role"]) == {"leidinggevende", "niet_leidinggevende"}
    assert set(emp["questionnaire_completed"]) == {0, 1}
    assert set(est["obstacles_investigated"]) == {0, 1}
    completers = emp[emp["questionnaire_completed"] == 1]
    assert completers["complaint_back"].isna().any(), "some item non-response expected"


# --------------------------------------------------------------------------- summary


def test_summary_counts_and_missingness(csv_dir: Path, tables: dict[str, pd.DataFrame]) -> None:
    summary = validate_survey(load_survey(csv_dir)).summary()
    assert all(isinstance(v, pd.DataFrame) for v in summary.values())
    emp, est = tables["employees"], tables["establishments"]
    by_role = summary["employees by role"]
    assert by_role.loc["leidinggevende", "n"] == (emp["role"] == "leidinggevende").sum()
    assert by_role["n"].sum() == len(emp)
    assert summary["establishments by size_class"]["n"].sum() == len(est)
    assert list(summary["establishments by sector"].index) == codebook.load().get("establishments", "sector").codes
    miss = summary["missingness"]
    assert len(miss) == len(codebook.load().variables)
    lead = miss.loc[("employees", "leading_remotely_difficulty")]
    assert lead["not_applicable"] == (emp["role"] != "leidinggevende").sum()
    assert lead["applicable"] == (emp["role"] == "leidinggevende").sum()
    assert lead["empty"] == 0
    back = miss.loc[("employees", "complaint_back")]
    assert back["not_applicable"] == (emp["questionnaire_completed"] == 0).sum()
    assert back["empty"] == 1
    assert back["empty_share"] == pytest.approx(1 / back["applicable"])
    assert back["may_be_empty"]
    assert not lead["may_be_empty"]
    assert summary["tables"].loc["employees", "rows"] == len(emp)


def test_summary_keeps_invalid_codes_and_empty_cells(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 0, "role", "stagiair")
    set_cell(tables["employees"], 1, "role", None)
    summary = validate_csv(tables, tmp_path).summary()
    by_role = summary["employees by role"]
    assert by_role.loc["stagiair", "n"] == 1
    assert by_role.loc["(empty)", "n"] == 1
    assert by_role["n"].sum() == len(tables["employees"])
    assert "violations by column" in summary


# --------------------------------------------------------------------------- value rules


def test_violation_str() -> None:
    v = Violation("employees.csv", 12, "home_share", "must be between 0 and 100", 130.0)
    assert str(v) == "employees.csv, row 12, column home_share: must be between 0 and 100 (got 130)"
    assert str(Violation("employees.csv", None, None, "file is empty")) == "employees.csv: file is empty"
    assert str(Violation("x.csv", 3, "age", "must be a whole number", "veertig")).endswith("(got 'veertig')")


@pytest.mark.parametrize("value", [0, 6])
def test_likert_out_of_range(tmp_path: Path, tables, value: int) -> None:
    position = 1  # non-manager who completed the questionnaire
    assert tables["employees"].loc[position, "questionnaire_completed"] == 1
    set_cell(tables["employees"], position, "psychological_workload", value)
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(
        report.violations, EMP, line(position), "psychological_workload", "must be a code from 1 to 5", f"(got {value})"
    )
    assert len(report.violations) == 1


def test_home_share_above_100(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 4, "home_share", 130)
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    (msg,) = find(report.violations, EMP, line(4), "home_share")
    assert msg == f"employees.csv, row {line(4)}, column home_share: must be between 0 and 100 (got 130)"


def test_boolean_must_be_0_or_1(tmp_path: Path, tables) -> None:
    set_cell(tables["establishments"], 2, "rie_present", 2)
    report = validate_csv(tables, tmp_path)
    find(report.violations, EST, line(2), "rie_present", "must be 0 or 1", "(got 2)")


def test_integer_must_be_whole(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 3, "age", 40.5)
    report = validate_csv(tables, tmp_path)
    find(report.violations, EMP, line(3), "age", "whole number", "(got '40.5')")
    assert len(report.violations) == 1, "a value that cannot be read is not also reported as empty"


def test_unknown_category_code(tmp_path: Path, tables) -> None:
    set_cell(tables["establishments"], 0, "size_class", "reus")
    report = validate_csv(tables, tmp_path)
    find(report.violations, EST, line(0), "size_class", "must be one of klein, midden, groot", "(got 'reus')")


def test_text_in_numeric_column(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 5, "age", "veertig")
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(report.violations, EMP, line(5), "age", "must be a whole number", "'veertig'")


def test_decimal_comma_gets_a_hint(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 2, "tenure_years", "3,5")  # quoted by to_csv, so the file stays rectangular
    report = validate_csv(tables, tmp_path)
    find(report.violations, EMP, line(2), "tenure_years", "'.' as the decimal separator", "'3,5'")


# --------------------------------------------------------------------------- keys


def test_employee_of_unknown_establishment(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 7, "establishment_id", "V999")
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(report.violations, EMP, line(7), "establishment_id", "establishments.csv", "'V999'")


def test_duplicate_employee_id(tmp_path: Path, tables) -> None:
    emp = tables["employees"]
    set_cell(emp, 6, "employee_id", emp.loc[2, "employee_id"])
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(report.violations, EMP, line(6), "employee_id", "must be unique", f"row {line(2)}")
    find(report.violations, EMP, line(2), "employee_id", "must be unique", f"row {line(6)}")


def test_duplicate_establishment_id(tmp_path: Path, tables) -> None:
    est = tables["establishments"]
    set_cell(est, 3, "establishment_id", est.loc[1, "establishment_id"])
    # the employees of the renamed establishment now point to a missing one too
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(report.violations, EST, line(3), "establishment_id", "must be unique", f"row {line(1)}")


def test_missing_id_is_reported(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 0, "employee_id", None)
    report = validate_csv(tables, tmp_path)
    find(report.violations, EMP, line(0), "employee_id", "must not be empty")


# --------------------------------------------------------------------------- emptiness and applies_when


def test_missing_role(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 8, "role", None)
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(report.violations, EMP, line(8), "role", "must not be empty")


def test_missing_role_does_not_cascade(tmp_path: Path, tables) -> None:
    """With role unknown, leading_remotely_difficulty can be neither required nor forbidden."""
    position = 1  # a non-manager: leading_remotely_difficulty is empty
    set_cell(tables["employees"], position, "role", None)
    report = validate_csv(tables, tmp_path)
    assert [v.column for v in report.violations] == ["role"]


def test_non_manager_with_leading_remotely_difficulty(tmp_path: Path, tables) -> None:
    position = 1
    assert tables["employees"].loc[position, "role"] == "niet_leidinggevende"
    set_cell(tables["employees"], position, "leading_remotely_difficulty", 4)
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(
        report.violations,
        EMP,
        line(position),
        "leading_remotely_difficulty",
        "must be empty",
        "role = leidinggevende",
        "(got 4)",
    )


def test_manager_without_leading_remotely_difficulty(tmp_path: Path, tables) -> None:
    position = 0
    assert tables["employees"].loc[position, "role"] == "leidinggevende"
    set_cell(tables["employees"], position, "leading_remotely_difficulty", None)
    report = validate_csv(tables, tmp_path)
    find(report.violations, EMP, line(position), "leading_remotely_difficulty", "must not be empty")


def test_questionnaire_item_for_non_completer(tmp_path: Path, tables) -> None:
    position = 2
    assert tables["employees"].loc[position, "questionnaire_completed"] == 0
    set_cell(tables["employees"], position, "exhaustion", 3)
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    find(report.violations, EMP, line(position), "exhaustion", "must be empty", "questionnaire_completed = 1")


def test_questionnaire_non_response_is_allowed(tmp_path: Path, tables) -> None:
    emp = tables["employees"]
    completers = emp.index[emp["questionnaire_completed"] == 1]
    for column in ("exhaustion", "workload_change", "complaint_arm"):
        set_cell(emp, completers[-1], column, None)
    assert validate_csv(tables, tmp_path).ok


def test_conditional_category_on_establishments(tmp_path: Path, tables) -> None:
    est = tables["establishments"]
    investigated = int(est.index[est["obstacles_investigated"] == 1][0])
    set_cell(est, investigated, "reason_not_investigated", "te_druk")
    set_cell(est, investigated, "investigation_method", None)
    report = validate_csv(tables, tmp_path)
    find(
        report.violations,
        EST,
        line(investigated),
        "reason_not_investigated",
        "must be empty",
        "obstacles_investigated = 0",
    )
    find(report.violations, EST, line(investigated), "investigation_method", "must not be empty")


# --------------------------------------------------------------------------- collection and in-memory surveys


def test_all_violations_are_collected(tmp_path: Path, tables) -> None:
    set_cell(tables["employees"], 0, "home_share", 130)
    set_cell(tables["employees"], 1, "age", "veertig")
    set_cell(tables["employees"], 3, "psychological_workload", 9)
    set_cell(tables["establishments"], 0, "sector", "landbouw")
    report = validate_csv(tables, tmp_path)
    assert {(v.file, v.row, v.column) for v in report.violations} == {
        (EMP, 2, "home_share"),
        (EMP, 3, "age"),
        (EMP, 5, "psychological_workload"),
        (EST, 2, "sector"),
    }
    files = [v.file for v in report.violations]
    assert files == sorted(files, key=[EST, EMP].index), "establishments first"


def test_in_memory_survey_uses_table_names_and_record_numbers() -> None:
    tables = make_valid_tables(n_establishments=3, employees_per_establishment=2)
    emp = tables["employees"].astype({"age": "float64"})  # plain dtypes are coerced, not rejected
    emp.loc[0, "age"] = 12
    report = validate_survey(Survey(establishments=tables["establishments"], employees=emp))
    assert [str(v) for v in report.violations] == ["employees, row 1, column age: must be between 16 and 75 (got 12)"]


def test_in_memory_survey_with_numpy_dtypes_is_valid() -> None:
    tables = make_valid_tables(n_establishments=2, employees_per_establishment=2)
    est = tables["establishments"].astype({"rie_present": "int64", "sector": object})
    emp = tables["employees"].assign(age=lambda d: d["age"].astype("int64"))
    assert validate_survey(Survey(establishments=est, employees=emp)).ok


def test_unknown_column_in_memory() -> None:
    tables = make_valid_tables(n_establishments=2, employees_per_establishment=2)
    emp = tables["employees"].assign(shoe_size=np.arange(len(tables["employees"])))
    report = validate_survey(Survey(establishments=tables["establishments"], employees=emp))
    find(report.violations, "employees", None, "shoe_size", "unknown column")


# --------------------------------------------------------------------------- constraints between columns


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("n_screen_risk", 10**5, "cannot exceed the number of employees"),
        ("rie_homeworking", "een_risico", "geen_rie exactly when rie_present is 0"),
    ],
)
def test_constraint_between_columns_names_row_and_columns(tables, tmp_path, column, value, fragment):
    est = tables["establishments"]
    position = int(np.flatnonzero(est["rie_present"].to_numpy() == 0)[0])
    set_cell(est, position, column, value)
    report = validate_csv(tables, tmp_path)
    assert not report.ok
    hits = [
        str(v)
        for v in report.violations
        if v.row == line(position) and column in (v.column or "") and fragment in v.rule
    ]
    assert hits, [str(v) for v in report.violations]
    assert hits[0].startswith(f"{EST}, row {line(position)}, column ")


def test_obstacle_none_with_a_named_obstacle_is_a_violation(tables, tmp_path):
    est = tables["establishments"]
    set_cell(est, 0, "obstacle_none", 1)
    set_cell(est, 0, "obstacle_no_insight", 1)
    report = validate_csv(tables, tmp_path)
    assert any("no obstacle named" in v.rule and v.row == line(0) for v in report.violations)
