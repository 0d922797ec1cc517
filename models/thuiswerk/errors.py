"""The package's errors and the exit code of each: the one place the CLI maps them.

Every error a user can cause (bad data, a stale or broken fit, a busy or full
fits folder, a failed render) is a :class:`ThuiswerkError` subclass with its
own ``exit_code`` and, where there is one, a ``hint`` (the command to run, with
the options the user gave). :func:`thuiswerk.cli.main` catches these and
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
