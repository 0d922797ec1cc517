"""README's module map stays true: every module of the package is named in "Layout" once, in the layer
that pyproject.toml's import contract gives it."""

from __future__ import annotations

import re
import tomllib

from thuiswerk.resources import REPO_ROOT


def _layout() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Layout", 1)[1].split("Inside `models/thuiswerk/`", 1)[1]


def test_readme_names_every_module_of_the_package_once():
    named = re.findall(r"`(\w+)`", _layout())
    modules = sorted(p.stem for p in (REPO_ROOT / "models" / "thuiswerk").glob("*.py") if p.stem != "__init__")
    named = [n for n in named if n not in {"thuiswerk", "stan"}]
    assert sorted(named) == modules, "README 'Layout' and models/thuiswerk/ differ (or a module is named twice)"


def test_the_readme_layers_are_the_import_contracts_layers():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    enforced = [
        sorted(m.strip().removeprefix("thuiswerk.") for m in re.split("[:|]", layer)) for layer in contract["layers"]
    ]
    bullets = re.findall(r"^- \*\*(\w+)\*\*: (.*?)(?=^- \*\*|\Z)", _layout(), re.M | re.S)
    described = [sorted(re.findall(r"`(\w+)` \(|`(\w+)`,|`(\w+)`\.?$", text, re.M)) for _, text in bullets]
    described = [sorted(m for match in layer for m in match if m) for layer in described]
    assert [name for name, _ in bullets] == [
        "core",
        "data",
        "modelling",
        "analysis",
        "studies",
        "reporting",
        "interfaces",
    ]
    assert described[::-1] == enforced, "README 'Layout' and the layers contract of pyproject.toml differ"
