"""README's module map stays true: the tree in "Layout" lists every module of the package, each once, in
the folder it lives in, and its folders in the order of pyproject.toml's layers contract."""

from __future__ import annotations

import re
import tomllib

from thuiswerk.core.resources import REPO_ROOT

PACKAGE = REPO_ROOT / "models" / "thuiswerk"


def _tree() -> list[str]:
    """The paths the README's tree names, relative to models/thuiswerk/ (folders end in '/').

    A layer folder at 2 spaces holds files and sub-folders at 4; a sub-folder holds files at 6."""
    layout = (REPO_ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1]
    block = layout.split("```\nmodels/thuiswerk/\n", 1)[1].split("```", 1)[0]
    paths, folder, sub = [], "", ""
    for line in block.splitlines():
        match = re.match(r"( *)(\S+)", line)
        assert match, f"README 'Layout': unreadable line {line!r}"
        indent, name = len(match[1]), match[2]
        if indent == 2:
            folder, sub = (name if name.endswith("/") else ""), ""
            paths.append(name)
        elif indent == 4:
            assert folder, f"README 'Layout': {name} is not inside a layer folder"
            sub = folder + name if name.endswith("/") else ""
            paths.append(folder + name)
        else:
            assert indent == 6 and sub, f"README 'Layout': {name} is not inside a sub-folder of a layer folder"
            paths.append(sub + name)
    return paths


def test_readme_tree_names_every_module_of_the_package_once():
    named = [p for p in _tree() if p.endswith(".py")]
    files = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")]
    files = [f for f in files if not f.endswith("/__init__.py")]  # a layer's __init__ only says what it may import
    assert len(named) == len(set(named)), "README 'Layout' names a module twice"
    assert sorted(named) == sorted(files), "README 'Layout' and models/thuiswerk/ differ"


def test_the_readme_folders_are_the_import_contracts_layers_in_order():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    enforced = [
        sorted(m.strip().removeprefix("thuiswerk.") for m in re.split("[:|]", layer)) for layer in contract["layers"]
    ]
    heads = [p for p in _tree() if "/" not in p.removesuffix("/") and p != "__init__.py"]  # the entries at 2 spaces
    # the interfaces: the modules (and packages, like cli/) listed up to the last top-level module; then the layers
    interfaces = heads[: max(i for i, p in enumerate(heads) if p.endswith(".py")) + 1]
    top = sorted(p.removesuffix("/").removesuffix(".py") for p in interfaces)
    folders = [[p.removesuffix("/")] for p in heads[len(interfaces) :]]
    assert [top, *folders] == enforced, "README 'Layout' and the layers contract of pyproject.toml differ"


def test_every_layer_folder_is_a_package_that_says_what_it_may_import():
    for folder in (p for p in _tree() if p.endswith("/")):
        init = PACKAGE / folder / "__init__.py"
        assert init.is_file(), f"{folder} has no __init__.py"
        assert "Imports" in init.read_text(encoding="utf-8"), f"{init}: the docstring does not say what it imports"


def test_the_test_folders_mirror_the_layers():
    """A test of a layer lives in tests/<layer>/; tests that cross every layer stay at the top of tests/."""
    tests = REPO_ROOT / "tests"
    folders = {p.name for p in tests.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    layers = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert folders == layers, f"tests/ folders {sorted(folders)} differ from the package's layers {sorted(layers)}"
    for folder in folders:
        assert list((tests / folder).glob("test_*.py")), f"tests/{folder}/ holds no test"
        assert not (tests / folder / "__init__.py").exists(), "test folders are not packages (pytest's rootdir import)"
