"""The Python interface (`import thuiswerk as tw`): light to import, no name that hides a module, and the
README's notebook example runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import thuiswerk
from thuiswerk import api
from thuiswerk.core import errors
from thuiswerk.core.resources import REPO_ROOT


def test_importing_the_package_loads_nothing_heavy():
    code = (
        "import sys, thuiswerk; print(sorted(m for m in ('pymc', 'pytensor', 'arviz', 'pandas') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_public_names_are_the_apis_and_none_hides_a_module():
    assert thuiswerk.__all__ == api.__all__
    package = REPO_ROOT / "models" / "thuiswerk"
    top = {p.stem for p in package.glob("*.py")} | {p.parent.name for p in package.glob("*/__init__.py")}
    assert not set(api.__all__) & top  # `from thuiswerk import data` stays the layer
    assert thuiswerk.fit_model is api.fit_model
    with pytest.raises(AttributeError):
        thuiswerk.no_such_thing  # noqa: B018


def test_an_unknown_model_or_prior_is_a_usage_error():
    with pytest.raises(errors.UsageError, match="unknown model"):
        api.model("workloads")
    with pytest.raises(errors.UsageError, match="unknown prior"):
        api.model("workload", priors={"no_such_prior": 1.0})


def _readme_example() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Refitting in Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs(default_fits, tmp_path, monkeypatch, capsys):
    """The README's code as it is, in a folder with the repository's survey and the default fits; only the
    refit samples less (PyMC, one chain of 20 draws) so that the fast tier stays fast."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "synthetic").symlink_to(REPO_ROOT / "data" / "synthetic")
    (tmp_path / "data" / "fits").symlink_to(default_fits)
    monkeypatch.chdir(tmp_path)
    real = api.fit_model

    def tiny(*args, **kwargs):
        kwargs.update(sampler="pymc", chains=1, tune=20, draws=20, progress=False)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "fit_model", tiny)
    exec(compile(_readme_example(), "README.md", "exec"), {"__name__": "__readme__"})
    printed = capsys.readouterr().out
    assert "werkdruk_afspraken_werktijden" in printed and "slope_mean" in printed
    stored = tmp_path / "fits-notebook" / "workload.nc"
    assert stored.is_file()  # in its own folder; the default fits are untouched
    from thuiswerk.modelling import store

    assert json.loads(store.read_attrs(stored)["spec"])["priors"]["slope_sd"] == 0.3


def test_load_survey_without_a_path_reads_the_project_s_survey_else_the_shipped_one(tmp_path, monkeypatch):
    """In a checkout the project's data/synthetic; in an installed copy run from an empty folder, the survey
    shipped with the package (as the CLI copies it there); a folder's own data/synthetic comes first."""
    from thuiswerk.core import resources
    from thuiswerk.data.survey import write_survey

    shipped = api.load_survey()
    assert len(shipped.establishments) == 206 and len(shipped.employees) > 0
    monkeypatch.setattr(resources, "_IN_CHECKOUT", False)
    monkeypatch.setattr(resources, "shipped_root", lambda: REPO_ROOT)  # where an installed copy keeps its files
    monkeypatch.chdir(tmp_path)
    assert api.load_survey().establishments.equals(shipped.establishments)
    small = api.synthetic_survey(12, seed=3)
    write_survey((small.establishments, small.employees), tmp_path / "data" / "synthetic")
    assert len(api.load_survey().establishments) == 12
