"""No sentence that its own table contradicts (issue 29, "Done when: the contradiction test ... includes every item").

Each test below is one item of the issue's list, read as the book's reader reads it: the chapter is run once
(``chapters.prose``: cells and inline expressions as Quarto runs them, on the default survey and fits), and the
sentence is checked against the pipe table printed beside it, or against the chapter it cites. The checks take
the table as the reader sees it (rounded), so a sentence computed from unrounded numbers that the rounded table
appears to contradict fails too. The wording functions have their own unit tests (tests/reporting/
test_summaries.py, tests/analysis/test_nonresponse.py); these are the end-to-end cases on the book itself.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from chapters import chapter_paths, prose
from thuiswerk.core import nl
from thuiswerk.core.resources import REPO_ROOT

REPORT = REPO_ROOT / "report"


@dataclass
class RunChapter:
    text: str  # the running text as the reader sees it (one line per source line)
    tables: dict[str, list[dict[str, str]]]  # the pipe tables the cells printed, by label
    namespace: dict

    @property
    def flat(self) -> str:
        return " ".join(self.text.split())


def pipe_rows(markdown: str) -> list[dict[str, str]]:
    """The rows of a pipe table as dicts of header -> cell text."""
    lines = [line.strip() for line in markdown.splitlines() if line.strip().startswith("|")]
    if len(lines) < 2:
        return []

    def cells(line: str) -> list[str]:
        return [c.strip() for c in line.strip("|").split("|")]

    header = cells(lines[0])
    return [dict(zip(header, cells(line))) for line in lines[2:]]


@pytest.fixture(scope="module")
def book(default_fits: Path):
    """Run each chapter once, on demand: ``book("06-genomen-maatregelen")``."""
    runs: dict[str, RunChapter] = {}
    mp = pytest.MonkeyPatch()
    mp.setenv("THUISWERK_FITS", str(default_fits))

    def run(stem: str) -> RunChapter:
        if stem not in runs:
            (path,) = [p for p in chapter_paths() if p.stem == stem]
            printed: dict[str, list[dict[str, str]]] = {}
            paragraphs: list[str] = []  # text a cell prints (as markdown output) is read as prose

            def on_cell(cell, value, out: str) -> None:
                label = str(cell.options.get("label", ""))
                if out.lstrip().startswith("|"):
                    printed[label] = pipe_rows(out)
                elif out.strip():
                    paragraphs.append(out)

            namespace: dict = {"__name__": "__quarto__"}
            text = prose(path, namespace, on_cell=on_cell)
            runs[stem] = RunChapter("\n\n".join([text, *paragraphs]), printed, namespace)
        return runs[stem]

    yield run
    mp.undo()


def percent(text: str) -> int:
    """'42%' -> 42 (the first percentage in a cell)."""
    return int(re.search(r"(\d+)%", text).group(1))


def span(text: str) -> tuple[float, float]:
    """'-2,0 tot -0,1' or '(35%–58%)' -> the two ends as floats."""
    a, b = re.findall(r"[-+−]?\d+(?:,\d+)?", text)[-2:]
    return tuple(float(x.replace(",", ".").replace("−", "-")) for x in (a, b))  # type: ignore[return-value]


def quoted(sentence: str) -> list[str]:
    """The names the sentence quotes ('...')."""
    return re.findall(r"‘([^’]+)’", sentence)


def sentence_with(text: str, fragment: str) -> str:
    hits = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z‘])", text) if fragment in s]
    assert hits, f"no sentence with {fragment!r}"
    return hits[0]


# --------------------------------------------------------------------------- the items of issue 29


def test_the_best_and_least_known_measures_are_all_the_rows_that_tie_in_the_table(book) -> None:
    """p.32: 'gesprekken' was called the best-known measure while three measures tie at 42% (table 6.3)."""
    chapter = book("06-genomen-maatregelen")
    rows = chapter.tables["tbl-kennis-per-maatregel"]
    unknown = {r["Maatregel"].lower(): percent(r["Niet-leidinggevenden"]) for r in rows}
    best = sentence_with(chapter.flat, "het best")
    lowest = min(unknown.values())
    assert {q.lower() for q in quoted(best)} == {m for m, v in unknown.items() if v == lowest}, best
    following = chapter.flat[chapter.flat.index(best) :]
    assert f"bij {lowest}% van hen onbekend" in following[: len(best) + 120]
    least = sentence_with(chapter.flat, "Het minst bekend")
    highest = max(unknown.values())
    assert {q.lower() for q in quoted(least)} == {m for m, v in unknown.items() if v == highest}, least


def test_the_largest_difference_between_sample_and_population_is_the_largest_in_its_own_rows(book) -> None:
    """p.36: 'Middelen' named the largest difference while another row of the table differs more; the sentence
    must name its scope and be the largest within it, and its count of sample values outside the interval must be
    what the table shows."""
    chapter = book("06-genomen-maatregelen")
    rows = book("D-populatie").tables["tbl-populatie-alle-maatregelen"]  # the whole table (appendix D)
    short = chapter.tables["tbl-populatie-maatregelen"]  # the chapter's: a selection of the whole table's rows
    assert short and all(r in rows for r in short) and len(short) < len(rows)
    sentence = sentence_with(chapter.flat, "het meest van alle vestigingen")
    assert "volgens de werkgever" in sentence  # the scope is named
    employer = {
        r["Percentage"].removesuffix(" (werkgever)"): abs(percent(r["Steekproef"]) - percent(r["Alle vestigingen"]))
        for r in rows
        if r["Percentage"].endswith("(werkgever)")
    }
    named = quoted(sentence)
    assert len(named) == 1 and employer[named[0]] == max(employer.values()), (named, employer)
    assert any(r["Percentage"] == f"{named[0]} (werkgever)" for r in short)  # the named row is in the chapter
    count = sentence_with(chapter.flat, "percentages van dit hoofdstuk liggen")
    outside = inside_on_edge = 0
    for r in rows:
        value, (low, high) = percent(r["Steekproef"]), span(r["Alle vestigingen"])
        outside += value < low or value > high
        inside_on_edge += value in (low, high)
        if value < low or value > high:
            assert r in short, f"a share outside its interval is not in the chapter's table: {r}"
    said = [k for k in range(len(rows) + 1) if count.lower().startswith(nl.count_of(k, len(rows)).lower() + " ")]
    assert said and outside <= said[0] <= outside + inside_on_edge, (count, outside, inside_on_edge)


def test_every_measure_employees_report_as_often_as_employers_is_named_as_an_exception(book) -> None:
    """p.31: 'employees report measures less often than employers' while table 6.1 had two the other way."""
    chapter = book("06-genomen-maatregelen")
    rows = chapter.tables["tbl-maatregelen"]
    sentence = sentence_with(chapter.flat, "minder vaak dan werkgevers")
    roles = {"Leidinggevende": "leidinggevenden", "Niet-leidinggevende": "niet-leidinggevenden"}
    expected = {
        (r["Maatregel"].lower(), who)
        for r in rows
        for column, who in roles.items()
        if percent(r[column]) >= percent(r["Werkgever"])
    }
    following = chapter.flat[chapter.flat.index(sentence) :].split("Zie ")[0]
    named = set(re.findall(r"‘([^’]+)’ bij (leidinggevenden|niet-leidinggevenden)", following))
    assert named == expected, (named, expected)


def test_no_difference_between_respondents_is_said_only_where_every_interval_contains_zero(book) -> None:
    """p.15: respondents and non-respondents 'do not differ clearly' while table 4.1 had -1,0 (-2,0 to -0,1)."""
    chapter = book("04-resultaten-tot-stand")
    rows = chapter.tables["tbl-respons"]
    apart = [r for r in rows if (lambda lo_hi: lo_hi[0] * lo_hi[1] > 0)(span(r["Verschil (90%-interval)"]))]
    assert apart, "the default survey should have a characteristic whose interval lies apart from zero"
    text = chapter.flat
    for r in apart:
        assert f"{r['Kenmerk'].lower()} ({r['Groep'].lower()}:" in text.lower(), r


def test_a_reason_is_listed_only_when_an_establishment_gave_it(book) -> None:
    """p.47: 'alleen tijdens de covid-19-crisis gedaan' listed as a reason that table 8.2 gave at 0%."""
    chapter = book("08-naleving")
    ns = chapter.namespace
    listed = [code for code, words in ns["other_reasons"].items() if words in chapter.flat]
    shown = {code: round(100 * ns["investigation"].get(code, 0.0)) for code in ns["other_reasons"]}
    assert all(shown[code] >= 1 for code in listed), shown
    assert [c for c in ns["other_reasons"] if shown[c] >= 1] == listed, (listed, shown)
    assert shown["alleen_tijdens_covid"] == 0  # the case is in the default survey


@pytest.mark.parametrize("stem", ["01-belangrijkste-bevindingen", "08-naleving"])
def test_sample_and_population_are_named_apart_with_the_numbers_of_their_table(book, stem: str) -> None:
    """p.45 and p.48: 89% and 79% both of 'alle vestigingen' (one the sample, one the population)."""
    chapter = book(stem)
    rows = {r["Percentage"]: r for r in book("08-naleving").tables["tbl-populatie-naleving"]}
    rie = next(r for label, r in rows.items() if label.startswith("RI&E aanwezig"))
    sentence = sentence_with(chapter.flat, "In de steekproef heeft")
    assert f"In de steekproef heeft {rie['Steekproef']} van de vestigingen een RI&E" in sentence
    estimate, interval = rie["Alle vestigingen"].split(" ", 1)
    low, high = interval.strip("()").split("–")
    population = sentence.split(";", 1)[1]
    assert "alle vestigingen in de onderzochte sectoren" in population, sentence
    assert f"naar schatting {estimate} (90%-interval {low} tot {high})" in population, sentence
    for other in re.split(r"(?<=[.!?])\s+", chapter.flat):
        if re.search(r"\balle vestigingen\b", other) and "%" in other and "RI&E" in other:
            assert "steekproef" in other or "onderzochte sectoren" in other, other


def test_counts_of_outcomes_and_links_are_the_counts_of_the_table(book) -> None:
    """p.8: 'bij een van de vier uitkomsten' where there were three outcomes."""
    chapter = book("01-belangrijkste-bevindingen")
    table = book("07-maatregelen-en-gezondheid").tables["tbl-verbanden-maatregelen"]
    employer = [r for r in table if r["Verband"].endswith("volgens de werkgever")]
    clear = [r for r in employer if r["Oordeel"] == "duidelijk"]
    sentence = sentence_with(chapter.flat, "verbanden tussen een maatregel volgens de werkgever")
    assert nl.count_of(len(clear), len(employer)) in sentence, sentence
    outcomes = {r["Uitkomst"] for r in table}
    for word in re.findall(r"\bvan de (\w+) uitkomsten\b", chapter.flat):
        assert word in {nl.number_word(n) for n in range(len(outcomes) + 1)}, word


@pytest.mark.parametrize("stem", ["01-belangrijkste-bevindingen", "02-handelingsperspectief"])
def test_a_number_cited_with_a_chapter_is_shown_in_that_chapter(book, stem: str) -> None:
    """p.11: recommendation 6 cited an odds ratio of 0,67 'zie hoofdstuk 7', and chapter 7 never showed it."""
    chapter = book(stem)
    numbers = {
        "5": "05-blootstelling-en-gezondheid",
        "6": "06-genomen-maatregelen",
        "7": "07-maatregelen-en-gezondheid",
    }
    paragraphs = re.split(r"\n\s*\n|\n(?=\d+\. )", chapter.text)
    checked = 0
    for paragraph in paragraphs:
        flat = " ".join(paragraph.split())
        cited = set(re.findall(r"hoofdstuk (\d)\b", flat)) & numbers.keys()
        ratios = re.findall(r"odds ratio (\d+,\d+)(?:, 90%-interval (\d+,\d+ tot \d+,\d+))?", flat)
        if len(cited) != 1 or not ratios:
            continue
        target = book(numbers[cited.pop()])
        shown = {(r.get("Odds ratio"), r.get("90%-interval")) for rows in target.tables.values() for r in rows}
        for ratio, interval in ratios:
            in_table = any(ratio == a and interval in ("", b) for a, b in shown)
            assert in_table or f"odds ratio {ratio}" in target.flat, (flat, ratio, interval)
            checked += 1
    assert checked, f"{stem}: no cited odds ratio found; has the wording changed?"


def test_a_table_number_means_a_table_of_this_book_or_says_whose_it_is(book) -> None:
    """Section 6.7 referred to 'tabel 1' (the source report's) instead of table 6.1."""
    for path in chapter_paths():
        if path.stem in ("index", "literatuur"):
            continue
        text = book(path.stem).flat
        for m in re.finditer(r"\b[Tt]abel (\d+)\b(?!\.\d)", text):
            assert text[m.end() : m.end() + 40].startswith(" van het oorspronkelijke rapport"), (
                path.name,
                text[m.start() - 60 : m.end() + 60],
            )


def test_no_sentence_is_said_twice_in_the_book(book) -> None:
    """p.8 and p.23: the overwork comparison twice word for word."""
    said: Counter[str] = Counter()
    where: dict[str, set[str]] = {}
    for path in chapter_paths():
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z‘])", book(path.stem).flat):
            if len(sentence.split()) >= 12 and "@" not in sentence:
                said[sentence] += 1
                where.setdefault(sentence, set()).add(path.stem)
    twice = {s: sorted(where[s]) for s, n in said.items() if n > 1}
    assert not twice, "\n".join(f"{where}: {s}" for s, where in twice.items())
