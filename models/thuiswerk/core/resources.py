"""Where the package's files are, and where its outputs go: the one module that decides.

The repository's ``data/`` (codebook, margins, references, the mapping example, the
shipped study results and the synthetic survey), ``report/`` and ``_quarto.yml`` are the
single place those files are edited. A wheel carries read-only copies of them under
``thuiswerk/resources/``, laid out as in the repository (``pyproject.toml``,
``[tool.hatch.build.targets.wheel.force-include]``); the Stan programs live in the
package itself (``thuiswerk/modelling/stan/``).

- In a source checkout (editable install, tests, CI: the folder two levels above the
  package holds ``pyproject.toml`` and ``data/codebook.yaml``) every file is the
  checkout's own, and outputs (fits, ``_output/``, ``_freeze/``, study results) go to
  the checkout, as before.
- Otherwise (``pip install .``) the files are the package's copies, found with
  :func:`importlib.resources.files`, and outputs go to the *project folder*: the
  current folder, or ``THUISWERK_PROJECT``, which ``thuiswerk report`` sets for the
  chapters Quarto executes in a temporary copy of the book. Nothing is ever written
  into the installed package.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

# The root of the source checkout this module sits in, if it is one (tests read the
# repository through it); the package's modules use the functions below.
REPO_ROOT = Path(__file__).resolve().parents[3]
REPO_DATA = REPO_ROOT / "data"

# What a wheel carries from data/ (pyproject.toml force-include names each; tests/test_installed.py
# checks the two lists agree with the repository's data/ and with a built wheel).
DATA_FILES = ("codebook.yaml", "margins.yaml", "references.yaml", "mapping.example.yaml")
STUDY_FILES = ("scenarios.csv", "sbc.csv", "kfold.csv", "design.csv", "null.csv")  # the studies' shipped results
SYNTHETIC = "synthetic"  # data/synthetic/: the embedded synthetic survey
BOOK = ("_quarto.yml", "report")  # the book's sources
PROJECT_VARIABLE = "THUISWERK_PROJECT"

_IN_CHECKOUT = (
    Path(__file__).resolve().parents[2].name == "models"
    and (REPO_ROOT / "pyproject.toml").is_file()
    and (REPO_DATA / "codebook.yaml").is_file()
)


def in_checkout() -> bool:
    """Whether the package runs from a source checkout (else from an installed copy)."""
    return _IN_CHECKOUT


def shipped_root() -> Path:
    """The folder laid out like the repository (``data/``, ``report/``, ``_quarto.yml``) that is read.

    The checkout's root in a checkout, else the installed package's ``resources/`` (read-only).
    """
    if in_checkout():
        return REPO_ROOT
    return Path(str(resources.files("thuiswerk") / "resources"))


def _shipped(*parts: str) -> Path:
    path = shipped_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{'/'.join(parts)}: not found in {shipped_root()} (a wheel built without it?)")
    return path


def resource_path(name: str) -> Path:
    """The path of a shipped data file such as ``codebook.yaml`` (:data:`DATA_FILES`)."""
    return _shipped("data", name)


def synthetic_survey() -> Path:
    """The folder of the embedded synthetic survey (read-only when installed: copy it before writing)."""
    return _shipped("data", SYNTHETIC)


def book_sources() -> Path:
    """The folder that holds the book's sources, ``_quarto.yml`` and ``report/`` (read-only when installed)."""
    root = shipped_root()
    for name in BOOK:
        _shipped(name)
    return root


def project_dir() -> Path:
    """Where outputs go and relative paths are resolved: the checkout, else ``THUISWERK_PROJECT`` or the current folder."""
    if in_checkout():
        return REPO_ROOT
    return Path(os.environ.get(PROJECT_VARIABLE) or Path.cwd()).resolve()


def study_output(name: str) -> Path:
    """Where running a study writes its results (``data/NAME`` of the project folder; :data:`STUDY_FILES`)."""
    return project_dir() / "data" / name


def study_file(name: str) -> Path:
    """The results of a study the report reads: the project folder's if a study was run there, else the shipped ones."""
    own = study_output(name)
    return own if own.is_file() else shipped_root() / "data" / name
