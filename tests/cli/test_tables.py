"""`thuiswerk tables`: every descriptive table, as rich text or CSV; an absent column leaves its table out."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from thuiswerk.analysis import descriptive
from thuiswerk.cli import app
from thuiswerk.cli.main import EXIT_USAGE
from thuiswerk.core.resources import REPO_ROOT

runner = CliRunner()
SYNTHETIC = REPO_ROOT / "data" / "synthetic"


def test_csv_holds_every_table_with_dot_decimals() -> None:
    result = runner.invoke(app, ["tables", "--format", "csv", "--data", str(SYNTHETIC)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), keep_default_na=True)
    assert list(table.columns) == descriptive.COLUMNS
    assert set(table["table"]) == {t.name for t in descriptive.TABLES}
    assert "\nhomeworking,voor_pandemie_incidenteel,,share,0." in result.stdout  # a dot decimal
    overtime = table[(table["table"] == "overtime") & (table["role"] == "leidinggevende")]
    assert 0 < float(overtime["value"].iloc[0]) < 10


def test_table_format_prints_each_table_by_name() -> None:
    result = runner.invoke(app, ["tables", "--data", str(SYNTHETIC)])
    assert result.exit_code == 0, result.output
    for name in ("overtime", "isolation_exhaustion", "workload_change", "national_employees", "inspection_visit"):
        assert f"{name}:" in result.stdout


def test_an_absent_column_leaves_its_table_out_with_a_notice(tmp_path: Path) -> None:
    folder = tmp_path / "survey"
    folder.mkdir()
    pd.read_csv(SYNTHETIC / "establishments.csv", dtype=str).to_csv(folder / "establishments.csv", index=False)
    emp = pd.read_csv(SYNTHETIC / "employees.csv", dtype=str)
    emp.drop(columns=["separate_workspace"]).to_csv(folder / "employees.csv", index=False)
    result = runner.invoke(app, ["tables", "--format", "csv", "--data", str(folder)])
    assert result.exit_code == 0, result.output
    assert "workspace: left out, the survey lacks separate_workspace" in result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert "workspace" not in set(table["table"]) and "overtime" in set(table["table"])
    assert "Traceback" not in result.output


def test_a_bad_format_is_a_usage_error_without_traceback() -> None:
    result = runner.invoke(app, ["tables", "--format", "xml", "--data", str(SYNTHETIC)])
    assert result.exit_code == EXIT_USAGE
    assert "--format must be one of table, csv" in result.output and "Traceback" not in result.output
