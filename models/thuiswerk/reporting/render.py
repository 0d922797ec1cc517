"""Render the Dutch report (a Quarto book) from the stored fits.

The one place that runs Quarto. It

- finds ``quarto`` (on PATH, else the build that ``quarto-offline/setup.sh``
  installs under the user's cache folder);
- passes its own interpreter (``QUARTO_PYTHON``) and the survey, fits, seed,
  mapping and prior configuration it was given (``THUISWERK_*``) to the
  chapters, and the full commit and its clean/dirty state *before* rendering
  as metadata (``thuiswerk-commit``, ``thuiswerk-state``), the commit's date as the
  book's date, and on the synthetic survey the note that says so on the title
  page and in every page footer (``thuiswerk-synthetic``; :func:`book_metadata`);
- renders each format in its own copy of the book's sources (a temporary
  folder), so the formats render side by side on the machine's cores without
  sharing Quarto's scratch files, and the work tree is never written to
  except ``_output/`` and ``_freeze/``. The copy also carries the book's home
  page: Quarto wants ``index.qmd`` at the project root, the repository keeps
  it in ``report/``. The sources are the checkout's, or an installed package's
  read-only copies; ``_output/`` and ``_freeze/`` are in the project folder (the
  checkout, else the current folder: :mod:`thuiswerk.core.resources`);
- keeps Quarto's execution cache (``_freeze/``, ``execute: freeze: auto``)
  while the inputs are unchanged, and empties it when the fingerprint of data,
  fits, seed, mapping, configuration and package code changes, so a change of
  prose re-executes only that chapter (once per format: Quarto freezes per
  format);
- moves the result into ``_output/`` only when every format rendered
  (nothing half-written).
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from thuiswerk.core import resources
from thuiswerk.core.errors import RenderError
from thuiswerk.core.runconfig import RunConfig

FORMATS = {"html": "html", "pdf": "typst", "typst": "typst", "docx": "docx"}
ALL = ("html", "pdf", "docx")
OUTPUT_DIR = "_output"
FREEZE_DIR = "_freeze"
FINGERPRINT_FILE = ".thuiswerk-fingerprint"
CACHE_DIR = "thuiswerk-cache"  # inside _freeze/: shared results of the chapters' kernels
BOOK_FILE = "arbo-in-bedrijf-thuiswerken"  # book: output-file in _quarto.yml
HOME_SOURCE = Path("report/index.qmd")
# What a format's copy of the book holds: the project file and the chapters'
# folder (without what earlier plain `quarto render` runs left there).
SOURCES = ("_quarto.yml", "report")
SCRATCH = shutil.ignore_patterns("*_files", "*.quarto_ipynb", ".quarto", ".jupyter_cache")


STATE = {False: "zonder wijzigingen ten opzichte van die commit", True: "met wijzigingen die nog niet waren vastgelegd"}
NO_COMMIT = ("onbekend", "niet in een git-repository gerenderd")  # store.git_commit() said "unknown"
SYNTHETIC_NOTE = "Gebaseerd op synthetische gegevens"  # title page, page footers, home page: never on real data


def book_metadata(data: Path, commit: str, commit_date: str | None) -> dict[str, str]:
    """The book's metadata that ``thuiswerk report`` sets (Quarto's ``-M``): the commit and its state, the date
    (the commit's: the same code and data give the same book) and, only when ``data`` is the unchanged synthetic
    survey (:func:`thuiswerk.data.simulate.is_synthetic`), the note that the book rests on synthetic data."""
    from thuiswerk.data import simulate

    shown, state = (
        NO_COMMIT if commit == "unknown" else (commit.removesuffix("+dirty"), STATE[commit.endswith("+dirty")])
    )
    out = {"thuiswerk-commit": shown, "thuiswerk-state": state}
    if commit_date:
        out["date"] = commit_date
    if simulate.is_synthetic(data):  # the note, and a boolean for Quarto's `when-meta` (home page callout)
        out |= {"thuiswerk-synthetic": SYNTHETIC_NOTE, "thuiswerk-synthetic-data": "true"}
    return out


_FOOTER_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="16"/></w:rPr>'
    "<w:t>{note}</w:t></w:r></w:p></w:ftr>"
)
_FOOTER_REL = "footerThuiswerk"


def docx_reference(quarto: Path, note: str, target: Path) -> Path:
    """A Word reference document for the DOCX with ``note`` in every page footer: Pandoc's default reference
    (``quarto pandoc --print-default-data-file reference.docx``) with a footer part added; Pandoc keeps the
    reference's section footers. The DOCX thus says "Gebaseerd op synthetische gegevens" on every page, as the
    PDF and the site do (issue 29)."""
    default = subprocess.run(
        [str(quarto), "pandoc", "--print-default-data-file", "reference.docx"], capture_output=True, check=True
    ).stdout
    with zipfile.ZipFile(io.BytesIO(default)) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footer1.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>',
                )
            elif item.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="{_FOOTER_REL}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/footer" Target="footer1.xml"/></Relationships>'.encode(),
                )
            elif item.filename == "word/document.xml":
                data = data.replace(
                    b"<w:sectPr>", f'<w:sectPr><w:footerReference w:type="default" r:id="{_FOOTER_REL}"/>'.encode()
                )
            out.writestr(item, data)
        out.writestr("word/footer1.xml", _FOOTER_XML.format(note=html.escape(note)))
    return target


def offline_quarto() -> Path:
    """Where ``quarto-offline/setup.sh`` installs Quarto (its README: ``~/.cache/quarto-offline``)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "quarto-offline" / "bin" / "quarto"


def find_quarto() -> Path | None:
    """``quarto`` on PATH, else the offline build under the cache folder, else None."""
    found = shutil.which("quarto")
    if found:
        return Path(found)
    offline = offline_quarto()
    return offline if offline.is_file() and os.access(offline, os.X_OK) else None


def formats(to: str | None) -> list[str]:
    """The output formats for ``--to`` (html, pdf, docx or all; typst is an alias of pdf)."""
    if to in (None, "all"):
        return list(ALL)
    names = [t.strip().lower() for t in to.split(",") if t.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise ValueError(f"--to {to}: choose html, pdf, docx or all")
    return ["pdf" if n == "typst" else n for n in dict.fromkeys(names)]


def _hash_files(h: hashlib._Hash, files: Iterable[Path], root: Path) -> None:
    for f in sorted(files):
        if f.is_file():
            h.update(str(f.relative_to(root)).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())


def fingerprint(
    data: Path,
    fits: Path,
    seed: int,
    mapping: Path | None,
    config: Path | None,
    failing: Iterable[str] = (),
    left_out: Iterable[str] = (),
) -> str:
    """Hash of everything a chapter's executed output depends on besides its own source."""
    h = hashlib.sha256()
    h.update(f"failing={','.join(sorted(failing))}".encode())
    h.update(f"left_out={','.join(sorted(left_out))}".encode())
    _hash_files(h, data.glob("*"), data)
    _hash_files(h, fits.glob("*.nc"), fits)
    h.update(f"seed={seed}".encode())
    for extra in (mapping, config):
        h.update(extra.read_bytes() if extra else b"-")
    package = Path(__file__).resolve().parents[1]  # the whole package
    _hash_files(h, package.rglob("*.py"), package)
    for name in sorted(resources.DATA_FILES):  # codebook, margins, references, mapping example
        _hash_named(h, name, resources.resource_path(name))
    for name in sorted(resources.STUDY_FILES):  # the studies' results the appendices show
        _hash_named(h, name, resources.study_file(name))
    return h.hexdigest()


def _hash_named(h: hashlib._Hash, name: str, path: Path) -> None:
    if path.is_file():
        h.update(name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())


def outputs_for(fmts: list[str], out: Path) -> list[Path]:
    paths = {"html": out / "index.html", "pdf": out / f"{BOOK_FILE}.pdf", "docx": out / f"{BOOK_FILE}.docx"}
    return [paths[f] for f in fmts]


def render(
    quarto: Path,
    run: RunConfig,
    to: str | None = None,
    root: Path | None = None,
    echo=print,
    jobs: int | None = None,
    failing: Iterable[str] = (),
    left_out: Iterable[str] = (),
    sources: Path | None = None,
) -> list[Path]:
    """Render the book into ``root/_output`` and return the files written; raise :class:`RenderError` on failure.

    ``root`` is the project folder that receives ``_output/`` and ``_freeze/`` (default: the checkout, else the
    current folder); ``sources`` the folder with ``_quarto.yml`` and ``report/`` (default: ``root`` when given,
    else the checkout's or the installed package's copies).

    The formats render in parallel, ``jobs`` at a time (default: one per core).
    ``failing`` names models used although they fail the convergence policy
    (``--allow-failing``): the book marks their results. ``left_out`` names models
    that fail it and are left out (the book says so); a model whose fit is missing or
    stale is left out by the report's context itself.
    """
    fmts = formats(to)
    from thuiswerk.modelling import store

    if sources is None:
        sources = root if root is not None else resources.book_sources()
    root = resources.project_dir() if root is None else root

    failing, left_out = sorted(failing), sorted(left_out)
    commit = store.git_commit()  # full hash, "+dirty" as before rendering
    freeze = root / FREEZE_DIR
    stamp = fingerprint(run.data, run.fits, run.seed, run.mapping, run.config, failing, left_out)
    kept = (freeze / FINGERPRINT_FILE).is_file() and (freeze / FINGERPRINT_FILE).read_text().strip() == stamp
    if not kept and freeze.exists():
        echo("Data, fits or code changed since the last render: executing every chapter again.")
        shutil.rmtree(freeze)
    elif kept:
        echo("Data, fits and code unchanged: chapters whose source is unchanged are not executed again.")
    freeze.mkdir(exist_ok=True)
    (freeze / FINGERPRINT_FILE).write_text(stamp + "\n")  # what is frozen from now on belongs to these inputs
    env = (
        os.environ
        | run.environment()
        | {
            "QUARTO_PYTHON": sys.executable,
            "THUISWERK_CACHE": str(freeze / CACHE_DIR),
            "THUISWERK_FAILING": ",".join(failing),
            "THUISWERK_LEFT_OUT": ",".join(left_out),
            resources.PROJECT_VARIABLE: str(root.resolve()),  # the chapters' relative paths and study results
        }
    )
    # The commit is given as metadata ({{< meta thuiswerk-commit >}}), not computed in a
    # chapter: the executed chapters stay frozen when only the commit changes.
    meta = book_metadata(run.data, commit, store.git_commit_date())
    metadata = [a for k, v in meta.items() for a in ("-M", f"{k}:{v}")]
    jobs = max(1, min(len(fmts), jobs or os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="thuiswerk-render-") as scratch:
        copies = {fmt: _copy_sources(sources, root, Path(scratch) / fmt) for fmt in fmts}
        lock = threading.Lock()

        note = meta.get("thuiswerk-synthetic")
        extra: dict[str, list[str]] = {fmt: [] for fmt in fmts}
        if note and "docx" in fmts:  # the DOCX's page footers say it too (Pandoc takes them from its reference)
            reference = docx_reference(quarto, note, copies["docx"] / "report" / "reference-synthetisch.docx")
            extra["docx"] = [f"--reference-doc={reference}"]

        def render_format(fmt: str) -> tuple[str, int, float]:
            command = [str(quarto), "render", "--to", FORMATS[fmt], *metadata, *extra[fmt]]
            with lock:
                echo(f"[{fmt}] {' '.join(command)}")
            started = time.monotonic()
            with subprocess.Popen(
                command,
                cwd=copies[fmt],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            ) as process:
                assert process.stdout is not None  # stdout=PIPE
                for line in process.stdout:
                    if line.strip():
                        with lock:
                            echo(f"[{fmt}] {line.rstrip()}")
            return fmt, process.returncode, time.monotonic() - started

        # the HTML site is the longest: it starts first
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(render_format, fmts))
        for fmt, code, seconds in results:
            echo(f"[{fmt}] {'rendered' if code == 0 else f'failed (exit {code})'} in {seconds:.0f} s")
            if code == 0:  # a format's executed chapters are kept even when another format failed
                shutil.copytree(copies[fmt] / FREEZE_DIR, freeze, dirs_exist_ok=True)
        failed = [fmt for fmt, code, _ in results if code != 0]
        if failed:
            raise RenderError(
                f"quarto render failed for {', '.join(failed)} (see its lines above); {OUTPUT_DIR}/ is unchanged"
            )
        missing = [
            f"{fmt}: {p.name}" for fmt in fmts for p in outputs_for([fmt], copies[fmt] / OUTPUT_DIR) if not p.is_file()
        ]
        if missing:
            raise RenderError(
                "Quarto succeeded but did not write " + ", ".join(missing) + f"; {OUTPUT_DIR}/ is unchanged"
            )
        for fmt in fmts:  # only now that every format rendered
            _merge(copies[fmt] / OUTPUT_DIR, root / OUTPUT_DIR)
    return outputs_for(fmts, root / OUTPUT_DIR)


def _copy_sources(sources: Path, root: Path, target: Path) -> Path:
    """A copy of the book's sources (from ``sources``), its home page and the execution cache of the project folder
    ``root``, for one Quarto run (``copy2``: the book's date is its sources' last modification)."""
    target.mkdir(parents=True)
    for name in SOURCES:
        source = sources / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=SCRATCH)
        else:
            shutil.copy2(source, target / name)
    shutil.copy2(sources / HOME_SOURCE, target / "index.qmd")  # Quarto: a book's home page is the root's index.qmd
    freeze = root / FREEZE_DIR
    if freeze.is_dir():  # the shared cache of results stays in the work tree (THUISWERK_CACHE)
        shutil.copytree(freeze, target / FREEZE_DIR, ignore=shutil.ignore_patterns(CACHE_DIR, FINGERPRINT_FILE))
    return target


def _merge(rendered: Path, out: Path) -> None:
    """Copy one format's output into ``out`` (files of the other formats stay)."""
    shutil.copytree(rendered, out, dirs_exist_ok=True)
