"""The report's context: the validated survey, every default fit and their provenance, loaded once per
chapter (:func:`load_context`) and cached per process.

The validated survey and every default fit are loaded through
:func:`thuiswerk.modelling.workflow.load_fit`: a missing or stale fit raises
:class:`thuiswerk.modelling.store.StaleFitError` naming the command to run. The report
never samples. Every fit's provenance is checked when the context is made; the
posterior itself is read on first use (the files are large). What the chapters compute from the
context once per report (findings, population rows, the LOO comparison) is kept by
:meth:`ReportContext.cached`, in memory and, while rendering, on disk for the other chapters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import pandas as pd
import xarray as xr

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl
from thuiswerk.data import linked
from thuiswerk.data.describe import questionnaire
from thuiswerk.modelling import store, workflow
from thuiswerk.modelling.prepare import predictor_label
from thuiswerk.modelling.specs import SPECS, ModelSpec
from thuiswerk.reporting.summaries import loo_comparison
from thuiswerk.reporting.tables import colophon_table, effects_table, model_name


class _LazyFits(Mapping):
    """Model name -> DataTree, each read through ``workflow.load_fit`` on first use."""

    def __init__(self, specs: dict[str, ModelSpec], survey, fits_dir: Path, seed: int, data_arg: str) -> None:
        self._specs, self._survey, self._dir, self._seed, self._arg = specs, survey, fits_dir, seed, data_arg
        self._trees: dict[str, xr.DataTree] = {}

    def __getitem__(self, name: str) -> xr.DataTree:
        if name not in self._trees:
            self._trees[name] = workflow.load_fit(self._specs[name], self._survey, self._dir, self._seed, self._arg)
        return self._trees[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


@dataclass
class ReportContext:
    """What every chapter needs: the validated survey, the fits and their provenance."""

    data_dir: Path
    fits_dir: Path
    seed: int
    establishments: pd.DataFrame
    employees: pd.DataFrame
    specs: dict[str, ModelSpec]
    fits: Mapping[str, xr.DataTree]
    provenance: dict[str, dict[str, Any]]  # model -> stored attrs (parsed JSON where stored as JSON)
    data_hash: str
    git_commit: str
    package_versions: dict[str, str] = field(default_factory=dict)
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> columns the survey lacks
    left_out: dict[str, str] = field(default_factory=dict)  # model -> why it cannot be fitted on this survey (Dutch)
    dropped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # model -> covariates left out
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)  # model -> outcome items the survey lacks
    unidentified: dict[str, tuple] = field(default_factory=dict)  # model -> prepare.Dependency left out
    not_current: dict[str, str] = field(default_factory=dict)  # model -> why its fit is not used (Dutch)
    frame: pd.DataFrame | None = None  # the population frame (population.csv in the survey folder), if any
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def left_out_markdown(self) -> str:
        """A Dutch paragraph on what this survey lacks and what the report therefore leaves out ('' when nothing)."""
        parts = []
        columns = [c for cols in self.absent.values() for c in cols]
        if columns:
            labels = nl.join_words([f"*{nl.label(c)}*" for c in columns])
            noun = "gegeven" if len(columns) == 1 else "gegevens"
            parts.append(f"Deze enquête bevat {nl.count_words(len(columns))} {noun} van het codeboek niet: {labels}. "
                         "Wat daaruit zou volgen, ontbreekt in dit rapport; niets is aangevuld of geschat. Een figuur "
                         "die zulke gegevens nodig heeft, zegt welke ontbreken; in de tekst staat op de plaats van een "
                         f"getal dat eruit zou volgen een {nl.MARKER}.")  # fmt: skip
        if self.left_out:
            models = nl.models_nl(self.left_out)
            verb = "is het model" if len(self.left_out) == 1 else "zijn de modellen"
            parts.append(f"Daardoor {verb} {models} niet geschat; hun bevindingen staan in dit rapport als "
                         f"‘{nl.NOT_ESTIMABLE}’.")  # fmt: skip
        groups: dict[tuple[str, ...], list[str]] = {}  # the models fitted on the same items, in one sentence
        for model, items in self.items.items():
            spec = self.specs.get(model)
            if spec is not None and items:
                groups.setdefault(tuple(spec.outcomes), []).append(model)
        for outcomes, fitted in groups.items():
            used = nl.join_words([f"*{nl.label(i)}*" for i in outcomes])
            which = (
                f"Het model {nl.model_nl(fitted[0], mid_sentence=True)} is"
                if len(fitted) == 1
                else f"De modellen {nl.models_nl(fitted)} zijn"
            )
            parts.append(f"{which} daarom geschat op {used}; de bevindingen over de hele uitkomst gaan op deze "
                         "gegevens over die vragen.")  # fmt: skip
        dropped = sorted({c for cols in self.dropped.values() for c in cols})
        if dropped:
            names = nl.join_words([predictor_label(c).lower() for c in dropped])
            what = "het achtergrondkenmerk" if len(dropped) == 1 else "de achtergrondkenmerken"
            parts.append(f"De andere modellen zijn geschat zonder {what} {names}; "
                         "hun verbanden zijn daarvoor dus niet gecorrigeerd.")  # fmt: skip
        for model, found in self.unidentified.items():
            for d in found:
                who = f" bij {nl.ROLE_NL[d.role]}" if d.role else ""
                parts.append(f"In het model {nl.model_nl(model, mid_sentence=True)} is het verband met "
                             f"‘{predictor_label(d.predictor).lower()}’{who} weggelaten, want {d.dutch()}: "
                             f"de gegevens kunnen het niet schatten. Bevindingen die dat verband nodig hebben, staan "
                             f"in dit rapport als ‘{nl.NOT_ESTIMABLE}’.")  # fmt: skip
        if self.not_current:
            models = nl.models_nl(self.not_current)
            reasons = nl.join_words(sorted(set(self.not_current.values())))
            parts.append(f"De resultaten van {models} ontbreken in dit rapport ({reasons}); hun bevindingen staan "
                         f"erin als ‘{nl.NOT_ESTIMATED}’.")  # fmt: skip
        return " ".join(parts)

    @property
    def questionnaire(self) -> pd.DataFrame:
        return questionnaire(self.employees)

    @property
    def findings(self) -> pd.DataFrame:
        """The findings table (:func:`thuiswerk.analysis.findings.compute`) of these fits, computed once."""
        from thuiswerk.analysis import findings

        return self.cached(
            "findings",
            lambda: findings.compute(self.fits, not_fitted=self.left_out, not_current=self.not_current),
        )

    @property
    def descriptive(self) -> pd.DataFrame:
        """Every descriptive number the chapters state (:func:`thuiswerk.analysis.descriptive.compute`, what
        ``thuiswerk tables`` prints), under the report's disclosure decision, computed once."""
        from thuiswerk.analysis import descriptive

        return self.cached(
            "descriptive",
            lambda: descriptive.compute(self.establishments, self.employees, self.protection, seed=self.seed),
        )

    @property
    def population(self) -> pd.DataFrame | None:
        """The findings table's population rows (:func:`thuiswerk.analysis.mrp.rows`), computed once; None without a frame."""
        if self.frame is None:
            return None

        def compute() -> pd.DataFrame:
            from thuiswerk.analysis import mrp
            from thuiswerk.data.survey import Survey

            est, emp = (t.drop(columns=list(self.absent.get(n, ()))) for n, t in
                        (("establishments", self.establishments), ("employees", self.employees)))  # fmt: skip
            survey = Survey(establishments=est, employees=emp)
            tree, inputs = workflow.load_population(survey, self.fits_dir, self.seed)
            return mrp.rows(tree, inputs, cast(pd.DataFrame, self.frame), self.protection)

        return self.cached("population", compute)

    @property
    def protection(self) -> linked.Protection:
        """The one disclosure decision for everything the report shows by sector and size class
        (:func:`thuiswerk.data.linked.protect_groups`, with the frame's weighted estimates), computed once."""
        est = self.establishments.drop(columns=list(self.absent.get("establishments", ())))
        return self.cached("protection", lambda: linked.protect_groups(est, self.frame))

    @property
    def loo_comparison(self) -> pd.DataFrame:
        """Employee-known versus employer-reported measures per outcome (:func:`loo_comparison`), computed once."""
        return self.cached(
            "loo_comparison", lambda: loo_comparison({n: self.fits[n] for n in self.specs if n != "awareness"})
        )

    def cached(self, name: str, compute):
        """``compute()``, kept in memory and, while rendering, on disk for the other chapters.

        Each chapter runs in its own Python kernel, once per output format.
        ``thuiswerk report`` sets ``THUISWERK_CACHE`` to a folder inside
        ``_freeze/`` that it empties whenever the data, fits or code change,
        so a value computed by one chapter is reused by the others.
        """
        import pickle

        if name in self._memo:
            return self._memo[name]
        folder = os.environ.get("THUISWERK_CACHE")
        if not folder:
            value = self._memo[name] = compute()
            return value
        from filelock import FileLock

        path = Path(folder) / f"{name}.pkl"
        path.parent.mkdir(parents=True, exist_ok=True)
        # The formats render side by side and reach the same chapter at about the same time:
        # the first computes, the others wait for it instead of computing the same value again.
        with FileLock(str(path.with_name(f".{name}.lock"))):
            if path.is_file():
                value = pickle.loads(path.read_bytes())
            else:
                import tempfile

                value = compute()
                with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{name}.", delete=False) as tmp:
                    tmp.write(pickle.dumps(value))
                Path(tmp.name).replace(path)
        self._memo[name] = value
        return value

    @property
    def failing(self) -> list[str]:
        """Models used although they fail the convergence policy (``thuiswerk report --allow-failing``)."""
        return [n for n in os.environ.get("THUISWERK_FAILING", "").split(",") if n]

    def effects(self, name: str) -> pd.DataFrame:
        """:func:`effects_table` of one model (its covariates), computed once; for a model that is not in
        this report, one row that says why."""
        if name not in self.specs:
            return pd.DataFrame({"Model": [model_name(name)], "Toelichting": [self.absent_reason(name)]})
        return self.cached(f"effects-{name}", lambda: effects_table(self.fits[name], self.specs[name]))

    def model_spec(self, name: str) -> ModelSpec:
        """The model as fitted on this survey; for a model not in this report, as specified."""
        return self.specs.get(name) or SPECS[name]

    def absent_reason(self, name: str) -> str:
        """Why a model is not in this report, in Dutch ('' when it is)."""
        if name in self.left_out:
            return f"niet geschat: {self.left_out[name]}"
        if name in self.not_current:
            return f"{nl.NOT_ESTIMATED}: {self.not_current[name]}"
        return ""

    def say(self, finding_id: str, brief: bool = False, see: str = "") -> str:
        """The sentence of one slope finding, made from its row of :attr:`findings` (``brief`` and ``see``:
        :func:`thuiswerk.analysis.wording.sentence`)."""
        from thuiswerk.analysis import wording

        return wording.sentence(cast(pd.Series, self.findings.loc[finding_id]), brief=brief, see=see)

    def figure(self, label: str):
        """Figure ``label``; where it needs a column the survey lacks, a figure that says which."""
        from thuiswerk.reporting.figures import placeholders, registry

        lacking = self.lacking(registry.FIGURES[label].data)
        if lacking:
            return placeholders.unavailable(lacking)
        return registry.figure(label, self.establishments, self.employees)

    def lacking(self, compute) -> list[str]:
        """The absent columns that ``compute(establishments, employees)`` reads (:func:`workflow.lacking`).

        The tables of the context carry every absent column as an empty column, so a
        sentence built from one shows :data:`thuiswerk.core.nl.MARKER`; a figure or table
        asks this first and says what it lacks instead of drawing nothing.
        """
        absent = {c for cols in self.absent.values() for c in cols}
        return workflow.lacking(compute, self.establishments, self.employees, absent)

    def colophon(self) -> pd.DataFrame:
        return colophon_table(self.provenance, self.fit_hashes())

    def fit_hashes(self) -> dict[str, str]:
        """SHA-256 of each stored fit file."""
        import hashlib

        names = [*self.specs, *(["population"] if self.frame is not None else [])]
        return {n: hashlib.sha256(store.fit_path(self.fits_dir, n).read_bytes()).hexdigest() for n in names}


