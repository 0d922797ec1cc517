"""The ``thuiswerk`` app and its error guard; the consoles, exit codes and tables every command uses.

Thin glue only: each command resolves one :class:`~thuiswerk.core.runconfig.RunConfig`
from its options (else the ``THUISWERK_*`` variables, else the defaults), calls
one library function and prints the result. No traceback reaches the user for
anything the user can cause: every command is guarded (:class:`_App`), which
maps a :class:`~thuiswerk.core.errors.ThuiswerkError` to its message, its hint
(repeating the options given) and its exit code (listed in
:mod:`thuiswerk.core.errors`); anything else is a bug, reported in one line with
its traceback in a log file.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click
import typer
from rich.console import Console
from rich.table import Table

from thuiswerk.core import errors

# Exit codes: one table, in thuiswerk.core.errors (each error class carries its code).
EXIT_INVALID = errors.InvalidDataError.exit_code  # the data violate the codebook
EXIT_UNREADABLE = 2  # a file could not be read at all (thuiswerk.data.files.DataError.exit_code)
EXIT_USAGE = errors.UsageError.exit_code  # unknown model, bad option or config
EXIT_STALE = errors.StaleFitError.exit_code  # a stored fit is missing or stale
EXIT_DIAGNOSTICS = errors.DiagnosticsError.exit_code  # convergence diagnostics fail the policy
EXIT_NO_QUARTO = errors.NoQuartoError.exit_code
EXIT_RENDER = errors.RenderError.exit_code  # Quarto failed or wrote less than a book render must


def _internal(exc: BaseException, where: str) -> errors.InternalError:
    """An unexpected exception as an :class:`errors.InternalError`: its traceback written to a log file."""
    import tempfile
    import time
    import traceback

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "thuiswerk" / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    log = folder / f"error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{id(exc):x}.log"
    text = "".join(traceback.format_exception(exc))
    try:
        log.write_text(f"thuiswerk {where}\n{text}", encoding="utf-8")
        where_logged = f"the traceback is in {log}"
    except OSError:
        where_logged = "the traceback could not be written to a log file"
    message = str(exc).splitlines()[0] if str(exc) else ""
    return errors.InternalError(
        f"{where}: unexpected {type(exc).__name__}{': ' + message if message else ''} (a bug in thuiswerk; "
        f"{where_logged})",
        hint="Please report it with that file. THUISWERK_DEBUG=1 shows the traceback here instead.",
    )


def _report_error(exc) -> None:
    err.print(exc.message, style="bold red", markup=False, highlight=False, soft_wrap=True)
    if exc.hint:
        err.print(exc.hint, markup=False, highlight=False, soft_wrap=True)


class _App(typer.Typer):
    """A Typer whose commands turn the package's errors into their message, hint and exit code."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorator(fn):
            @functools.wraps(fn)
            def guarded(*a, **kw):
                try:
                    return fn(*a, **kw)
                except errors.ThuiswerkError as exc:
                    _report_error(exc)
                    raise typer.Exit(exc.exit_code) from None
                except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
                    raise
                except Exception as exc:  # a bug: one line here, the traceback in a log file
                    if os.environ.get("THUISWERK_DEBUG"):
                        raise
                    _report_error(_internal(exc, fn.__name__))
                    raise typer.Exit(errors.InternalError.exit_code) from None

            register(guarded)
            return fn  # called directly (as `run` does), errors reach the outer command's guard

        return decorator


app = _App(
    help="Bayesian re-analysis of the Arbo in Bedrijf Special Thuiswerken survey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _print_frame(frame, title: str, fmt=None) -> None:
    """A table: drawn by rich on a terminal, as plain full-width text otherwise (a log keeps every column)."""
    fmt = fmt or (lambda v: f"{v:.2f}" if isinstance(v, float) else str(v))
    if frame.index.name is not None or any(frame.index.names):
        frame = frame.reset_index()
    cells = frame.map(fmt) if len(frame) else frame.astype(str)
    if not console.is_terminal:
        typer.echo(title)
        typer.echo(cells.to_string(index=False) if len(cells) else "(none)")
        typer.echo("")
        return
    table = Table(title=title, title_justify="left")
    for col in cells.columns:
        table.add_column(str(col))
    for row in cells.itertuples(index=False):
        table.add_row(*row)
    console.print(table)


def _plain(line: str) -> None:
    """Print a progress line as it is (no rich markup, no wrapping)."""
    console.print(line, highlight=False, markup=False, soft_wrap=True)


def _csv_list(value: str, option: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if allowed is not None and v not in allowed]
    if not items or unknown:
        what = f"unknown {', '.join(unknown)}; " if unknown else ""
        choices = f"choose from {', '.join(allowed)}" if allowed else "give a comma-separated list"
        err.print(f"[bold red]{option}: {what}{choices}[/]")
        raise typer.Exit(EXIT_USAGE)
    return items
