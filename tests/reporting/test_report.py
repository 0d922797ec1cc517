"""The Quarto report, tested without Quarto.

Every ```{python} cell and every inline `{python} expr` of every chapter listed
in _quarto.yml is executed in document order in a fresh namespace per chapter,
against the default synthetic survey and the default fits (fitted here when
missing or stale: a cache hit after `thuiswerk run`). Cross-references must
point to defined labels; _quarto.yml must be a valid book. The render with a
real Quarto is tests/reporting/test_render.py. The findings tests show that the wording
of a finding follows the posterior, not the prose.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import xarray as xr
import yaml
from matplotlib.figure import Figure

from thuiswerk.analysis import compare
from thuiswerk.core import nl
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.modelling import specs
from thuiswerk.reporting import context, summaries, tables
from thuiswerk.reporting.figures import captions

matplotlib.use("Agg")

from chapters import (  # noqa: F401
    CELL_RE,
    DATA_DIR,
    INLINE_RE,
    OPTION_RE,
    QUARTO_YML,
    XREF_RE,
    Cell,
    Chapter,
    Inline,
    _options,
    all_qmd,
    book_files,
    chapter_paths,
    parse_chapter,
    prose,
    quarto_config,
    run_cell,
)

# --------------------------------------------------------------------------- fixture


# `default_fits` (the default survey and every default fit) is in conftest.py.


# --------------------------------------------------------------------------- (a) cells and inline expressions


SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘(*])")
NUMBERS_RE = re.compile(r"\(kans [^()]*\)\.?$")  # a finding's parenthesis of numbers, closing its sentence
MAX_IN_A_ROW = 2


def repeated_patterns(text: str) -> list[str]:
    """Sentences that make a run of more than :data:`MAX_IN_A_ROW` sentences with the same first three words or
    with the same closing parenthesis of numbers (issue 29: "four sentences in a row opening 'Bij leidinggevenden
    hangt ...'", "the same parenthesis 35 times")."""
    sentences = [s for s in SENTENCE_RE.split(" ".join(text.split())) if len(s.split()) > 3]
    out, opening, numbers = [], 1, 0
    for before, sentence in zip(["", *sentences], sentences):
        opening = opening + 1 if sentence.split()[:3] == before.split()[:3] else 1
        numbers = numbers + 1 if NUMBERS_RE.search(sentence) else 0
        if opening > MAX_IN_A_ROW or numbers > MAX_IN_A_ROW:
            out.append(sentence)
    return out


def test_repeated_patterns_are_found() -> None:
    same = "Bij leidinggevenden hangt X samen met Y. Bij leidinggevenden hangt Z samen met W. "
    assert repeated_patterns(same) == []
    assert repeated_patterns(same + "Bij leidinggevenden hangt V samen met U.") == [
        "Bij leidinggevenden hangt V samen met U."
    ]
    numbers = "A hangt samen met B (kans 90% op de verwachte richting; odds ratio 0,80). "
    assert len(repeated_patterns(numbers * 2 + "Het gaat om een ander verband. " + numbers * 2)) == 0
    assert len(repeated_patterns(numbers.replace("A", "C") + numbers.replace("A", "D") + numbers)) == 1


@pytest.mark.parametrize("path", chapter_paths(), ids=lambda p: p.name)
def test_chapter_cells_and_inline_expressions_run(path: Path, default_fits: Path, monkeypatch) -> None:
    """Every cell and inline expression runs and gives what the book needs; the running text it makes has no
    sentence pattern more than twice in a row (:func:`repeated_patterns`)."""
    monkeypatch.setenv("THUISWERK_FITS", str(default_fits))  # as `thuiswerk report` passes them
    chapter = parse_chapter(path)
    figures_made = 0

    def on_cell(item: Cell, value, printed: str) -> None:
        nonlocal figures_made
        label = str(item.options.get("label", ""))
        if label.startswith("fig-"):
            assert isinstance(value, Figure), f"{path.name}: cell {label} did not produce a matplotlib Figure"
            assert item.options.get("fig-cap"), f"{path.name}: {label} has no fig-cap"
            assert item.options.get("fig-alt"), f"{path.name}: {label} has no fig-alt"
            figures_made += 1
        if label.startswith("tbl-"):
            assert item.options.get("tbl-cap"), f"{path.name}: {label} has no tbl-cap"
            assert printed.strip() or value is not None, f"{path.name}: table cell {label} produced nothing"
            if printed.strip():
                assert printed.lstrip().startswith("|"), f"{path.name}: {label} is not a pipe table"

    def on_inline(item: Inline, value) -> None:
        assert isinstance(value, str), f"{path.name}: inline `{item.expr}` gave {type(value).__name__}, not str"
        assert value.strip(), f"{path.name}: inline `{item.expr}` is empty"
        assert "significant" not in value.lower()

    text = prose(path, on_cell=on_cell, on_inline=on_inline)
    n_fig_labels = sum(str(c.options.get("label", "")).startswith("fig-") for c in chapter.cells)
    assert figures_made == n_fig_labels
    repeated = repeated_patterns(text)
    assert not repeated, f"{path.name}: more than {MAX_IN_A_ROW} sentences in a row of one pattern: {repeated}"


def test_every_chapter_with_code_loads_the_context_once() -> None:
    for path in chapter_paths():
        chapter = parse_chapter(path)
        if not chapter.items:
            continue
        code = "\n".join(c.code for c in chapter.cells)
        # at most once (chapter 3 states only reference figures and needs no context)
        assert code.count("load_context()") <= 1, f"{path.name}: load the context once, in the setup cell"
        assert chapter.cells[0].options.get("label") == "setup", f"{path.name}: the first cell is the setup cell"


# --------------------------------------------------------------------------- (b) cross-references and captions


def test_cross_references_point_to_defined_labels() -> None:
    labels: set[str] = set()
    refs: dict[str, list[str]] = {}
    for path in all_qmd():
        chapter = parse_chapter(path)
        for cell in chapter.cells:
            if "label" in cell.options:
                label = str(cell.options["label"])
                if label.startswith(("fig-", "tbl-")):
                    assert label not in labels, f"label {label} defined twice"
                labels.add(label)
        text = CELL_RE.sub("", path.read_text(encoding="utf-8"))
        labels |= set(re.findall(r"\{#((?:fig|tbl)-[\w-]+)", text))
        for ref in XREF_RE.findall(text):
            refs.setdefault(ref, []).append(path.name)
    assert refs, "the report cross-references no figure or table"
    missing = {ref: files for ref, files in refs.items() if ref not in labels}
    assert not missing, f"cross-references without a label: {missing}"


def test_every_seed_figure_and_table1_is_in_the_report_with_its_caption() -> None:
    cells = {str(c.options.get("label")): c for p in chapter_paths() for c in parse_chapter(p).cells}
    for label in captions.CAPTIONS:
        assert label in cells, f"{label} is not in the report"
        if label.startswith("fig-"):
            assert cells[label].options["fig-cap"] == captions.caption(label, 0)
            assert cells[label].options["fig-alt"] == captions.caption(label, 1)


def test_no_literal_percentages_or_significance_in_the_sources() -> None:
    """Numbers come from code; "significant" only appears quoted (where the method is explained)."""
    for path in all_qmd():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\d\s*%", text), f"{path.name}: a literal percentage"
        assert not re.search(r'(?<!")significant(?!ietoets)', text, re.I), f"{path.name}: unquoted 'significant'"


# --------------------------------------------------------------------------- (c) _quarto.yml


def test_quarto_project_is_valid() -> None:
    cfg = quarto_config()
    assert cfg["project"]["type"] == "book"
    assert cfg["lang"] == "nl"
    assert {"html", "typst", "docx"} <= set(cfg["format"])
    assert cfg["project"]["output-dir"] == "_output"
    assert cfg["execute"]["echo"] is False and cfg["execute"]["warning"] is False
    assert cfg["execute"]["freeze"] == "auto"
    assert cfg["jupyter"] == "python3"
    assert cfg["format"]["html"]["html-math-method"] == "mathml"  # no MathJax from a CDN
    assert (REPO_ROOT / cfg["bibliography"]).is_file()
    assert book_files()[0] == "index.qmd"  # Quarto's rule for a book's home page
    for path in chapter_paths():
        assert path.is_file(), f"_quarto.yml lists {path.relative_to(REPO_ROOT)}, which does not exist"
    assert sorted(chapter_paths()) == all_qmd(), "every report/*.qmd is in the book, none is forgotten"
    for path in chapter_paths():
        text = path.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("---")[1]) if text.startswith("---") else {}
        # a title, or (unnumbered pages: home page, literature) a level-1 heading
        assert front.get("title") or re.search(r"^# .+\{\.unnumbered\}", text, re.M), f"{path.name} has no title"