def _parse_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        v = v.item() if hasattr(v, "item") else v
        if k in ("package_versions", "settings", "excluded", "spec") and isinstance(v, str):
            try:
                v = json.loads(v)
            except json.JSONDecodeError:
                pass
        out[k] = v
    return out


def _resolve(path: str | Path) -> Path:
    """A relative path is relative to the project folder, the repository's root in a checkout (Quarto runs the
    chapters in a copy of the book's sources)."""
    from thuiswerk.core.resources import project_dir

    path = Path(path)
    return path if path.is_absolute() else project_dir() / path


def _signature(*paths: Path) -> tuple:
    """Names, sizes and modification times of the files under ``paths`` (cache key)."""
    out = []
    for p in paths:
        files = sorted(p.glob("*")) if p.is_dir() else [p]
        out += [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file()]
    return tuple(out)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return _resolve(value) if value else None


def load_context(
    data_dir: str | Path | None = None,
    fits_dir: str | Path | None = None,
    seed: int | None = None,
    mapping: str | Path | None = None,
    config: str | Path | None = None,
) -> ReportContext:
    """Load the validated survey and every default fit (never samples).

    Defaults: ``data/synthetic`` and ``data/fits`` (relative to the repository
    root), the project's seed, no mapping and the default priors, overridden by
    the environment variables ``THUISWERK_DATA``, ``THUISWERK_FITS``,
    ``THUISWERK_SEED``, ``THUISWERK_MAPPING`` and ``THUISWERK_CONFIG`` that
    ``thuiswerk report`` sets, so the same report renders the real data. Raises
    :class:`thuiswerk.modelling.store.StaleFitError` (naming the command to run) when any
    fit is missing or stale, and :class:`thuiswerk.modelling.workflow.InvalidDataError`
    for invalid data.
    """
    from thuiswerk.core.runconfig import RunConfig

    run = RunConfig.resolve(data_dir, fits_dir, seed, mapping, config)
    data, fits = _resolve(run.data), _resolve(run.fits)
    mapping, config = (_resolve(p) if p else None for p in (run.mapping, run.config))
    extra = tuple(p for p in (mapping, config) if p is not None)
    left_out = os.environ.get("THUISWERK_LEFT_OUT", "")  # part of the key: the context depends on it
    return _load_context(data, fits, run.seed, mapping, config, (left_out, *_signature(data, fits, *extra)))


