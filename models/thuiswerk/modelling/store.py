"""The one place that reads and writes fits.

A fit is one netCDF file (an ArviZ DataTree) per model in the fits folder,
carrying its provenance as root attributes: model name, spec hash (priors,
predictors, sampler settings), data hash, seed, package versions and git
commit. Loading checks the hashes and refuses a stale fit loudly, naming what
differs and the command to run; a file that cannot be read at all (truncated,
not netCDF) is a :class:`BrokenFitError` naming ``thuiswerk fit MODEL --force``.

Log-likelihood layout (from ``fit.FIT_FORMAT`` 9), so that ``az.loo(tree)``
works on a stored fit as it is, with no ``var_name``:

* group ``log_likelihood``: only ``y_by_employee`` (chain, draw, employee),
  log p(y_i | theta) of each employee's answers with the employee effect
  integrated out. The unit of PSIS-LOO per model (:mod:`thuiswerk.analysis.compare`).
* group ``log_likelihood_cell``: ``y`` (chain, draw), the sum over the cells (an
  item or region of one employee) of log p(y_c | theta), each conditional on every
  effect (from FIT_FORMAT 11; before, every cell as float32). The likelihood that
  power-scaling prior sensitivity scales, which ArviZ sums over the cells anyway; it
  looks for it in ``log_likelihood``, so pass :func:`with_cell_loglik` of the tree.
* group ``log_prior``: each variable's log prior summed over its elements, (chain,
  draw), from FIT_FORMAT 11 (power-scaling sums them too).
* group ``log_likelihood_establishment`` (not in ``awareness``): ``y`` (chain,
  draw, establishment) on evenly thinned draws, establishment and employee
  effects integrated out. The unit of the knowledge-versus-employer comparison.

Writing a fit (:func:`save`) is safe against the faults a long fit meets:

* one fit of a model at a time per folder: :func:`model_lock` holds
  ``.MODEL.lock`` (an OS lock, released when the process ends, also on
  ``kill -9``); another process gets :class:`FitsLockedError` after a short wait.
  Fits of different models run side by side;
* under that lock, the ``.MODEL.*.nc.part`` files an interrupted earlier fit
  left behind, and the ``.kept/MODEL/.*.nc.*.part`` files of one killed while
  keeping the fit it replaced, are removed (:func:`remove_leftovers`);
* before sampling, :func:`check_folder` proves the folder writable (it creates
  and removes a file) and with room for the expected file, and ``MODEL.nc`` not
  a directory (or other non-file) the fit could not replace, else
  :class:`FitsFolderError`;
* the netCDF file is made in memory and written to ``.MODEL.<random>.nc.part``
  with plain writes, synced, then renamed over ``MODEL.nc``: a full disk or a
  refused write is a :class:`FitsFolderError` with nothing left behind and the
  previous fit intact (HDF5 writing to a full disk itself crashed Python). This
  holds the file in memory once more while writing;
* the file is created like any other (mode ``0666`` minus the umask).
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.core import errors
from thuiswerk.core.resources import project_dir
from thuiswerk.modelling.specs import canonical_hash

PACKAGES = ("thuiswerk", "pymc", "pytensor", "nutpie", "arviz", "numpy", "pandas", "xarray")

# The errors of this module; the names stay importable from here.
StaleFitError = errors.StaleFitError
BrokenFitError = errors.BrokenFitError
FitsLockedError = errors.FitsLockedError
FitsFolderError = errors.FitsFolderError

LOGLIK_GROUP = "log_likelihood"  # y_by_employee only: what az.loo(tree) uses
EMPLOYEE_LOGLIK = "y_by_employee"
CELL_LOGLIK_GROUP = "log_likelihood_cell"  # y summed over the cells, per draw: power-scaling sensitivity
ESTABLISHMENT_LOGLIK_GROUP = "log_likelihood_establishment"  # y per establishment: model comparison

LOCK_TIMEOUT = 5.0  # seconds a second fit of the same model waits for the first before giving up
ROOM_MARGIN = 1.25  # free space needed: the expected file size times this, plus ROOM_SLACK
ROOM_SLACK = 16 * 2**20

# Write errors that are the folder's fault, not the program's: reported as FitsFolderError.
FOLDER_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "no permission to write there",
    errno.EPERM: "no permission to write there",
    errno.EROFS: "the file system is read-only",
    errno.EFBIG: "the file is larger than this process may write (ulimit -f)",
}
FOLDER_HINT = "Free up space or make the folder writable, or choose another folder with --fits; then fit again."


@dataclass(frozen=True)
class Provenance:
    model: str
    spec_hash: str
    data_hash: str
    seed: int

    def attrs(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "spec_hash": self.spec_hash,
            "data_hash": self.data_hash,
            "seed": int(self.seed),
            "package_versions": json.dumps(package_versions(), sort_keys=True),
            "git_commit": git_commit(),
        }


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git() -> tuple[str, ...]:
    # --no-optional-locks: `git status` would otherwise refresh the index and take .git/index.lock,
    # making a commit in the source tree fail while a fit starts.
    return ("git", "--no-optional-locks", "-C", str(project_dir()))


def git_commit() -> str:
    """The project folder's commit (the source checkout's, else the current folder's), ``+dirty`` with uncommitted
    changes; "unknown" without git or outside a git repository (an installed package run in a plain folder).

    Only reads: no git lock is taken (``--no-optional-locks``).
    """
    git = _git()
    try:
        out = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True)
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def git_commit_date() -> str | None:
    """The date (YYYY-MM-DD) of the project folder's commit; None without git. The book's date: the same code gives
    the same book, whenever it is rendered."""
    try:
        out = subprocess.run([*_git(), "show", "-s", "--format=%cs", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=True)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def data_hash(establishments: pd.DataFrame, employees: pd.DataFrame) -> str:
    """Hash of the tables' content, independent of file format and row order of columns."""
    parts = []
    for name, frame in (("establishments", establishments), ("employees", employees)):
        frame = frame.reindex(columns=sorted(frame.columns))
        rows = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
        parts.append({"table": name, "columns": list(frame.columns), "rows": rows.tobytes().hex()})
    return canonical_hash(parts)


