"""The book rendered for real with Quarto: one HTML site, one PDF, one DOCX.

Runs where a Quarto exists (on PATH, or the offline build that
quarto-offline/setup.sh installs under ~/.cache/quarto-offline, as
`thuiswerk report` finds it); skipped with the reason elsewhere. Every cell
is also executed without Quarto by tests/reporting/test_report.py. The render writes
into the repository's _output/ exactly as `thuiswerk report` does (reusing
_freeze/ when data, fits and code are unchanged).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.core.runconfig import RunConfig
from thuiswerk.modelling.workflow import DEFAULT_SEED
from thuiswerk.reporting import render, tables

DATA_DIR = REPO_ROOT / "data" / "synthetic"
OUT = REPO_ROOT / render.OUTPUT_DIR
LONG_TABLE_ROWS = 15  # a table with at least this many rows may cross a PDF page
# Text that must never reach a reader: Python errors and warnings, unexecuted
# inline code, unresolved cross-references ("?@fig-x") and citations ("?@key").
LEAKS = re.compile(
    r"Traceback|Error:|Exception|Warning:|warnings\.warn|\{python\}|`python|\?@[\w-]+|"
    r"NameError|KeyError|ValueError|RuntimeWarning|FutureWarning|DeprecationWarning"
)


# --------------------------------------------------------------------------- without Quarto


def test_markdown_table_widths_and_alignment() -> None:
    frame = pd.DataFrame({"Uitkomst": ["Werkdruk", "Isolatie van collega's"], "Kans": ["99%", "60%"]})
    lines = tables.markdown_table(frame).splitlines()
    rule = lines[1].strip("|").split("|")
    assert rule[0].startswith(":") and not rule[0].endswith(":")  # text: left
    assert rule[1].endswith(":") and not rule[1].startswith(":")  # numbers: right
    assert len(lines[1]) > 72  # Pandoc then reads relative widths from the dashes
    assert len(rule[0]) > 2 * len(rule[1])  # the longer column gets more room
    given = tables.markdown_table(frame, widths=[1, 3]).splitlines()[1].strip("|").split("|")
    assert len(given[1]) > 2 * len(given[0])
    with pytest.raises(ValueError, match="widths"):
        tables.markdown_table(frame, widths=[1])


def test_a_command_in_a_table_cell_keeps_its_double_hyphens() -> None:
    """Pandoc sets "--" as an en dash; a command printed in a table (appendix B names the one that runs a study
    on these data) must stay copyable."""
    line = tables.markdown_table(pd.DataFrame({"K": ["thuiswerk sbc isolation --data x"]})).splitlines()[2]
    assert "\\-\\-data" in line and " --data" not in line
    assert "`--data`" in tables.markdown_table(pd.DataFrame({"K": ["`--data`"]}))  # inside code it is kept


def test_formats_option() -> None:
    assert render.formats(None) == ["html", "pdf", "docx"]
    assert render.formats("typst") == ["pdf"]
    assert render.formats("docx,html") == ["docx", "html"]
    with pytest.raises(ValueError, match="html, pdf, docx"):
        render.formats("latex")


def test_fingerprint_follows_data_fits_seed_and_config(tmp_path: Path) -> None:
    data, fits = tmp_path / "data", tmp_path / "fits"
    data.mkdir(), fits.mkdir()
    (data / "employees.csv").write_text("a\n1\n")
    (fits / "m.nc").write_bytes(b"x")
    base = render.fingerprint(data, fits, 1, None, None)
    assert render.fingerprint(data, fits, 1, None, None) == base
    assert render.fingerprint(data, fits, 2, None, None) != base
    (fits / "m.nc").write_bytes(b"y")
    changed_fit = render.fingerprint(data, fits, 1, None, None)
    assert changed_fit != base
    config = tmp_path / "priors.yaml"
    config.write_text("workload: {}\n")
    assert render.fingerprint(data, fits, 1, None, config) != changed_fit


def test_book_metadata_says_synthetic_only_on_the_synthetic_survey(tmp_path: Path) -> None:
    meta = render.book_metadata(DATA_DIR, "abc123+dirty", "2026-12-08")
    assert meta == {"thuiswerk-commit": "abc123", "thuiswerk-state": render.STATE[True], "date": "2026-12-08",
                    "thuiswerk-synthetic": render.SYNTHETIC_NOTE, "thuiswerk-synthetic-data": "true"}  # fmt: skip
    real = tmp_path / "real"
    shutil.copytree(DATA_DIR, real, ignore=shutil.ignore_patterns("truth.json"))
    meta = render.book_metadata(real, "unknown", None)
    assert meta == {"thuiswerk-commit": render.NO_COMMIT[0], "thuiswerk-state": render.NO_COMMIT[1]}


def test_the_generated_home_page_is_ignored_by_git() -> None:
    paths = ["index.qmd", "_freeze/x", "_output/x", ".quarto/x", "report/x.quarto_ipynb", "report/x_files/y.png"]
    ignored = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "check-ignore", *paths], capture_output=True, text=True, check=False
    ).stdout.split()
    assert ignored == paths, "what rendering writes must be git-ignored, so the work tree stays clean"


# --------------------------------------------------------------------------- with Quarto


@pytest.fixture(scope="session")
def book(default_fits: Path) -> Path:
    quarto = render.find_quarto()
    if quarto is None:
        pytest.skip(
            "no Quarto on PATH nor under ~/.cache/quarto-offline (build it with quarto-offline/setup.sh, "
            "see README.md 'Report (for authors)'); every cell still runs in tests/reporting/test_report.py"
        )
    outputs = render.render(quarto, RunConfig(data=DATA_DIR, fits=default_fits, seed=DEFAULT_SEED))
    assert [p.name for p in outputs] == ["index.html", f"{render.BOOK_FILE}.pdf", f"{render.BOOK_FILE}.docx"]
    return OUT


class _Tables(HTMLParser):
    """Caption and row labels of every table body in an HTML page.

    Quarto writes a table's caption in a <figcaption> just before the <table>.
    A row's label is its first cell without an equation (typst prints math in
    other characters than MathML does).
    """

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._caption = ""
        self._text: list[str] | None = None  # text being collected (caption or cell)
        self._row: list[tuple[str, bool]] | None = None
        self._math = self._annotation = self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "annotation":  # MathML's TeX source of an equation: not shown
            self._annotation = True
        elif tag == "math":
            self._math = True
        elif tag in ("figcaption", "caption"):
            self._text = []
        elif tag == "table":
            self.tables.append({"caption": self._caption, "rows": []})
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._text, self._math = [], False

    def handle_endtag(self, tag):
        if tag == "annotation":
            self._annotation = False
            return
        text = " ".join("".join(self._text or []).replace("\u200b", "").split())
        if tag in ("figcaption", "caption") and self._text is not None:
            self._caption, self._text = text, None
            if tag == "caption" and self.tables:
                self.tables[-1]["caption"] = text
        elif tag == "td" and self._row is not None and self._text is not None:
            self._row.append((text, self._math))
            self._text = None
        elif tag == "tr" and self._row is not None:
            labels = [t for t, math in self._row if t and not math]
            if labels:
                self.tables[-1]["rows"].append(labels[0])
            self._row = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._text is not None and not self._annotation:
            self._text.append(data)


def _html_pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if "site_libs" not in p.parts)


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed; .ci/run installs it")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _docx_text(docx: Path) -> str:
    with zipfile.ZipFile(docx) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", xml))


def test_one_site_one_pdf_one_docx(book: Path) -> None:
    assert len(list(book.glob("*.pdf"))) == 1 and len(list(book.glob("*.docx"))) == 1
    pages = {p.relative_to(book).as_posix() for p in _html_pages(book)}
    chapters = [p for p in pages if p.startswith("report/")]
    assert "index.html" in pages and len(chapters) >= 12, pages
    index = (book / "index.html").read_text(encoding="utf-8")
    for chapter in chapters:  # the site's navigation links every chapter
        assert f'href="./{chapter}"' in index or f'href="{chapter}"' in index, chapter
    assert "mathjax" not in index.lower() and "cdn." not in index.lower()  # reads offline
    for name in (f"{render.BOOK_FILE}.pdf", f"{render.BOOK_FILE}.docx"):  # the site offers both downloads
        assert f'href="./{name}"' in index, name


def _blank_pages(pages: list[str]) -> list[int]:
    """Page numbers (1-based) with nothing but a running header, a page number or the synthetic-data footer, or
    with a title alone (the template's "Bijlagen" divider page: one line without a full stop)."""
    blank = []
    for number, page in enumerate(pages, start=1):
        lines = _page_lines(page)
        if lines and re.fullmatch(r"\d+|\d+ .*|.* \d+", lines[0]):  # the running header with its page number
            lines = lines[1:]
        if lines and re.fullmatch(r"\d+", lines[-1]):  # a page number at the foot
            lines = lines[:-1]
        if not lines or (len(lines) == 1 and not lines[0].endswith(".")):
            blank.append(number)
    return blank


def _page_lines(page: str) -> list[str]:
    """A PDF page's non-empty lines as pdftotext prints them, spaces normalised, the synthetic-data footer left out."""
    lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
    return [line for line in lines if line != render.SYNTHETIC_NOTE]


def _orphan_captions(pages: list[str]) -> list[int]:
    """Pages (1-based) that end in a table's caption: the caption ("Tabel 5.2: ...", a sentence with a full stop)
    is among the page's last lines and nothing but its own text (or a footnote) follows it."""
    orphans = []
    for number, page in enumerate(pages, start=1):
        lines = _page_lines(page)
        starts = [i for i, line in enumerate(lines) if re.match(r"Tabel [1-9A-D]\.\d+: ", line)]
        if starts and starts[-1] >= len(lines) - 6 and lines[-1].endswith("."):
            orphans.append(number)
    return orphans


def test_orphan_captions_are_found() -> None:
    caption = "Tabel 8.1: Aanwezigheid van een RI&E, naar grootteklasse.\n"
    rows = "Grootteklasse Kleinbedrijf 50 80%\nMiddenbedrijf 60 85%\n"
    assert _orphan_captions(["Tekst.\n" + caption, "Tekst.\n" + caption + rows, rows + "Tekst.\n"]) == [1]


def test_blank_pages_are_found() -> None:
    header = "12 Hoofdstuk 5. Blootstelling"
    assert _blank_pages(["Titel\n", f"{header}\n\n{render.SYNTHETIC_NOTE}\n", "7\n", f"{header}\nTekst.\n"]) == [
        1,
        2,
        3,
    ]
    assert _blank_pages(["Bijlagen\n\n63\n", "Bijlagen\nA. Methode\nTekst.\n"]) == [1]


def test_pdf_title_page_and_every_footer_say_synthetic_and_no_page_is_blank(book: Path) -> None:
    pages = _pdf_text(next(book.glob("*.pdf"))).split("\f")[:-1]
    assert render.SYNTHETIC_NOTE in " ".join(pages[0].split()), pages[0]  # the title page
    without = [n for n, page in enumerate(pages, start=1) if render.SYNTHETIC_NOTE not in " ".join(page.split())]
    assert not without, f"pages without the synthetic-data footer: {without}"
    assert not _blank_pages(pages), f"blank pages: {_blank_pages(pages)}"
    assert not _orphan_captions(pages), f"a table's caption apart from its table on pages {_orphan_captions(pages)}"
    for page in _html_pages(book):  # the site's footer, on every page
        assert render.SYNTHETIC_NOTE in _visible_text(page.read_text(encoding="utf-8")), page.name
    with zipfile.ZipFile(next(book.glob("*.docx"))) as docx:  # the DOCX: a default footer with the note
        document = docx.read("word/document.xml").decode()
        footers = [docx.read(n).decode() for n in docx.namelist() if re.fullmatch(r"word/footer\d*\.xml", n)]
    assert re.search(r'<w:footerReference[^>]*w:type="default"', document)
    assert any(render.SYNTHETIC_NOTE in f for f in footers), footers


NARROW = 400  # pixels: a phone held upright


def _narrow_layout(page: Path) -> dict:
    """Headless Chromium lays ``page`` out in a frame {NARROW} pixels wide (its own viewport, so the site's
    media queries apply) and reports how far the page scrolls sideways and, per table, its frame's (parent's) scroll and client
    width and overflow-x."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no Chromium (Debian package chromium; .ci/run installs it): the narrow-screen check needs it")
    wrapper = page.with_name(f".narrow-{page.name}")
    wrapper.write_text(
        f'<!doctype html><html><body style="margin:0"><iframe id="f" src="{page.name}" '
        f'style="width:{NARROW}px;height:900px;border:0"></iframe><script>'
        "document.getElementById('f').addEventListener('load', () => {"
        " const d = document.getElementById('f').contentDocument, w = d.defaultView;"
        " const t = [...d.querySelectorAll('main table')].map(x => x.parentElement)"
        "  .map(x => [x.scrollWidth, x.clientWidth, w.getComputedStyle(x).overflowX]);"
        " w.scrollTo(1000, 0);"  # how far the page itself scrolls sideways
        " document.body.setAttribute('data-narrow',"
        "  JSON.stringify({viewport: w.innerWidth, sideways: w.scrollX, tables: t}));"
        "});</script></body></html>",
        encoding="utf-8",
    )
    try:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--allow-file-access-from-files",
                 "--window-size=800,1000", "--virtual-time-budget=5000", "--dump-dom"]  # fmt: skip
        out = subprocess.run([chromium, *flags, wrapper.resolve().as_uri()], capture_output=True, text=True,
                             timeout=120)  # fmt: skip
    finally:
        wrapper.unlink()
    found = re.search(r'data-narrow="([^"]*)"', out.stdout)
    assert found, f"Chromium did not lay out {page.name}: {out.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))


def test_wide_tables_scroll_sideways_on_a_narrow_screen(book: Path) -> None:
    """At 400 pixels no page runs off the screen: a table wider than its frame scrolls inside it."""
    pages = [p for p in _html_pages(book) if "<table" in p.read_text(encoding="utf-8")]
    scrolling = 0
    for page in pages:
        layout = _narrow_layout(page)
        assert layout["viewport"] == NARROW, layout
        assert layout["sideways"] == 0, f"{page.name} scrolls {layout['sideways']} px sideways at {NARROW} px"
        for scroll, client, overflow in layout["tables"]:
            if scroll > client:
                assert overflow in ("auto", "scroll"), f"{page.name}: a table runs out of its frame"
                scrolling += 1
    assert scrolling, "no table is wider than the screen: the check saw nothing to scroll"


def test_no_error_or_warning_text_and_every_reference_resolves(book: Path) -> None:
    texts = {p.name: _visible_text(p.read_text(encoding="utf-8")) for p in _html_pages(book)}
    texts["pdf"] = _pdf_text(next(book.glob("*.pdf")))
    texts["docx"] = _docx_text(next(book.glob("*.docx")))
    leaks = {name: sorted(set(LEAKS.findall(text))) for name, text in texts.items() if LEAKS.search(text)}
    assert not leaks, leaks
    everything = " ".join(" ".join(t.split()) for t in texts.values())
    for kind in ("Figuur", "Tabel"):  # per chapter 1..k without gaps: one numbering for the whole book
        numbers = set(re.findall(rf"{kind} ([1-9A-D])\.(\d+)", everything))
        for chapter in {c for c, _ in numbers}:
            seen = sorted(int(k) for c, k in numbers if c == chapter)
            assert seen == list(range(1, len(seen) + 1)), f"{kind} {chapter}.x: {seen}"

    # the same numbers in every format
    def numbered(text: str) -> set[str]:
        return set(re.findall(r"(?:Figuur|Tabel)\s+[1-9A-D]\.\d+", " ".join(text.split())))

    html_numbers = set().union(*(numbered(t) for n, t in texts.items() if n not in ("pdf", "docx")))
    assert html_numbers, "no numbered figure or table in the site"
    assert numbered(texts["pdf"]) == html_numbers, numbered(texts["pdf"]) ^ html_numbers


def _wrapped(label: str) -> str:
    """A regex for a cell's label as pdftotext prints it, also when the cell wraps.

    The label's pieces (words; code names split after "_", compounds after "-") in order: on one
    line, or continued on a following line, with at most a few lines of the
    neighbouring cells between (pdftotext prints a wrapped row line by line
    across its columns, sometimes glued to a neighbour's word).
    """
    pieces = [p for word in label.split() for p in re.split(r"(?<=[_/-])", word) if p]  # "niet-" / "leidinggevenden"
    gap = r"(?:[ \t]*|[^\n]*\n(?:[^\n]*\n){0,6}?[^\n]*?)"
    # pdftotext joins a compound broken at its hyphen at a line end ("niet-" + "leidinggevenden" -> "nietleidinggevenden")
    escaped = [re.escape(p[:-1]) + "-?" if p.endswith("-") else re.escape(p) for p in pieces]
    return r"(?<!\w)" + gap.join(escaped) + r"(?!\w|[.,]\d)"


def test_pdf_has_every_row_of_every_long_table_once(book: Path) -> None:
    pdf = _pdf_text(next(book.glob("*.pdf"))).replace("\u200b", "")
    long_tables = []
    for page in _html_pages(book):
        parser = _Tables()
        parser.feed(page.read_text(encoding="utf-8"))
        long_tables += [t for t in parser.tables if len(t["rows"]) >= LONG_TABLE_ROWS]
    assert long_tables, "expected long tables (Table 1, the estimands, the diagnostics)"
    for table in long_tables:
        caption = re.sub(r"^Tabel [0-9A-D.]+[:.]?\s*", "", table["caption"])[:60].split()
        found_caption = re.search(r"\s+".join(map(re.escape, caption)), pdf)
        assert found_caption, f"caption not found in the PDF: {' '.join(caption)!r}"
        following = re.compile(r"(?:Tabel|Figuur) [0-9A-D]\.\d+:").search(pdf, found_caption.end())
        segment = pdf[found_caption.end() : following.start() if following else None]
        for label in dict.fromkeys(table["rows"]):
            expected = table["rows"].count(label)
            # a label that wraps can also be pieced together from neighbouring rows' names:
            # then only "not lost" is checked, otherwise "exactly as often as in the table"
            wraps = len(label) > 12 and (" " in label or "_" in label)
            exact = r"(?<!\w)" + r"\s+".join(map(re.escape, label.split())) + r"(?!\w|[.,]\d)"
            found = len(re.findall(_wrapped(label) if wraps else exact, segment))
            ok = found >= expected if wraps else found == expected
            assert ok, f"{' '.join(caption)!r}: row {label!r} appears {found} times in the PDF, expected {expected}"


def test_a_second_render_reuses_the_executed_chapters(book: Path, default_fits: Path) -> None:
    freeze = REPO_ROOT / render.FREEZE_DIR
    assert (freeze / render.FINGERPRINT_FILE).read_text().strip() == render.fingerprint(
        DATA_DIR, default_fits, DEFAULT_SEED, None, None
    )
    frozen = list(freeze.rglob("execute-results/*.json"))
    assert len(frozen) >= 3 * 10, "every chapter with code is frozen for html, pdf and docx"
