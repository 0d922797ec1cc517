"""The one place that reads and writes fits.

A fit is one netCDF file (an ArviZ DataTree) per model in the fits folder,
carrying its provenance as root attributes: model name, spec hash (priors,
predictors, sampler settings), data hash, seed, package versions and git
commit. Writes are atomic (temporary file, then rename), so an interrupted fit
never leaves a file that loads. Loading checks the hashes and refuses a stale
fit loudly, naming what differs and the command to run.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.resources import REPO_ROOT
from thuiswerk.specs import canonical_hash

DEFAULT_FITS = Path("data/fits")
PACKAGES = ("thuiswerk", "pymc", "pytensor", "nutpie", "arviz", "numpy", "pandas", "xarray")


class StaleFitError(RuntimeError):
    """A stored fit is missing or was made from other data, spec or seed."""


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


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


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


def _netcdf_safe(tree: xr.DataTree) -> xr.DataTree:
    """Drop object-dtype sampler stats (nutpie's divergence messages) that netCDF cannot hold."""
    tree = tree.copy()
    for node in tree.subtree:
        drop = [name for name, var in node.dataset.data_vars.items() if var.dtype == object]
        if drop:
            node.dataset = node.dataset.drop_vars(drop)
    return tree


def save(tree: xr.DataTree, path: Path, provenance: Provenance) -> Path:
    """Write atomically: a temporary file in the same folder, then an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = _netcdf_safe(tree)
    tree.attrs.update(provenance.attrs())
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".nc.part", dir=path.parent)
    os.close(fd)
    try:
        tree.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read(path: Path) -> xr.DataTree:
    """Load a fit fully into memory (the file is closed afterwards)."""
    with xr.open_datatree(path, engine="h5netcdf") as tree:
        return tree.load()


def read_attrs(path: Path) -> dict[str, Any] | None:
    """The fit's provenance (root attributes), read without opening its groups.

    netCDF-4 keeps a group's attributes as HDF5 attributes; reading them with
    h5py takes milliseconds where opening the DataTree takes about a second
    (every chapter of the report checks every fit).
    """
    if not Path(path).is_file():
        return None
    import h5py

    def value(v: Any) -> Any:
        if isinstance(v, np.ndarray) and v.size == 1:  # netCDF stores a number as a 1-element array
            v = v[0]
        return v.decode("utf-8") if isinstance(v, bytes) else v

    with h5py.File(path, "r") as f:
        return {k: value(v) for k, v in f.attrs.items() if not k.startswith("_")}  # not netCDF's _NCProperties


def staleness(path: Path, expected: Provenance) -> list[str]:
    """What differs between the stored fit and the expected provenance (empty: current)."""
    attrs = read_attrs(path)
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


def load_current(path: Path, expected: Provenance, command: str) -> xr.DataTree:
    """Load a fit, refusing one that is missing or stale with the command to run."""
    reasons = staleness(path, expected)
    if reasons:
        raise StaleFitError(f"{path}: {'; '.join(reasons)}. Run: {command}")
    return read(path)