def fit_path(fits_dir: Path, model: str) -> Path:
    return Path(fits_dir) / f"{model}.nc"


def lock_path(fits_dir: Path, model: str) -> Path:
    return Path(fits_dir) / f".{model}.lock"


def _part_name(model: str) -> str:
    return f".{model}.{secrets.token_hex(6)}.nc.part"


def _is_part_of(name: str, model: str) -> bool:
    """``.MODEL.<random>.nc.part``, as this module (and earlier versions, with mkstemp) names them."""
    return re.fullmatch(rf"\.{re.escape(model)}\.[A-Za-z0-9_]+\.nc\.part", name) is not None


def _kept_part_name(target: Path) -> str:
    return f".{target.name}.{secrets.token_hex(4)}.part"


def _is_kept_part(name: str) -> bool:
    """``.<key>.nc.<random>.part`` in ``.kept/MODEL/``, as :func:`keep_current` names them."""
    return re.fullmatch(r"\.[^/]+\.nc\.[A-Za-z0-9_]+\.part", name) is not None


def with_cell_loglik(tree: xr.DataTree) -> xr.DataTree:
    """The fit with the (summed) cell log-likelihood as its ``log_likelihood`` group (a shallow copy).

    For ArviZ functions that read ``log_likelihood`` and need the cell-level
    likelihood, e.g. ``az.psense_summary(with_cell_loglik(tree), ...,
    likelihood_var_names=["y"])``. The stored fit is not changed.
    """
    if CELL_LOGLIK_GROUP not in tree.children:
        raise KeyError(f"the fit has no {CELL_LOGLIK_GROUP} group; refit it with this version")
    view = tree.copy(deep=False)
    view[LOGLIK_GROUP] = tree[CELL_LOGLIK_GROUP].copy(deep=False)
    return view


# --- The fits folder: lock, leftovers, room ---------------------------------------


