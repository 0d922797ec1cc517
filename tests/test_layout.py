"""README's module map stays true: every module of the package is named in "Layout", and nothing else."""

from __future__ import annotations

import re

from thuiswerk.resources import REPO_ROOT


def test_readme_names_every_module_of_the_package_once():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1]
    paragraph = layout.split("Inside `models/thuiswerk/`", 1)[1].split("\n\n", 1)[0]
    named = re.findall(r"`(\w+)`", paragraph)
    modules = sorted(p.stem for p in (REPO_ROOT / "models" / "thuiswerk").glob("*.py") if p.stem != "__init__")
    assert sorted(set(named) - {"thuiswerk", "stan"}) == modules, "README 'Layout' and models/thuiswerk/ differ"
