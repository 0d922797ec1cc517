"""Interfaces: the ``thuiswerk`` command (thin glue, every error a message and an exit code).

:mod:`thuiswerk.cli.main` holds the Typer app and its error guard; the commands
are grouped by what they act on: :mod:`~thuiswerk.cli.data` (simulate,
validate), :mod:`~thuiswerk.cli.models` (fit, fits, check, compare, findings),
:mod:`~thuiswerk.cli.studies` (scenarios, sbc, kfold, design, bench) and
:mod:`~thuiswerk.cli.report` (report, attack, run). They are registered here, in the
order ``thuiswerk --help`` lists them; ``thuiswerk = "thuiswerk.cli:app"`` is the
entry point, ``python -m thuiswerk.cli`` runs it too.

Imports every layer below it; never :mod:`thuiswerk.api` (neither interface imports the other).
"""

from thuiswerk.cli import data, models, report, studies
from thuiswerk.cli.main import app

app.command()(data.simulate)
app.command()(data.validate)
app.command("fit")(models.fit_command)
app.add_typer(models.fits_app, name="fits")
app.command()(models.check)
app.command()(models.compare)
app.command()(studies.scenarios)
app.command()(studies.sbc)
app.command()(studies.kfold)
app.command()(studies.design)
app.command()(studies.null)
app.command()(models.findings)
app.command()(data.tables)
app.command()(report.report)
app.command("attack")(report.attack_command)
app.command()(studies.bench)
app.command("run")(report.run_command)

__all__ = ["app"]
