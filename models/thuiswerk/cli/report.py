"""The commands that make the report: ``report`` renders it, ``run`` is the main job that ends with it.

``run`` (re)generates the synthetic survey, validates it, and runs ``fit``,
``check``, ``compare``, ``findings`` and ``report`` on it in turn; one step's
failure never stops the others, and it exits with the most severe code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from thuiswerk.cli.data import _survey, _validate, simulate
from thuiswerk.cli.main import (
    EXIT_DIAGNOSTICS,
    EXIT_INVALID,
    EXIT_USAGE,
    _plain,
    _print_frame,
    _report_error,
    console,
    err,
)
from thuiswerk.cli.models import check, compare, findings, fit_command
from thuiswerk.cli.options import AllowFailingOpt, ConfigOpt, DataOpt, FitsOpt, MappingOpt, SeedOpt, _run
from thuiswerk.cli.selection import _adapt, _current, _frame, _gate, _specs
from thuiswerk.core import errors
from thuiswerk.core.runconfig import DEFAULT_DATA

QUARTO_HELP = (
    "Quarto is not installed (no `quarto` on PATH and none under ~/.cache/quarto-offline). "
    "Install it from https://quarto.org/docs/get-started/ (or, offline, build it with "
    'quarto-offline/setup.sh as README.md "Report (for authors)" says); then run `thuiswerk report` again.'
)


def attack_command(
    data: DataOpt = None,
    mapping: MappingOpt = None,
) -> None:
    """Attack what the report and `findings` publish by sector and size class, before publishing.

    Makes the publication as `report` and `findings` make it (the findings' sample and design-based rows,
    figure 15, the RI&E table, the size classes in the text of chapter 8), and solves, as an attacker who
    knows each stratum's number of establishments would, for the range of every answer's count in every
    blanked group of fewer than 10 establishments. Prints one row per such cell and exits 14 when any is
    pinned down exactly or within one (README "Disclosure control"). Needs no fit.
    """
    from thuiswerk.analysis import mrp
    from thuiswerk.data import linked, shares
    from thuiswerk.reporting import attack

    run = _run(data=data, mapping=mapping)
    survey = _survey(run)
    frame = _frame(run, survey, quiet=True)
    est, emp = survey.establishments, survey.employees
    present = [c for c in linked.LINKED_COLUMNS if c in est.columns]
    if not present:
        console.print(f"{run.data} has none of the answers published by sector and size class "
                      f"({', '.join(linked.LINKED_COLUMNS)}): nothing to attack.", markup=False)  # fmt: skip
        return
    protection = linked.protect_groups(est, frame)
    rows = None
    if frame is not None:
        wanted = tuple(s for s in shares.SHARES if s.column in linked.LINKED_COLUMNS)
        inputs = mrp.strata_inputs(est, emp, wanted)
        rows = mrp.rows(None, inputs, frame, protection)
    for note in protection.notes:
        console.print(f"protection: {note}", markup=False)
    found = attack.attack(est, frame, attack.publication(est, emp, rows, protection))
    where = f"{run.data}" + ("" if frame is not None else " (no population frame: no weighted estimates published)")
    if found.empty:
        console.print(f"No group of fewer than 10 establishments is blanked in {where}: nothing to attack.")
        return
    shown = found.assign(
        range=[f"{lo:.0f}-{hi:.0f}" for lo, hi in zip(found["low"], found["high"])],
        a_priori=found["a_priori"].map(lambda v: f"{v:.0f}"),
    )
    _print_frame(shown[["column", "dimension", "label", "answer", "n", "range", "a_priori", "pinned"]],
                 f"What the publication of {where} tells about each protected cell")  # fmt: skip
    pinned = found[found["pinned"]]
    if len(pinned):
        err.print(f"[bold red]{len(pinned)} of {len(found)} protected counts are pinned down; do not publish "
                  "(and report it: the protection should have blanked more)[/]")  # fmt: skip
        raise typer.Exit(errors.DisclosureError.exit_code)
    console.print(f"None of {len(found)} protected counts is pinned down exactly or within one.")


def report(
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
    to: Annotated[str, typer.Option(help="html, pdf, docx, or all (one HTML site, one PDF, one DOCX).")] = "all",
    allow_failing: AllowFailingOpt = False,
) -> None:
    """Render the Dutch report (a Quarto book) into _output/ from the stored fits (never samples)."""
    import time

    from thuiswerk.core.errors import NoQuartoError
    from thuiswerk.reporting import render

    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    try:
        fmts = render.formats(to)
    except ValueError as exc:
        err.print(f"[bold red]{exc}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    quarto = render.find_quarto()
    if quarto is None:
        raise NoQuartoError(QUARTO_HELP)
    survey = _survey(run)
    selected = _adapt(_specs(["all"], run), survey)
    frame = _frame(run, survey)
    _, state = _current(selected, survey, run, "Not in the report", population=frame is not None)
    failing, left = _gate(state["current"], run, allow_failing)
    codes = [*state["codes"], EXIT_DIAGNOSTICS if left else 0]
    console.print(f"Rendering {', '.join(fmts)} with {quarto}", highlight=False)
    started = time.monotonic()
    outputs = render.render(quarto, run, ",".join(fmts), echo=_plain, failing=failing, left_out=left)
    from thuiswerk.core.resources import project_dir

    root = project_dir()
    written = ", ".join(str(p.relative_to(root) if p.is_relative_to(root) else p) for p in outputs)
    console.print(f"Wrote {written} in {time.monotonic() - started:.0f} s", highlight=False)
    code = errors.most_severe(codes)
    if code:
        err.print("The report leaves out the models named above; its opening says so.", markup=False)
        raise typer.Exit(code)


def run_command(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Survey folder; the synthetic default is (re)generated there [THUISWERK_DATA].", show_default=False
        ),
    ] = None,
    synthetic: Annotated[
        bool | None,
        typer.Option(
            help="Regenerate the embedded synthetic survey first [default: only into data/synthetic, never with --mapping].",
            show_default=False,
        ),
    ] = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """The main job: (re)generate the synthetic survey, validate it, fit every model, check, compare, render."""
    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    options = dict(data=run.data, mapping=run.mapping, fits=run.fits, seed=run.seed, config=run.config)
    if synthetic is None:  # never overwrite a survey of one's own with the synthetic one
        synthetic = run.data == DEFAULT_DATA and run.mapping is None
    if synthetic:
        if run.mapping is not None:
            err.print("[bold red]--synthetic writes the codebook's own names: it cannot be combined with --mapping[/]")
            raise typer.Exit(EXIT_USAGE)
        simulate(out=run.data)
    validation = _validate(run)
    if not validation.ok:
        raise typer.Exit(EXIT_INVALID)
    from thuiswerk.reporting.render import find_quarto

    # One step's failure never stops the others: each works on the models that are fitted and current.
    steps = [
        ("fit", lambda: fit_command(models=["all"], **options)),
        ("check", lambda: check(models=["all"], **options)),
        ("compare", lambda: compare(**options)),
        ("findings", lambda: findings(**options)),
    ]
    if find_quarto() is not None:
        steps.append(("report", lambda: report(**options)))
    codes = []
    for _name, step in steps:
        try:
            step()
        except typer.Exit as exc:
            codes.append(exc.exit_code)
        except errors.ThuiswerkError as exc:
            _report_error(exc)
            codes.append(exc.exit_code)
        else:
            codes.append(0)
    if find_quarto() is None:
        console.print(f"Report not rendered: {QUARTO_HELP}", markup=False)
    code = errors.most_severe(codes)
    if code:
        failed = ", ".join(f"{name} (exit {c})" for (name, _), c in zip(steps, codes) if c)
        err.print(f"thuiswerk run: {failed}; exit {code}", markup=False, highlight=False)
        raise typer.Exit(code)
