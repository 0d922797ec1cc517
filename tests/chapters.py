"""The report's chapters as the tests read them: parsed into cells and inline expressions, run like Jupyter.

Shared by the tests that execute chapters (tests/reporting/test_report.py and others); not a test module.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from thuiswerk.core.resources import REPO_ROOT

QUARTO_YML = REPO_ROOT / "_quarto.yml"
DATA_DIR = REPO_ROOT / "data" / "synthetic"

CELL_RE = re.compile(r"^```\{python\}[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
INLINE_RE = re.compile(r"`\{python\}\s+([^`]+)`")
OPTION_RE = re.compile(r"^#\|\s*([\w-]+):\s*(.*)$")
XREF_RE = re.compile(r"(?<![\w@])@((?:fig|tbl)-[A-Za-z0-9_-]+?)(?=[.,;:)\]\s]|$)", re.M)


# --------------------------------------------------------------------------- parsing


@dataclass
class Cell:
    code: str
    options: dict[str, str]
    start: int  # offset in the file


@dataclass
class Inline:
    expr: str
    start: int


@dataclass
class Chapter:
    path: Path
    items: list = field(default_factory=list)  # Cells and Inlines in document order

    @property
    def cells(self) -> list[Cell]:
        return [i for i in self.items if isinstance(i, Cell)]

    @property
    def inlines(self) -> list[Inline]:
        return [i for i in self.items if isinstance(i, Inline)]


def _options(code: str) -> dict[str, str]:
    opts = {}
    for line in code.splitlines():
        m = OPTION_RE.match(line)
        if m:
            opts[m.group(1)] = yaml.safe_load(m.group(2)) if m.group(2).strip() else ""
        elif line.strip():
            break
    return opts


def parse_chapter(path: Path) -> Chapter:
    text = path.read_text(encoding="utf-8")
    items: list = []
    spans = []
    for m in CELL_RE.finditer(text):
        items.append(Cell(m.group(1), _options(m.group(1)), m.start()))
        spans.append((m.start(), m.end()))
    for m in INLINE_RE.finditer(text):
        if not any(a <= m.start() < b for a, b in spans):
            items.append(Inline(m.group(1).strip(), m.start()))
    items.sort(key=lambda i: i.start)
    return Chapter(path, items)


def quarto_config() -> dict:
    return yaml.safe_load(QUARTO_YML.read_text(encoding="utf-8"))


def book_files() -> list[str]:
    """Chapters and appendices in book order, as _quarto.yml lists them."""
    book = quarto_config()["book"]
    return list(book["chapters"]) + list(book.get("appendices", []))


def chapter_paths() -> list[Path]:
    """The sources: the book's home page index.qmd is report/index.qmd (staged by `thuiswerk report`)."""
    return [REPO_ROOT / ("report/index.qmd" if p == "index.qmd" else p) for p in book_files()]


def all_qmd() -> list[Path]:
    return sorted((REPO_ROOT / "report").glob("*.qmd"))


def run_cell(code: str, namespace: dict) -> tuple[object, str]:
    """Execute like Jupyter: the value of a final expression is returned; stdout captured."""
    tree = ast.parse(code)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<cell>", "exec"), namespace)
        value = eval(compile(last, "<cell>", "eval"), namespace) if last is not None else None
    return value, out.getvalue()


def prose(path: Path, namespace: dict | None = None, on_cell=None, on_inline=None) -> str:
    """A chapter's running text as the reader sees it: cells run (their output left out) and every inline expression
    replaced by its text; front matter, callout fences, headings and comments dropped.

    ``on_cell(cell, value, printed)`` and ``on_inline(inline, value)`` see every result on the way (the chapter
    test checks them while the chapter runs once)."""
    text = path.read_text(encoding="utf-8")
    namespace = namespace if namespace is not None else {"__name__": "__quarto__"}
    pieces, at = [], 0
    for item in parse_chapter(path).items:
        if isinstance(item, Cell):
            pieces.append(text[at : item.start])
            value, printed = run_cell(item.code, namespace)
            if on_cell is not None:
                on_cell(item, value, printed)
            at = text.index("```", text.index("\n", item.start) + 1) + 3  # past the closing fence
        else:
            value = eval(item.expr, namespace)
            if on_inline is not None:
                on_inline(item, value)
            pieces.append(text[at : item.start] + str(value))
            at = text.index("`", text.index("`", item.start) + 1) + 1
    pieces.append(text[at:])
    body = re.sub(r"\A---\n.*?\n---\n", "", "".join(pieces), flags=re.S)
    lines = [line for line in body.splitlines() if not re.match(r"\s*(#|:::|<!--|\|)", line)]
    return re.sub(r"<!--.*?-->", "", "\n".join(lines), flags=re.S)
