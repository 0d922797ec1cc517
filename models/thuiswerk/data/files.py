"""The survey's files: the formats read, the regular-file check, and the error for a file that cannot be read.

:data:`FORMATS` are the formats a survey table may have (``csv``, ``parquet``,
``sav``). :func:`not_a_regular_file` says what a path is when it exists but is
no regular file (a folder, a FIFO, a symbolic link loop), without opening it.
:class:`DataError` carries every problem that makes a data or mapping file
unreadable as a :class:`~thuiswerk.data.violations.Violation` (exit code 2).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from thuiswerk.core.errors import ThuiswerkError
from thuiswerk.data.violations import Violation

FORMATS: tuple[str, ...] = ("csv", "parquet", "sav")


class DataError(ThuiswerkError):
    """A file (or the mapping file) cannot be read at all (exit code 2).

    ``violations`` lists every such problem; ``str(error)`` lists them one a line.
    """

    exit_code = 2

    def __init__(self, violations: list[Violation] | Violation, hint: str | None = None) -> None:
        self.violations = [violations] if isinstance(violations, Violation) else list(violations)
        lines = ["cannot read the survey data:"]
        lines += [f"  {v}" for v in self.violations]
        super().__init__("\n".join(lines), hint)


def not_a_regular_file(path: Path) -> str | None:
    """What ``path`` is when a directory entry of that name exists but is no regular file; else None.

    ``"a symbolic link loop"``, ``"a named pipe (FIFO)"``, ``"a folder"`` and so on.
    Only ``stat`` is called: a FIFO is never opened (opening one waits for a writer).
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if not os.path.lexists(path):
            return None
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if exc.errno == errno.ENOENT:
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        return f"not readable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    for test, what in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return what
    return "not a regular file"