# --------------------------------------------------------------------------- (e) findings follow the posterior


def _fake_tree(draws: np.ndarray, predictors=("knows_working_hours",)) -> xr.DataTree:
    values = np.asarray(draws, dtype=float).reshape(4, -1, 1).repeat(len(predictors), axis=2)
    beta = xr.DataArray(values, dims=("chain", "draw", "predictor"), coords={"predictor": list(predictors)})
    return xr.DataTree.from_dict({"posterior": xr.Dataset({"beta": beta})})


def test_planted_findings_on_the_default_synthetic_survey(default_fits: Path) -> None:
    """Strong planted effects are worded 'duidelijk' on the default synthetic survey, a zero one is not.

    (The planted KANS effect of managers' home-office share, 0,75 per 50 points, is
    not 'duidelijk' at N = 206 with this seed: P = 0,67; the recovery test covers it.)
    """
    table = context.load_context(DATA_DIR, default_fits).findings
    for finding_id in ("werkdruk_moeite_leidinggeven", "isolatie_sociale_momenten", "informatieverlies_verschil"):
        assert table.loc[finding_id, "wording"] == nl.EVIDENCE_CLEAR, table.loc[finding_id].to_dict()
    assert table.loc["werkdruk_training_lg", "wording"] == nl.EVIDENCE_NONE  # planted zero
    assert table.loc["informatieverlies_nlg", "mean"] > table.loc["informatieverlies_lg", "mean"]