def _folder_error(action: str, where: Path, exc: OSError) -> errors.FitsFolderError:
    reason = FOLDER_ERRNOS.get(exc.errno or 0, exc.strerror or str(exc))
    return FitsFolderError(f"cannot {action} {where}: {reason} ({exc.strerror or exc}).", FOLDER_HINT)


def prepare_folder(fits_dir: Path) -> Path:
    """Create the fits folder (and its parents) if needed; :class:`FitsFolderError` if impossible."""
    fits_dir = Path(fits_dir)
    try:
        fits_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise FitsFolderError(f"the fits folder {fits_dir} is a file, not a folder.", FOLDER_HINT) from None
    except OSError as exc:
        raise _folder_error("create the fits folder", fits_dir, exc) from None
    if not fits_dir.is_dir():
        raise FitsFolderError(f"the fits folder {fits_dir} is not a folder.", FOLDER_HINT)
    return fits_dir


@contextmanager
def model_lock(fits_dir: Path, model: str, timeout: float = LOCK_TIMEOUT) -> Iterator[Path]:
    """Hold ``.MODEL.lock`` in the fits folder: one fit of a model at a time per folder.

    Waits up to ``timeout`` seconds for another holder, then raises
    :class:`FitsLockedError` naming the lock file. The lock is the operating
    system's (``flock``), so it ends with the process that holds it, however that
    process ends; the lock file itself stays and does not block anyone.
    """
    from filelock import FileLock, Timeout

    path = lock_path(fits_dir, model)
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise FitsLockedError(
            f"{model}: another process is fitting this model into {Path(fits_dir)} "
            f"(it holds the lock {path}; waited {timeout:g} s).",
            "Wait for that fit to end, then run the command again (a current fit is then reused), "
            "or let the command wait longer with --wait SECONDS. "
            "The lock ends with that process, also if it is killed; the lock file left behind does not block.",
        ) from None
    except OSError as exc:
        raise _folder_error("create the lock file", path, exc) from None
    try:
        yield path
    finally:
        lock.release()


def remove_leftovers(fits_dir: Path, model: str) -> list[Path]:
    """Remove the ``.part`` files of interrupted earlier fits of ``model``; the removed paths.

    Those are ``FITS/.MODEL.*.nc.part`` (a fit being written, :func:`save`) and
    ``FITS/.kept/MODEL/.<key>.nc.*.part`` (the second name of a fit being kept,
    :func:`keep_current`). Call only while holding :func:`model_lock`: then no other
    process is writing one.
    """
    removed: list[Path] = []
    fits_dir = Path(fits_dir)
    if not fits_dir.is_dir():
        return removed
    kept = fits_dir / KEPT_DIR / model
    candidates: list[Path] = []
    for folder, is_leftover in ((fits_dir, lambda name: _is_part_of(name, model)), (kept, _is_kept_part)):
        try:
            candidates += [p for p in sorted(folder.iterdir()) if is_leftover(p.name)]
        except FileNotFoundError:
            continue  # no kept fits of this model
        except OSError as exc:
            raise _folder_error("list", folder, exc) from None
    for path in candidates:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise _folder_error("remove the leftover", path, exc) from None
        removed.append(path)
    return removed


def _create_part(fits_dir: Path, model: str) -> tuple[int, Path]:
    """A new, empty ``.MODEL.<random>.nc.part``, opened for writing (mode 0666 minus the umask)."""
    while True:
        path = Path(fits_dir) / _part_name(model)
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path
        except FileExistsError:
            continue


def room_needed(expected_bytes: int) -> int:
    """Free bytes required for a fit of about ``expected_bytes``: with a margin."""
    return int(expected_bytes * ROOM_MARGIN) + ROOM_SLACK


