"""The package's errors and the exit code of each: the one place the CLI maps them.

Every error a user can cause (bad data, a stale or broken fit, a busy or full
fits folder, a failed render) is a :class:`ThuiswerkError` subclass with its
own ``exit_code`` and, where there is one, a ``hint`` (the command to run, with
the options the user gave). :class:`thuiswerk.cli.main._App` catches these and
prints message and hint without a traceback; anything else is a bug and keeps
its traceback.

Exit codes (also in README.md "Exit codes"):

====  ==========================================================
0     success
1     the data violate the codebook (``InvalidDataError``)
2     a data or mapping file cannot be read at all (``DataError``)
3     unknown model, bad option or configuration (``UsageError``)
4     a stored fit is missing or stale (``StaleFitError``)
5     convergence diagnostics fail the policy (``DiagnosticsError``)
6     no Quarto found (``NoQuartoError``)
7     Quarto failed or wrote less than a book render must (``RenderError``)
8     a stored fit is truncated or unreadable (``BrokenFitError``)
9     the fits folder is locked by another fit (``FitsLockedError``)
10    the fits folder is not writable or has no room (``FitsFolderError``)
11    some tasks of a many-fit run failed on every try (``ReplicatesFailedError``)
12    a model's design has a column the data cannot identify (``DesignError``)
13    an unexpected error inside the package: a bug (``InternalError``; the traceback is in a log file)
14    a published number gives a protected cell away (``DisclosureError``, ``thuiswerk attack``)
====  ==========================================================
"""

from __future__ import annotations


class ThuiswerkError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class InvalidDataError(ThuiswerkError, ValueError):
    """The survey violates the codebook; models are never fitted on it."""

    exit_code = 1


class UsageError(ThuiswerkError, ValueError):
    """Unknown model, bad option or bad configuration file."""

    exit_code = 3


class StaleFitError(ThuiswerkError, RuntimeError):
    """A stored fit is missing or was made from other data, priors or seed."""

    exit_code = 4


class DiagnosticsError(ThuiswerkError):
    """A fit fails the convergence policy (``thuiswerk check``)."""

    exit_code = 5


class NoQuartoError(ThuiswerkError):
    exit_code = 6


class RenderError(ThuiswerkError, RuntimeError):
    """Quarto is missing, failed, or did not write what a book render must write."""

    exit_code = 7


class BrokenFitError(ThuiswerkError):
    """A fit file exists but cannot be read (truncated, not netCDF)."""

    exit_code = 8


class FitsLockedError(ThuiswerkError):
    """Another process is fitting the same model into the same folder."""

    exit_code = 9


class FitsFolderError(ThuiswerkError, OSError):
    """The fits folder cannot be written, or has no room for the fit."""

    exit_code = 10


class ReplicatesFailedError(ThuiswerkError):
    """Some tasks of a many-fit run (sbc, kfold, design) failed on every try; the others are stored."""

    exit_code = 11


class DesignError(ThuiswerkError, ValueError):
    """A design column that the data cannot identify (only the prior would).

    ``thuiswerk fit`` leaves such a column out with a notice (:func:`thuiswerk.modelling.workflow.adapt`);
    this is raised only where a design is used as it is (a model fitted directly, a study).
    """

    exit_code = 12


class InternalError(ThuiswerkError):
    """An exception the package did not expect: a bug. The CLI writes its traceback to a log file."""

    exit_code = 13


class DisclosureError(ThuiswerkError):
    """The disclosure attack pins down a protected cell from what would be published (``thuiswerk attack``)."""

    exit_code = 14


# The order in which a run that carried on past failures picks its exit code: the most severe first.
# A bug before anything the user can fix; a folder or file problem before a data or model problem; a
# result that is there but fails the convergence policy before one that is missing and named.
SEVERITY = (13, 14, 8, 10, 9, 7, 1, 2, 12, 3, 5, 4, 11, 6)


def most_severe(codes) -> int:
    """The exit code of a run that carried on past several failures (0 when there were none)."""
    codes = [c for c in codes if c]
    if not codes:
        return 0
    return min(codes, key=lambda c: SEVERITY.index(c) if c in SEVERITY else -1)