FINDING_CHAPTERS = (
    "01-belangrijkste-bevindingen.qmd",
    "02-handelingsperspectief.qmd",
    "05-blootstelling-en-gezondheid.qmd",
    "06-genomen-maatregelen.qmd",
    "07-maatregelen-en-gezondheid.qmd",
)
RELATION_WORDS = re.compile(
    r"samen met|samenhangt|gepaard met|duidelijk verschil|odds ratio|procentpunt|informatieverlies", re.I
)


@pytest.mark.parametrize("name", FINDING_CHAPTERS)
def test_every_finding_sentence_is_made_from_the_findings_table(name: str, default_fits: Path) -> None:
    """An inline expression that states a relation must be one of the findings table's sentences."""
    from thuiswerk.analysis import estimands, wording

    ctx = context.load_context(DATA_DIR, default_fits)
    table = ctx.findings
    allowed = {wording.sentence(table.loc[e.id]) for e in estimands.ESTIMANDS if e.kind in ("slope", "contrast")}
    allowed |= {  # the summary chapters' brief forms, with or without where the finding is given whole
        wording.sentence(table.loc[e.id], brief=True, see=see)
        for e in estimands.ESTIMANDS
        if e.kind == "slope"
        for see in ("", *(f"hoofdstuk {n}" for n in range(5, 10)))
    }
    allowed |= {
        wording.gap_sentence(table.loc["informatieverlies_verschil"], brief=brief) for brief in (False, True)
    } | {wording.loss_sentence(table, brief=brief) for brief in (False, True)}
    allowed |= set(wording.chapter_one_headlines(table, ctx.establishments, ctx.employees).values())
    allowed |= {compare.LOO_SAME, compare.LOO_KNOWLEDGE, compare.LOO_EMPLOYER}  # the LOO comparison's verdicts
    allowed |= {wording.reading_guide(table.loc[e.id]) for e in estimands.ESTIMANDS if e.kind == "slope"}
    groups: dict[tuple[str, str, str], list[str]] = {}  # the slope findings of one exposure and role, in table order
    for e in estimands.ESTIMANDS:
        if e.kind == "slope":
            groups.setdefault((e.model, e.exposure, e.role), []).append(e.id)
    allowed |= {wording.grouped_sentence(table, ids) for ids in groups.values()}
    chapter = parse_chapter(REPO_ROOT / "report" / name)
    text = (REPO_ROOT / "report" / name).read_text(encoding="utf-8")
    assert "nl.evidence(" not in text and "EVIDENCE_CLEAR if" not in text  # no wording chosen in the prose
    namespace: dict = {"__name__": "__quarto__"}
    stated = 0
    for item in chapter.items:
        if isinstance(item, Cell):
            run_cell(item.code, namespace)
            continue
        value = eval(item.expr, namespace)
        if RELATION_WORDS.search(value):
            assert value in allowed, f"{name}: `{item.expr}` states a relation not taken from the findings table"
            stated += 1
    assert stated >= 1