def check_folder(fits_dir: Path, model: str, expected_bytes: int) -> None:
    """Before sampling: the folder takes a new file and has room for one of ``expected_bytes``.

    Writability is tested by creating and removing a ``.MODEL.*.nc.part`` file,
    which also covers read-only mounts, ACLs and running as root; ``MODEL.nc``
    must not be something the fit cannot replace (a directory). Raises
    :class:`FitsFolderError` saying what is wrong.
    """
    fits_dir = prepare_folder(fits_dir)
    target = fit_path(fits_dir, model)
    what = not_a_file(target)
    if what:
        raise FitsFolderError(
            f"{target} is {what}, not a fit file: the fit of {model} could not be stored there; remove it "
            f"({_remove_advice(target, what)}) or move it away. Nothing was sampled.",
            "Then fit again, or choose another folder with --fits.",
        )
    try:
        fd, probe = _create_part(fits_dir, model)
    except OSError as exc:
        raise _folder_error("write in the fits folder", fits_dir, exc) from None
    os.close(fd)
    probe.unlink(missing_ok=True)
    free = shutil.disk_usage(fits_dir).free
    needed = room_needed(expected_bytes)
    if free < needed:
        raise FitsFolderError(
            f"{fits_dir} has {_mb(free)} free; a fit of {model} needs about {_mb(expected_bytes)} "
            f"(asked: {_mb(needed)}, with a margin). Nothing was sampled.",
            FOLDER_HINT,
        )


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


# --- Writing and reading -----------------------------------------------------------


def _netcdf_safe(tree: xr.DataTree) -> xr.DataTree:
    """Drop object-dtype sampler stats (nutpie's divergence messages) that netCDF cannot hold."""
    tree = tree.copy()
    for node in tree.subtree:
        drop = [name for name, var in node.dataset.data_vars.items() if var.dtype == object]
        if drop:
            node.dataset = node.dataset.drop_vars(drop)
    return tree


def _write_all(fd: int, data: memoryview | bytes) -> None:
    view = memoryview(data).cast("B")
    while view:
        written = os.write(fd, view)
        view = view[written:]


def save(tree: xr.DataTree, path: Path, provenance: Provenance) -> Path:
    """Write the fit atomically: to a ``.part`` file in the same folder, synced, then renamed.

    The netCDF file is made in memory first and written with plain ``os.write``:
    a full disk or a refused write (ENOSPC, EDQUOT, EACCES, EPERM, EROFS, EFBIG)
    raises :class:`FitsFolderError` with the ``.part`` file removed and any
    previous fit intact. Any other failure, an interrupt included, also removes
    the ``.part`` file before it propagates.
    """
    path = Path(path)
    prepare_folder(path.parent)
    tree = _netcdf_safe(tree)
    tree.attrs.update(provenance.attrs())
    part: Path | None = None
    try:
        data = tree.to_netcdf(engine="h5netcdf")  # in memory: HDF5 never writes to the disk itself
        fd, part = _create_part(path.parent, path.stem)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(part, path)
    except BaseException as exc:
        if part is not None:
            part.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in FOLDER_ERRNOS:
            kept = "the previous fit is unchanged" if path.exists() else "no fit was stored"
            reason = FOLDER_ERRNOS[exc.errno]
            raise FitsFolderError(
                f"cannot write {path}: {reason} ({exc.strerror or exc}). Nothing was left behind; {kept}.",
                FOLDER_HINT,
            ) from exc
        raise
    return path


def _fit_command(path: Path, command: str | None) -> str:
    return command or f"thuiswerk fit {Path(path).stem}"


