"""The options the commands share, and the one run configuration they resolve to.

``--data``, ``--mapping``, ``--fits``, ``--seed``, ``--config`` and
``--allow-failing`` mean the same in every command; :func:`_run` resolves them
(else ``THUISWERK_*``, else the defaults) into a
:class:`~thuiswerk.core.runconfig.RunConfig`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from thuiswerk.cli.main import EXIT_USAGE, err

ModelsArg = Annotated[list[str], typer.Argument(help="Model name(s), or 'all'.")]
DataOpt = Annotated[
    Path | None, typer.Option(help="Survey folder [THUISWERK_DATA; default data/synthetic].", show_default=False)
]
MappingOpt = Annotated[
    Path | None, typer.Option(help="YAML file mapping the data's own names onto the codebook [THUISWERK_MAPPING].")
]
FitsOpt = Annotated[
    Path | None, typer.Option(help="Folder of stored fits [THUISWERK_FITS; default data/fits].", show_default=False)
]
SeedOpt = Annotated[
    int | None,
    typer.Option(help="The seed the fits were made with [THUISWERK_SEED; default 2022].", show_default=False),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        help="YAML overrides: {model: {priors: {...}, predictors: [...], exposures: {predictor: [roles]}}} [THUISWERK_CONFIG]."
    ),
]
AllowFailingOpt = Annotated[
    bool,
    typer.Option(
        "--allow-failing", help="Use fits that fail the convergence policy (`thuiswerk check`), marked as such."
    ),
]


def _run(**options):
    """The run configuration from the options given, else THUISWERK_*, else the defaults."""
    from thuiswerk.core.runconfig import RunConfig

    try:
        return RunConfig.resolve(**options)
    except ValueError as exc:
        err.print(f"[bold red]{exc}[/]", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None


def _data_arg(run) -> str:
    """The options besides --seed, as the workflow's messages append them to `thuiswerk fit MODEL`."""
    import shlex

    options = run.options(seed=False)
    return " " + shlex.join(options) if options else ""