def test_effects_table_columns() -> None:
    tree = _fake_tree(np.random.default_rng(2).normal(-0.6, 0.2, 4000), predictors=("knows_working_hours", "manager"))
    table = summaries.effects(tree, specs.ModelSpec("x", "ordinal", "x", (), ("knows_working_hours", "manager")))
    assert list(table["label"]) == ["Kent afspraken over werktijden", "Leidinggevende"]
    assert {"mean", "lo", "hi", "p_negative", "p_positive"} <= set(table.columns)
    assert (table["lo"] < table["mean"]).all() and (table["mean"] < table["hi"]).all()
    assert np.allclose(table["p_negative"] + table["p_positive"], 1.0)
    shown = tables.effects_table(tree, specs.ModelSpec("x", "ordinal", "x", (), ("knows_working_hours", "manager")))
    words = {nl.EVIDENCE_CLEAR, nl.EVIDENCE_HINT, nl.EVIDENCE_NONE}
    assert not words & set(shown.to_numpy().ravel())  # covariates get no evidence words


def test_loo_verdict_rule() -> None:
    assert compare.loo_verdict(2.0, 0.5) == compare.LOO_SAME  # small, whatever the SE
    assert compare.loo_verdict(10.0, 6.0) == compare.LOO_SAME  # within two SE
    assert compare.loo_verdict(10.0, 3.0) == compare.LOO_KNOWLEDGE
    assert compare.loo_verdict(-10.0, 3.0) == compare.LOO_EMPLOYER


def test_a_report_without_any_current_fit_is_refused_with_the_command(tmp_path: Path) -> None:
    """With some fits current the report leaves the others out (tests/test_partial_survey.py); with none it refuses."""
    from thuiswerk.modelling.store import StaleFitError

    with pytest.raises(StaleFitError, match="awareness.nc: no fit") as refused:
        context.load_context(DATA_DIR, tmp_path)
    assert "thuiswerk fit all" in str(refused.value)


# --------------------------------------------------------------------------- (f) the shared cache


def _cached_in_a_process(cache: str, log: str) -> float:
    """One format's kernel: a context that asks for a slow value through ``ctx.cached``."""
    import os
    import time

    import pandas as pd

    os.environ["THUISWERK_CACHE"] = cache
    ctx = context.ReportContext(
        data_dir=Path("."), fits_dir=Path("."), seed=1, establishments=pd.DataFrame(), employees=pd.DataFrame(),
        specs={}, fits={}, provenance={}, data_hash="", git_commit="",
    )  # fmt: skip

    def slow() -> float:
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        time.sleep(1.0)
        return 42.5

    return ctx.cached("slow_value", slow)


def test_formats_rendering_side_by_side_compute_a_shared_value_once(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    log = tmp_path / "computed.log"
    with ProcessPoolExecutor(max_workers=3) as pool:
        values = list(pool.map(_cached_in_a_process, [str(tmp_path / "cache")] * 3, [str(log)] * 3))
    assert values == [42.5] * 3
    assert len(log.read_text().splitlines()) == 1, "computed once, the other formats waited and read it"