def not_a_file(path: Path) -> str | None:
    """What is at ``path`` when something is there but not a regular file ("a directory"); else None.

    None also when nothing is there, or a symbolic link that leads nowhere (a fit
    then simply replaces the link).
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _remove_advice(path: Path, what: str) -> str:
    return f"rm -r {path}" if what == "a directory" else f"rm {path}"


def _not_a_fit(path: Path, what: str, command: str | None) -> errors.BrokenFitError:
    # the advice is in the message: the CLI may replace the hint with the command to run
    return BrokenFitError(
        f"{path} is {what}, not a fit file: no fit of {Path(path).stem} can be read from or stored there. "
        f"Remove it ({_remove_advice(path, what)}) or move it away, then fit the model again.",
        f"Run, once it is gone: {_fit_command(path, command)}",
    )


def _broken(path: Path, exc: BaseException, command: str | None) -> errors.BrokenFitError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return BrokenFitError(
        f"{path} cannot be read ({reason}): the file is truncated or not a fit.",
        f"Run: {_fit_command(path, command)} --force (fits the model again and replaces the file)",
    )


# What h5py and xarray raise on a file that is not (all) there or not netCDF.
_READ_ERRORS = (OSError, ValueError, KeyError, RuntimeError, TypeError, IndexError)


def read(path: Path, command: str | None = None) -> xr.DataTree:
    """Load a fit fully into memory (the file is closed afterwards).

    A missing file raises :class:`StaleFitError` ("no fit"), an unreadable one or
    something else than a file (a directory) :class:`BrokenFitError`; both name
    the command to run (``command``, default ``thuiswerk fit MODEL``).
    """
    path = Path(path)
    what = not_a_file(path)
    if what:
        raise _not_a_fit(path, what, command)
    if not path.is_file():
        raise stale_error(path, ["no fit"], _fit_command(path, command))
    try:
        with xr.open_datatree(path, engine="h5netcdf") as tree:
            return tree.load()
    except _READ_ERRORS as exc:
        raise _broken(path, exc, command) from exc


def read_attrs(path: Path, command: str | None = None) -> dict[str, Any] | None:
    """The fit's provenance (root attributes), read without opening its groups; None without a file.

    netCDF-4 keeps a group's attributes as HDF5 attributes; reading them with
    h5py takes milliseconds where opening the DataTree takes about a second
    (every chapter of the report checks every fit). A file h5py cannot open
    raises :class:`BrokenFitError` naming ``command --force``; a path that is
    there but not a regular file (a directory, a FIFO) raises it saying what to
    remove, without opening it.
    """
    what = not_a_file(Path(path))
    if what:
        raise _not_a_fit(Path(path), what, command)
    if not Path(path).is_file():
        return None
    import h5py

    def value(v: Any) -> Any:
        if isinstance(v, np.ndarray) and v.size == 1:  # netCDF stores a number as a 1-element array
            v = v[0]
        return v.decode("utf-8") if isinstance(v, bytes) else v

    try:
        with h5py.File(path, "r") as f:
            return {k: value(v) for k, v in f.attrs.items() if not k.startswith("_")}  # not netCDF's _NCProperties
    except _READ_ERRORS as exc:
        raise _broken(Path(path), exc, command) from exc


def staleness(path: Path, expected: Provenance, command: str | None = None) -> list[str]:
    """What differs between the stored fit and the expected provenance (empty: current).

    Raises :class:`BrokenFitError` for a file that cannot be read, or a path
    that is not a regular file (a directory named ``MODEL.nc``).
    """
    attrs = read_attrs(path, command)
    if attrs is None:
        return ["no fit"]
    reasons = []
    if attrs.get("data_hash") != expected.data_hash:
        reasons.append(f"data changed (fit {str(attrs.get('data_hash'))[:12]}, now {expected.data_hash[:12]})")
    if attrs.get("spec_hash") != expected.spec_hash:
        reasons.append(
            f"priors, predictors or sampler settings changed (fit {str(attrs.get('spec_hash'))[:12]}, "
            f"now {expected.spec_hash[:12]})"
        )
    if int(np.asarray(attrs.get("seed", -1))) != expected.seed:
        reasons.append(f"seed changed (fit {attrs.get('seed')}, now {expected.seed})")
    return reasons


def stale_error(path: Path, reasons: list[str], command: str) -> errors.StaleFitError:
    """``PATH: REASONS. Run: COMMAND`` in the message."""
    return StaleFitError(f"{path}: {'; '.join(reasons)}. Run: {command}")


def load_current(path: Path, expected: Provenance, command: str) -> xr.DataTree:
    """Load a fit, refusing one that is missing, stale or broken with the command to run."""
    reasons = staleness(path, expected, command)
    if reasons:
        raise stale_error(path, reasons, command)
    return read(path, command)


# --------------------------------------------------------------------------- kept fits
#
# ``MODEL.nc`` is the model's current fit. When a fit of other data, priors,
# predictors, settings or seed replaces it, the old file is not deleted but
# kept (a hard link made before the new file is renamed over it) under
# ``.kept/MODEL/<key>.nc``, the key a hash of exactly what makes a
# fit current (model, data hash, spec hash, seed). A later fit whose key is
# kept takes that file back instead of sampling: reverting a prior, or
# switching between the real and the synthetic survey in one fits folder, is a
# cache hit. Links and renames within the folder, no copies. ``thuiswerk fits
# list`` shows the current and the kept fits; ``thuiswerk fits prune`` deletes
# the kept ones.

KEPT_DIR = ".kept"


def fit_key(model: str, data_hash_: str, spec_hash: str, seed: int) -> str:
    """The content address of a fit: what makes it current, hashed."""
    return canonical_hash({"model": model, "data_hash": data_hash_, "spec_hash": spec_hash, "seed": int(seed)})[:20]


def kept_path(fits_dir: Path, provenance: Provenance) -> Path:
    key = fit_key(provenance.model, provenance.data_hash, provenance.spec_hash, provenance.seed)
    return Path(fits_dir) / KEPT_DIR / provenance.model / f"{key}.nc"


def keep_current(fits_dir: Path, model: str) -> Path | None:
    """Keep the model's current fit (if any and readable) among the kept fits; MODEL.nc stays as it is."""
    path = fit_path(fits_dir, model)
    if not path.is_file():
        return None
    try:
        attrs = read_attrs(path)
    except errors.BrokenFitError:
        return None  # a broken file is not worth keeping: the new fit replaces it
    if not attrs or not all(k in attrs for k in ("data_hash", "spec_hash", "seed")):
        return None
    target = (
        Path(fits_dir)
        / KEPT_DIR
        / model
        / f"{fit_key(model, str(attrs['data_hash']), str(attrs['spec_hash']), int(np.asarray(attrs['seed'])))}.nc"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    # a second name for the same file, not a move: until the new fit is in place,
    # MODEL.nc stays the previous fit (a failed write leaves it as it was)
    scratch = target.with_name(_kept_part_name(target))
    try:
        os.link(path, scratch)
    except OSError:  # a file system without hard links: a copy
        shutil.copy2(path, scratch)
    os.replace(scratch, target)
    return target


def forget_kept(kept: Path) -> None:
    """Remove one kept fit and its folders when they are left empty."""
    kept.unlink(missing_ok=True)
    for folder in (kept.parent, kept.parent.parent):
        try:
            folder.rmdir()
        except OSError:
            break


def restore_kept(fits_dir: Path, expected: Provenance) -> Path | None:
    """Make a kept fit with exactly this provenance the current one; None when there is none."""
    kept = kept_path(fits_dir, expected)
    try:
        if not kept.is_file() or staleness(kept, expected):
            return None
    except errors.BrokenFitError:
        kept.unlink(missing_ok=True)
        return None
    keep_current(fits_dir, expected.model)
    os.replace(kept, fit_path(fits_dir, expected.model))
    return fit_path(fits_dir, expected.model)


def list_fits(fits_dir: Path) -> pd.DataFrame:
    """Every current and kept fit in the folder with its provenance and size."""
    fits_dir = Path(fits_dir)
    rows = []
    files = [(p, "current") for p in sorted(fits_dir.glob("*.nc"))]
    files += [(p, "kept") for p in sorted((fits_dir / KEPT_DIR).glob("*/*.nc"))]
    for path, state in files:
        try:
            attrs = read_attrs(path) or {}
            broken = ""
        except errors.BrokenFitError:
            attrs, broken = {}, "unreadable"
        rows.append(
            {
                "model": attrs.get("model", path.stem if state == "current" else path.parent.name),
                "state": broken or state,
                "data_hash": str(attrs.get("data_hash", ""))[:12],
                "spec_hash": str(attrs.get("spec_hash", ""))[:12],
                "seed": attrs.get("seed", ""),
                "written": datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M"),
                "size_mb": round(path.stat().st_size / 2**20, 1),
                "path": str(path.relative_to(fits_dir)),
            }
        )
    columns = ["model", "state", "data_hash", "spec_hash", "seed", "written", "size_mb", "path"]
    return pd.DataFrame(rows, columns=columns)


def _kept_files(fits_dir: Path) -> tuple[list[tuple[Path, int]], list[tuple[Path, int]]]:
    """The kept fits (``.kept/MODEL/KEY.nc``) and the stray ``.part`` files there, with their sizes.

    :class:`FitsFolderError` when a folder cannot be listed.
    """
    root = Path(fits_dir) / KEPT_DIR
    fits: list[tuple[Path, int]] = []
    parts: list[tuple[Path, int]] = []
    folder = root
    try:
        if not root.is_dir():
            return fits, parts
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            for path in sorted(folder.iterdir()):
                if _is_kept_part(path.name):
                    parts.append((path, path.stat().st_size))
                elif path.suffix == ".nc" and path.is_file():
                    fits.append((path, path.stat().st_size))
    except OSError as exc:
        reason = FOLDER_ERRNOS.get(exc.errno or 0, exc.strerror or str(exc))
        raise FitsFolderError(
            f"cannot list the kept fits in {folder}: {reason} ({exc.strerror or exc}). Nothing was deleted.",
            f"Make {folder} readable, then prune again.",
        ) from None
    return fits, parts


def prune_kept(fits_dir: Path, dry_run: bool = False) -> list[tuple[Path, int]]:
    """Delete every kept fit (the current ones stay); the files and their sizes.

    Also deletes the stray ``.kept/MODEL/.<key>.nc.*.part`` files a fit killed while
    keeping the fit it replaced left behind (listed with the kept fits), except those
    of a model that is being fitted now (its lock is held; that fit may be writing one).

    A file that cannot be deleted (a read-only or immutable folder) does not stop the
    others; then :class:`FitsFolderError` names every file that could not be deleted
    and why, and every file that was deleted, so nothing is reported as done that was not.
    """
    fits_dir = Path(fits_dir)
    kept, parts = _kept_files(fits_dir)
    if dry_run:
        return kept + parts
    removed: list[tuple[Path, int]] = []
    failed: list[tuple[Path, str]] = []

    def delete(path: Path, size: int) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            return  # gone meanwhile (a fit took it back)
        except OSError as exc:
            failed.append((path, f"{FOLDER_ERRNOS.get(exc.errno or 0, exc.strerror)} ({exc.strerror or exc})"))
            return
        removed.append((path, size))

    for path, size in kept:
        delete(path, size)
    for model in sorted({path.parent.name for path, _ in parts}):
        mine = [(path, size) for path, size in parts if path.parent.name == model]
        try:
            with model_lock(fits_dir, model, timeout=0):
                for path, size in mine:
                    delete(path, size)
        except FitsLockedError:
            continue  # a fit of this model is running; the next fit of it removes them
        except FitsFolderError as exc:  # the lock file cannot be created
            failed += [(path, f"cannot take the model's lock: {exc.message}") for path, _ in mine]
    if failed:
        raise _prune_error(fits_dir, removed, failed, len(kept) + len(parts))
    return removed


def _prune_error(
    fits_dir: Path, removed: list[tuple[Path, int]], failed: list[tuple[Path, str]], total: int
) -> errors.FitsFolderError:
    lines = [f"cannot delete {len(failed)} of {total} kept file(s) in {Path(fits_dir) / KEPT_DIR}:"]
    lines += [f"  {path}: {reason}" for path, reason in failed]
    if removed:
        lines.append(f"Deleted {len(removed)} file(s), {sum(s for _, s in removed) / 2**20:.0f} MB:")
        lines += [f"  {path}" for path, _ in removed]
    else:
        lines.append("Nothing was deleted.")
    folders = sorted({str(path.parent) for path, _ in failed})
    return FitsFolderError(
        "\n".join(lines),
        f"Make {', '.join(folders)} writable (one marked immutable: chattr -i PATH), then prune again; "
        "the files not deleted are still there.",
    )
