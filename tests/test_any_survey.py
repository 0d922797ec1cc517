"""Property: a survey from elsewhere, with any of its optional and outcome columns missing and with
empty knowledge-by-employer cells, goes through `fit all`, `findings` and `check` without a traceback.

Every model is either fitted or skipped with its reason; every finding has either a number and an
evidence word, or no number and "niet te schatten op deze gegevens". Fast tier with bounded time:
a small simulated survey, tiny seeded fits with PyMC's sampler, a few derandomized examples
(hypothesis shrinks a failure to the fewest columns and cells that cause it).
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from thuiswerk.analysis import estimands
from thuiswerk.cli import app
from thuiswerk.cli.main import EXIT_DIAGNOSTICS
from thuiswerk.core import codebook, nl
from thuiswerk.data import simulate
from thuiswerk.modelling import specs

runner = CliRunner()
TINY = ["--sampler", "pymc", "--chains", "1", "--tune", "15", "--draws", "15"]
GROUPS = codebook.load().groups
# The columns a survey from elsewhere may lack: outcome items, covariates and exposures of the models.
ABSENT = sorted(
    {
        *GROUPS["workload"],
        *GROUPS["isolation"],
        *GROUPS["complaints"],
        "age",
        "tenure_years",
        "living_alone",
        "children_at_home",
        "gender",
        "education",
        "leading_remotely_difficulty",
        "home_share",
        "separate_workspace",
        "free_to_choose_hours",
    }
)
# An empty knowledge-by-employer cell: no employee of the role knows the measure unless the employer reports it.
CELLS = [(m, r) for m in ("conversations", "social_moments", "working_hours_agreements") for r in specs.BOTH]
EXAMPLES = 3
# every word of the evidence rule (README "Estimands"): a tiny survey may give any of them
WORDS = {nl.EVIDENCE_CLEAR, nl.EVIDENCE_HINT, nl.EVIDENCE_NONE, nl.EVIDENCE_OPPOSITE, nl.EVIDENCE_IRRELEVANT}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("any-survey")
    simulate.write(simulate.simulate(n_establishments=24, seed=11), folder)
    (folder / "population.csv").unlink(missing_ok=True)  # the population model is tested elsewhere
    return folder


def _survey(base: Path, folder: Path, absent: set[str], cells: set[tuple[str, str]]) -> Path:
    shutil.copytree(base, folder)
    emp = pd.read_csv(folder / "employees.csv", dtype=str, keep_default_na=False)
    est = pd.read_csv(folder / "establishments.csv", dtype=str, keep_default_na=False)
    for measure, role in sorted(cells):
        employer = emp["establishment_id"].map(est.set_index("establishment_id")[f"employer_{measure}"])
        rows = (emp["role"] == role) & (employer == "0") & (emp[f"knows_{measure}"] == "1")
        emp.loc[rows, f"knows_{measure}"] = "0"
    # a column is absent from the table that holds it (free_to_choose_hours is the employer's answer)
    emp.drop(columns=sorted(absent & set(emp.columns))).to_csv(folder / "employees.csv", index=False)
    est.drop(columns=sorted(absent & set(est.columns))).to_csv(folder / "establishments.csv", index=False)
    assert absent <= set(emp.columns) | set(est.columns), absent - set(emp.columns) - set(est.columns)
    return folder


@pytest.fixture(scope="module")
def fits(tmp_path_factory) -> Path:
    """One fits folder for every example: a model whose inputs an example leaves as they were is reused,
    as it would be for a user; only the models the example changes are fitted again."""
    return tmp_path_factory.mktemp("any-survey-fits")


@pytest.mark.sampling
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    absent=st.sets(st.sampled_from(ABSENT), min_size=1, max_size=8),
    cells=st.sets(st.sampled_from(CELLS), max_size=3),
)
def test_any_survey_goes_through_fit_findings_and_check(base, fits, absent, cells):
    with tempfile.TemporaryDirectory(prefix="thuiswerk-any-") as scratch:
        data = _survey(base, Path(scratch) / "data", absent, cells)
        options = ["--data", str(data), "--fits", str(fits)]

        fitted = runner.invoke(app, ["fit", "all", *options, *TINY])
        assert "Traceback" not in fitted.output, fitted.output
        assert fitted.exit_code == 0, fitted.output
        for name in specs.SPECS:  # fitted (or reused: its inputs are those of an earlier example), or skipped
            status = re.search(rf"^\s*{name}\s+(fitted|reused|skipped)\b", fitted.stdout, re.M)
            assert status, f"{name} has no status in\n{fitted.stdout}"
            if status.group(1) == "skipped":
                assert f"{name}: not fitted on this survey: " in fitted.output

        table = runner.invoke(app, ["findings", *options, "--format", "csv", "--allow-failing"])
        assert table.exit_code == 0 and "Traceback" not in table.output, table.output
        rows = pd.read_csv(io.StringIO(table.stdout), keep_default_na=False, na_values=[""])
        assert set(rows["id"]) == {e.id for e in estimands.ESTIMANDS}  # every finding has a row
        number = np.isfinite(rows["mean"].astype(float))
        slopes = rows["direction"].notna()
        assert rows.loc[number & slopes, "wording"].isin(WORDS).all()
        assert (rows.loc[~number, "wording"] == nl.NOT_ESTIMABLE).all()
        assert rows.loc[~number, "reason"].astype(str).str.len().gt(0).all()  # always says why

        check = runner.invoke(app, ["check", *options])
        assert check.exit_code in (0, EXIT_DIAGNOSTICS) and "Traceback" not in check.output, check.output
