"""Slow tier: the issue's survey end to end, rendered to HTML.

A survey of 206 establishments without one workload aspect (detachment) and one KANS region (arm),
in which no non-manager knows about conversations that the employer does not report: `fit all`
exits 0 and fits all ten models, `findings` gives a number or "niet te schatten op deze gegevens"
for every finding, and the HTML book's opening names what is absent and what could not be
estimated, and shows no study result of other data.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from thuiswerk.analysis import estimands
from thuiswerk.cli import app
from thuiswerk.core import nl
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.core.runconfig import RunConfig
from thuiswerk.data import simulate
from thuiswerk.modelling import specs
from thuiswerk.reporting import render

pytestmark = pytest.mark.slow
runner = CliRunner()
SETTINGS = ["--chains", "2", "--tune", "300", "--draws", "300"]  # enough for every model to run; not for the policy
ABSENT = ("detachment_problems", "complaint_arm")
EMPTY_CELL = "knows_x_employer_conversations|niet_leidinggevende"


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("partial-render")
    data = root / "data"
    simulate.write(simulate.simulate(n_establishments=206, seed=7), data)
    emp = pd.read_csv(data / "employees.csv", dtype=str, keep_default_na=False)
    est = pd.read_csv(data / "establishments.csv", dtype=str, keep_default_na=False)
    employer = emp["establishment_id"].map(est.set_index("establishment_id")["employer_conversations"])
    cell = (emp["role"] == "niet_leidinggevende") & (employer == "0") & (emp["knows_conversations"] == "1")
    emp.loc[cell, "knows_conversations"] = "0"
    emp.drop(columns=list(ABSENT)).to_csv(data / "employees.csv", index=False)
    (data / "population.csv").unlink(missing_ok=True)
    return data, root / "fits"


def test_fit_all_findings_and_the_html_book(survey, tmp_path):
    data, fits = survey
    options = ["--data", str(data), "--fits", str(fits)]
    fitted = runner.invoke(app, ["fit", "all", *options, *SETTINGS])
    assert fitted.exit_code == 0, fitted.output
    assert "Traceback" not in fitted.output
    assert all((fits / f"{name}.nc").is_file() for name in specs.SPECS), fitted.output
    assert f"{EMPTY_CELL} left out: no non-manager knows conversations" in fitted.output

    table = runner.invoke(app, ["findings", *options, "--format", "csv", "--allow-failing"])
    assert table.exit_code == 0, table.output
    rows = pd.read_csv(io.StringIO(table.stdout), keep_default_na=False, na_values=[""])
    assert set(rows["id"]) == {e.id for e in estimands.ESTIMANDS}
    blank = rows[rows["mean"].isna()]
    assert set(blank["wording"]) == {nl.NOT_ESTIMABLE}
    assert "afstand_nemen_moeite_leidinggeven" in set(blank["id"])  # the absent aspect's own finding
    assert blank["reason"].str.contains("geen enkele niet-leidinggevende kent gesprekken").any()
    assert rows.loc[rows["id"] == "werkdruk_afspraken_werktijden", "items"].iloc[0].count(",") == 4  # 5 of 6

    quarto = render.find_quarto()
    if quarto is None:
        pytest.skip(f"no Quarto: {render.offline_quarto()} is not installed (README 'Report (for authors)')")
    root = tmp_path / "book"  # the book's sources, rendered apart from the repository's _output/
    root.mkdir()
    shutil.copy2(REPO_ROOT / "_quarto.yml", root / "_quarto.yml")
    shutil.copytree(REPO_ROOT / "report", root / "report", ignore=render.SCRATCH)
    run = RunConfig(data=data, fits=fits)
    models = list(specs.SPECS)
    render.render(quarto, run, "html", root=root, echo=lambda _: None, failing=models)
    html = {p.name: p.read_text(encoding="utf-8") for p in (root / render.OUTPUT_DIR).rglob("*.html")}
    home = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html["index.html"]))
    assert "Wat deze gegevens niet bevatten" in home
    for column in ABSENT:
        assert nl.label(column) in home
    assert "geen enkele niet-leidinggevende kent gesprekken om te zien wat er leeft" in home
    assert nl.NOT_ESTIMABLE in " ".join(html.values())
    assert not any("Traceback" in text for text in html.values())
    # the shipped studies belong to the synthetic survey: not shown here, and the command named instead
    for chapter in ("04-resultaten-tot-stand.html", "B-diagnostiek.html"):
        assert "niet op deze gegevens uitgevoerd" in html[chapter], chapter
    assert "--data " + str(data) in html["B-diagnostiek.html"].replace("&#x2011;", "-")