@lru_cache(maxsize=4)
def _load_context(
    data: Path, fits: Path, seed: int, mapping: Path | None, config: Path | None, signature: tuple
) -> ReportContext:
    from thuiswerk.core.errors import StaleFitError
    from thuiswerk.core.runconfig import RunConfig
    from thuiswerk.modelling import specs as specs_module

    survey = workflow.load_valid_survey(data, mapping)
    adapted = [workflow.adapt(s, survey) for s in workflow.resolve_specs(["all"], specs_module.load_overrides(config))]
    selected = {a.name: a.spec for a in adapted if a.spec is not None}  # the models this survey's columns allow
    left_out = {a.name: a.reason_nl for a in adapted if a.spec is None}
    dropped = {a.name: a.dropped for a in adapted if a.dropped}
    run = RunConfig(data=data, fits=fits, seed=seed, mapping=mapping, config=config)
    # Models whose fit is missing or stale, or left out for failing the convergence policy (THUISWERK_LEFT_OUT,
    # set by `thuiswerk report`): the report goes on without them and says so; the command names them.
    stale = workflow.stale_fits(list(selected.values()), survey, fits, seed)
    if selected and len(stale) == len(selected):  # nothing to report on: refuse, naming the one command
        raise StaleFitError("\n".join(stale.values()), hint=f"Run: {run.command('fit', 'all')}")
    not_current = {m: "er is geen actuele fit" for m in stale}
    for m in (n for n in os.environ.get("THUISWERK_LEFT_OUT", "").split(",") if n in selected):
        not_current[m] = "de fit haalt de convergentieregels niet"
    selected = {n: s for n, s in selected.items() if n not in not_current}
    from thuiswerk.data.population import frame_of

    frame = frame_of(data, survey.establishments)
    if frame is not None:
        try:
            workflow.load_population(survey, fits, seed)  # a missing or stale population fit: no population rows
        except StaleFitError:
            frame = None
            not_current["population"] = "er is geen actuele fit"
        if "population" in os.environ.get("THUISWERK_LEFT_OUT", "").split(","):
            frame = None
            not_current["population"] = "de fit haalt de convergentieregels niet"
    names = [*selected, *(["population"] if frame is not None else [])]
    provenance = {name: _parse_attrs(store.read_attrs(store.fit_path(fits, name)) or {}) for name in names}
    data_arg = " ".join(run.options(seed=False))
    data_arg = f" {data_arg}" if data_arg else ""
    return ReportContext(
        data_dir=data,
        fits_dir=fits,
        seed=seed,
        establishments=_with_empty(survey.establishments, "establishments", survey),
        employees=_with_empty(survey.employees, "employees", survey),
        specs=selected,
        fits=_LazyFits(selected, survey, fits, seed, data_arg),
        provenance=provenance,
        data_hash=store.data_hash(survey.establishments, survey.employees),
        git_commit=store.git_commit(),
        package_versions=store.package_versions(),
        absent={t: tuple(c) for t, c in getattr(survey, "absent", {}).items() if c},
        left_out=left_out,
        dropped=dropped,
        items={a.name: a.items for a in adapted if a.spec is not None and a.items},
        unidentified={a.name: a.unidentified for a in adapted if a.spec is not None and a.unidentified},
        not_current=not_current,
        frame=frame,
    )


def _with_empty(frame: pd.DataFrame, table: str, survey) -> pd.DataFrame:
    """``frame`` with each column the survey lacks added as an empty column of its codebook type.

    Only in the report's context: a number made from an absent column is missing and
    printed as :data:`thuiswerk.core.nl.MARKER`, a figure that needs one says so
    (:meth:`ReportContext.figure`), and the opening lists them all. Nothing is written.
    """
    from thuiswerk.data.schema import DTYPES

    cb = codebook_module.load()
    columns = [c for c in getattr(survey, "absent", {}).get(table, ()) if c not in frame.columns]
    if not columns:
        return frame
    empty = {c: pd.Series(None, index=frame.index, dtype=DTYPES[cb.get(table, c).type]) for c in columns}  # type: ignore[arg-type]
    return frame.assign(**empty)
