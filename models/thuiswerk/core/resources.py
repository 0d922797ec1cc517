"""Locate the data files the package ships (codebook, margins).

In a wheel they are installed as ``thuiswerk/resources/*``; in a source checkout
(editable install, tests, CI) they are read from the repository's ``data/``
folder, which is the single place they are edited.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
REPO_DATA = REPO_ROOT / "data"


def resource_path(name: str) -> Path:
    """Return the path of a shipped data file such as ``codebook.yaml``."""
    source = REPO_DATA / name
    if source.is_file():
        return source
    installed = resources.files("thuiswerk") / "resources" / name
    if installed.is_file():
        return Path(str(installed))
    raise FileNotFoundError(f"{name}: not found in {REPO_DATA} nor in the installed package")
