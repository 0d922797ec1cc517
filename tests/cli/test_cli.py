"""The `thuiswerk` command: exit codes, messages, and the embedded default survey."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from thuiswerk.cli import app
from thuiswerk.cli.main import EXIT_INVALID, EXIT_UNREADABLE
from thuiswerk.core.resources import REPO_DATA

runner = CliRunner()


@pytest.fixture(scope="module")
def small_survey(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "survey"
    result = runner.invoke(app, ["simulate", "--establishments", "30", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_simulate_writes_both_tables_and_truth(small_survey: Path) -> None:
    assert sorted(p.name for p in small_survey.iterdir()) == [
        "employees.csv",
        "establishments.csv",
        "population.csv",  # the frame the sample stands for, its shares' population values in truth.json
        "truth.json",
    ]
    assert len(pd.read_csv(small_survey / "establishments.csv")) == 30


def test_validate_valid_survey_exits_zero_with_summary(small_survey: Path) -> None:
    result = runner.invoke(app, ["validate", str(small_survey)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    assert "leidinggevende" in result.output  # counts by role are printed


def _copy_with(src: Path, dst: Path, table: str, column: str, row: int, value) -> None:
    dst.mkdir()
    for name in ("establishments.csv", "employees.csv"):
        frame = pd.read_csv(src / name, dtype=str, keep_default_na=False)
        if name == f"{table}.csv":
            frame.loc[row, column] = value
        frame.to_csv(dst / name, index=False)


def test_validate_bad_value_names_file_row_column_and_exits_nonzero(small_survey: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    _copy_with(small_survey, bad, "employees", "home_share", 3, "130")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == EXIT_INVALID
    # data row index 3 is line 5 of the file (header is line 1)
    assert "employees.csv, row 5, column home_share" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in bad.iterdir()) == ["employees.csv", "establishments.csv"]  # nothing written


def test_validate_unreadable_file_exits_two(small_survey: Path, tmp_path: Path) -> None:
    bad = tmp_path / "semicolon"
    bad.mkdir()
    for name in ("establishments.csv", "employees.csv"):
        pd.read_csv(small_survey / name, dtype=str).to_csv(bad / name, index=False, sep=";")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == EXIT_UNREADABLE
    assert "establishments.csv" in result.output
    assert "Traceback" not in result.output


def test_committed_default_survey_is_what_simulate_generates(tmp_path: Path) -> None:
    """data/synthetic is the embedded default: regenerating it must give the same bytes.

    If this fails after a dependency upgrade changed a random stream, regenerate with
    `thuiswerk simulate` and commit the result together with the reason.
    """
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    committed = REPO_DATA / "synthetic"
    for name in ("establishments.csv", "employees.csv", "truth.json"):
        assert filecmp.cmp(committed / name, tmp_path / name, shallow=False), f"{name} differs from a fresh simulate"


def test_report_without_quarto_says_how_to_install_and_exits_nonzero(monkeypatch) -> None:
    from thuiswerk.cli.main import EXIT_NO_QUARTO, EXIT_USAGE
    from thuiswerk.reporting import render

    monkeypatch.setattr(render, "find_quarto", lambda: None)
    result = runner.invoke(app, ["report"])
    assert result.exit_code == EXIT_NO_QUARTO
    assert "quarto.org" in result.output and "quarto-offline/setup.sh" in result.output
    result = runner.invoke(app, ["report", "--to", "latex"])
    assert result.exit_code == EXIT_USAGE and "html, pdf, docx" in result.output


def test_find_quarto_falls_back_to_the_offline_build(monkeypatch, tmp_path) -> None:
    import shutil

    from thuiswerk.reporting import render

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert render.find_quarto() is None
    binary = tmp_path / "quarto-offline" / "bin" / "quarto"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert render.find_quarto() == binary


def test_run_renders_the_report_when_a_quarto_is_found(monkeypatch, tmp_path) -> None:
    """`thuiswerk run` ends with `thuiswerk report` on the same data, fits and seed (the steps before are stubbed)."""
    from types import SimpleNamespace

    from thuiswerk.cli import report as report_cli  # `run` and the steps it calls
    from thuiswerk.reporting import render

    calls = []
    for step in ("simulate", "fit_command", "check", "compare", "findings"):
        monkeypatch.setattr(report_cli, step, lambda *a, _s=step, **k: calls.append(_s))
    monkeypatch.setattr(report_cli, "_validate", lambda *a, **k: SimpleNamespace(ok=True))
    monkeypatch.setattr(report_cli, "report", lambda **k: calls.append(("report", k)))
    monkeypatch.setattr(render, "find_quarto", lambda: tmp_path / "quarto")
    report_cli.run_command(data=tmp_path, synthetic=True, fits=tmp_path / "fits", seed=7)
    assert calls[0] == "simulate"
    assert calls[-1] == (
        "report",
        {"data": tmp_path, "mapping": None, "fits": tmp_path / "fits", "seed": 7, "config": None},
    )
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    calls.clear()
    report_cli.run_command(data=tmp_path, fits=tmp_path / "fits")
    assert "simulate" not in calls  # a survey folder of one's own is never overwritten by the synthetic one
    assert calls[-1] == "findings"  # no Quarto: the report is skipped with a hint


def test_run_configuration_options_then_environment_then_defaults(monkeypatch) -> None:
    from thuiswerk.core.runconfig import DEFAULT_SEED, RunConfig

    env = {"THUISWERK_DATA": "real", "THUISWERK_SEED": "5", "THUISWERK_MAPPING": "m.yaml"}
    run = RunConfig.resolve(fits="elsewhere", environ=env)
    assert (run.data, run.fits, run.seed, run.mapping, run.config) == (
        Path("real"),
        Path("elsewhere"),
        5,
        Path("m.yaml"),
        None,
    )
    assert RunConfig.resolve(seed=9, environ=env).seed == 9  # an option beats the variable
    assert RunConfig.resolve(environ={}).seed == DEFAULT_SEED and RunConfig.resolve(environ={}).options() == []
    assert run.command("fit", "workload", "isolation") == (
        "thuiswerk fit workload isolation --data real --mapping m.yaml --fits elsewhere --seed 5"
    )
    with pytest.raises(ValueError, match="whole number"):
        RunConfig.resolve(environ={"THUISWERK_SEED": "abc"})


def test_every_stale_model_is_named_with_one_command_that_keeps_the_options(tmp_path) -> None:
    """The stale-fit hint repeats --fits/--seed and names every model, so following it refits them where they are read."""
    fits = tmp_path / "my fits"
    result = runner.invoke(app, ["check", "workload", "isolation", "--fits", str(fits), "--seed", "11"])
    from thuiswerk.cli.main import EXIT_STALE

    assert result.exit_code == EXIT_STALE, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Run: ")]
    assert lines == [f"Run: thuiswerk fit workload isolation --fits '{fits}' --seed 11"], result.output
    assert str(fits / "workload.nc") in result.output and str(fits / "isolation.nc") in result.output


def test_tables_keep_every_column_when_not_on_a_terminal(capsys) -> None:
    import pandas as pd

    from thuiswerk.cli import main as cli_main

    wide = pd.DataFrame(
        {f"column_with_a_long_name_{i}": [1.5, 2.25] for i in range(8)}, index=pd.Index(["a", "b"], name="model")
    )
    cli_main._print_frame(wide, "wide")
    out = capsys.readouterr().out
    assert all(f"column_with_a_long_name_{i}" in out for i in range(8)), out
    assert "…" not in out


def test_fit_waits_as_long_as_asked_for_another_fit_of_the_model(monkeypatch, tmp_path) -> None:
    """--wait reaches the lock: how long a second fit of the same model waits before exit 9."""
    from types import SimpleNamespace

    from thuiswerk.modelling import workflow

    seen = {}

    def fake_fit_model(spec, *args, **kwargs):
        seen[spec.name] = kwargs["lock_timeout"]
        return SimpleNamespace(cached=True, restored=False, seconds=0.0, path=tmp_path / f"{spec.name}.nc",
                               excluded={}, removed=())  # fmt: skip

    monkeypatch.setattr(workflow, "fit_model", fake_fit_model)
    result = runner.invoke(app, ["fit", "workload", "--fits", str(tmp_path), "--wait", "0.5"])
    assert result.exit_code == 0, result.output
    assert seen == {"workload": 0.5}


def test_high_pareto_k_is_said_once_per_model_in_words() -> None:
    import numpy as np

    from thuiswerk.analysis.compare import pareto_k_note

    assert pareto_k_note("workload", np.array([0.2, 0.5, 0.69])) is None
    note = pareto_k_note("workload", np.array([0.2, 0.95, 0.8]))
    assert note.startswith("workload: 2 of 3 employees have Pareto k above 0.7 (largest 0.95)")
    assert "1 of 2 employees has" in pareto_k_note("awareness", np.array([0.1, 0.75]))


def test_validate_takes_the_folder_as_argument_or_as_data_option_like_every_other_command(tmp_path):
    from thuiswerk.data import simulate

    folder = tmp_path / "survey"
    simulate.write(simulate.simulate(n_establishments=20, seed=2), folder)
    by_option = CliRunner().invoke(app, ["validate", "--data", str(folder)])
    by_argument = CliRunner().invoke(app, ["validate", str(folder)])
    assert by_option.exit_code == by_argument.exit_code == 0, by_option.output
    assert by_option.output == by_argument.output and str(folder) in by_option.output
    both = CliRunner().invoke(app, ["validate", str(folder), "--data", str(tmp_path)])
    assert both.exit_code == 3 and "two survey folders" in both.output


def test_attack_says_what_the_publication_tells_of_each_protected_cell(tmp_path, monkeypatch) -> None:
    """`thuiswerk attack` on a survey of 40 establishments with a frame: every protected count keeps its
    range (exit 0); with the protection switched off the same command finds pinned counts and exits 14."""
    from thuiswerk.core.errors import DisclosureError
    from thuiswerk.data import linked

    folder = tmp_path / "survey"
    assert (
        runner.invoke(app, ["simulate", "--establishments", "40", "--seed", "1", "--out", str(folder)]).exit_code == 0
    )
    (folder / "population.csv").write_bytes((REPO_DATA / "synthetic" / "population.csv").read_bytes())
    result = runner.invoke(app, ["attack", "--data", str(folder)])
    assert result.exit_code == 0, result.output
    assert "None of" in result.output and "is pinned down" in result.output
    assert "Openbaar bestuur" in result.output  # a protected sector, by its Dutch name
    protect = linked.protect_groups
    monkeypatch.setattr(linked, "protect_groups", lambda est, frame=None, **kw: protect(est, frame, linked=False))
    off = runner.invoke(app, ["attack", "--data", str(folder)])
    assert off.exit_code == DisclosureError.exit_code == 14, off.output
    assert "protected counts are pinned down; do not publish" in off.output


def test_attack_on_a_survey_without_the_answers_published_by_group(tmp_path) -> None:
    """Without rie_present and rie_homeworking there is nothing to attack (said, exit 0); with only one of them
    the outputs that use it are attacked. Found by running the command on such a survey: a KeyError."""
    folder = tmp_path / "survey"
    assert (
        runner.invoke(app, ["simulate", "--establishments", "40", "--seed", "1", "--out", str(folder)]).exit_code == 0
    )
    (folder / "population.csv").write_bytes((REPO_DATA / "synthetic" / "population.csv").read_bytes())
    est = pd.read_csv(folder / "establishments.csv")
    est.drop(columns=["rie_homeworking"]).to_csv(folder / "establishments.csv", index=False)
    half = runner.invoke(app, ["attack", "--data", str(folder)])
    assert half.exit_code == 0, half.output
    assert "rie_present" in half.output and "rie_homeworking" not in half.output.split("protected cell")[-1]
    est.drop(columns=["rie_homeworking", "rie_present"]).to_csv(folder / "establishments.csv", index=False)
    none = runner.invoke(app, ["attack", "--data", str(folder)])
    assert none.exit_code == 0, none.output
    assert "nothing to attack" in none.output and "Traceback" not in none.output
