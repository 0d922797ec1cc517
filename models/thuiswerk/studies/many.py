"""Many independent fits on Dask: the one place that runs replicates.

Simulation-based calibration (:mod:`thuiswerk.studies.sbc`), K-fold cross-validation by
establishment (:mod:`thuiswerk.studies.kfold`), the design of the next survey and the
evidence rule on null surveys (:mod:`thuiswerk.studies.design`) each need tens to hundreds
of fits that do not depend on each other. A :class:`Job` names them; :func:`run`
sends them to a Dask cluster and stores each result as it arrives.

- **Where.** A ``LocalCluster`` on this machine by default (one worker process per
  core, one thread each), or an existing scheduler (``scheduler="tcp://host:8786"``):
  a ``dask scheduler`` with ``dask worker`` processes started by hand anywhere, or a
  cluster from dask-jobqueue or dask-kubernetes. Every worker needs this package
  installed; tasks take their inputs with them (the job's payload is scattered
  once to every worker), so workers need no access to the data or the fits.
- **Reproducible.** Every task's seed is derived from the run's seed, the job's kind
  and the task's own name (:func:`task_seed`), never from the worker or the order in
  which tasks finish: the same job gives the same results on 1 worker or 50.
- **Resumable.** A result is written (atomically) to
  ``ROOT/KIND/KEY/TASK.json`` as soon as it arrives; ``KEY`` is the hash of the
  job's configuration (content-addressed, like the fit store). Running the job again
  computes only what is missing, so an interrupted run resumes where it stopped.
- **Faults.** A task whose worker dies is rescheduled on another worker by Dask;
  a task that raises is retried (:data:`RETRIES`) and then reported as failed
  (:class:`~thuiswerk.core.errors.ReplicatesFailedError`, exit 11) while all others are kept.
- **Compiled once.** :func:`compiled` keeps a compiled model per worker process, so
  replicates of one design on one worker swap the answers in instead of compiling
  again; each result records its compile and sampling seconds.
- **Stamped.** A study file's header names, per model, the data and the spec the study
  was computed for (:func:`stamp`); the report shows a study only where that stamp
  matches its own models (:func:`current`, :func:`belongs`, :func:`belonging`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from thuiswerk.core import errors
from thuiswerk.modelling import store

FORMAT = 1  # version of what a task stores; part of every job key
RETRIES = 2  # a task that raises is tried this many more times
TIMING = "timing"  # key of a record's machine-dependent part (seconds, worker); not compared between runs


@dataclass(frozen=True)
class Job:
    """Independent tasks of one kind, run by :func:`run`.

    ``config`` holds everything that determines the results (JSON-able; its hash is
    the job's key), ``tasks`` one JSON-able argument per task, ``func`` a module-level
    function ``func(payload, task, seed) -> dict`` (JSON-able; its :data:`TIMING`
    entry is kept but not part of the result proper), ``payload`` what every task
    reads (shipped to each worker once), ``stamp`` the data and specs the results
    belong to (:func:`stamp`; what the study file's header records).
    """

    kind: str
    config: dict[str, Any]
    tasks: list[Any]
    func: Callable[[Any, Any, int], dict[str, Any]]
    payload: Any = None
    labels: dict[str, str] = field(default_factory=dict)
    stamp: dict[str, dict[str, str]] = field(default_factory=dict)  # :func:`stamp`; not part of the key

    @property
    def key(self) -> str:
        text = json.dumps({"kind": self.kind, "format": FORMAT, "config": self.config}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def task_name(task: Any) -> str:
    """A file-safe name of one task: ``r0007`` for replicate 7, ``fold03-workload`` for a tuple."""
    if isinstance(task, int):
        return f"r{task:04d}"
    if isinstance(task, list | tuple):
        return "-".join(task_name(t) if isinstance(t, int) else str(t) for t in task)
    return str(task)


def task_seed(run_seed: int, kind: str, task: Any) -> int:
    """The seed of one task: from the run's seed, the job's kind and the task, nothing else."""
    key = (zlib.crc32(kind.encode()), zlib.crc32(task_name(task).encode()))
    return int(np.random.SeedSequence(entropy=run_seed, spawn_key=key).generate_state(1)[0])


def folder(root: Path, job: Job) -> Path:
    return Path(root) / job.kind / job.key


def stored(root: Path, job: Job) -> dict[str, dict[str, Any]]:
    """The results of ``job`` already in ``root``, by task name."""
    where = folder(root, job)
    out = {}
    for task in job.tasks:
        path = where / f"{task_name(task)}.json"
        if path.is_file():
            try:
                out[task_name(task)] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue  # unreadable (a disk fault): computed again
    return out


def _write(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _start(root: Path, job: Job) -> Path:
    where = folder(root, job)
    try:
        where.mkdir(parents=True, exist_ok=True)
        config = where / "job.json"
        if not config.exists():
            _write(config, {"kind": job.kind, "format": FORMAT, "config": job.config, "labels": job.labels})
    except OSError as exc:
        raise errors.FitsFolderError(f"{where}: cannot write the results there ({exc.strerror or exc})") from None
    return where


@contextlib.contextmanager
def client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A Dask client: on a new ``LocalCluster`` (``workers`` processes, default one per
    core, one thread each), or on the running scheduler at ``scheduler``."""
    import dask
    from distributed import Client, LocalCluster

    # One thread per worker: each fit is single-threaded (numba), so more threads would
    # only share a core. Dask's own logging is quiet; progress is ours.
    with dask.config.set({"distributed.worker.daemon": False, "distributed.logging.distributed": "error"}):
        if scheduler:
            try:
                c = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise errors.UsageError(
                    f"no Dask scheduler answers at {scheduler} ({exc})",
                    "Start one with `dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`, "
                    "or leave out --scheduler for a cluster on this machine.",
                ) from None
            try:
                yield c
            finally:
                c.close()
            return
        n = workers or os.cpu_count() or 1
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
            ) as cluster,
            Client(cluster) as c,
        ):
            yield c


# ------------------------------------------------------------------ worker side

_COMPILED: dict[str, Any] = {}


def compiled(key: str, make: Callable[[], Any]) -> tuple[Any, float]:
    """The compiled object ``key`` of this worker process, made once; with the seconds it took here (0 if reused)."""
    if key in _COMPILED:
        return _COMPILED[key], 0.0
    started = time.perf_counter()
    _COMPILED[key] = make()
    return _COMPILED[key], time.perf_counter() - started


def probe(payload: Any, task: Any, seed: int) -> dict[str, Any]:
    """A task without a fit: ``payload`` seconds of waiting and three seeded numbers.

    For the tests (resuming, reproducibility, a lost worker) and for measuring the
    per-task overhead of a cluster (``thuiswerk bench --many``).
    """
    time.sleep(float(payload or 0.0))
    return {"task": task_name(task), "values": np.random.default_rng(seed).normal(size=3).round(12).tolist()}


def _execute(func: Callable, payload: Any, task: Any, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    record = func(payload, task, seed)
    timing = dict(record.get(TIMING, {}))
    timing["task_seconds"] = round(time.perf_counter() - started, 3)
    with contextlib.suppress(Exception):
        from distributed import get_worker

        timing["worker"] = get_worker().address
    return record | {TIMING: timing}


# ------------------------------------------------------------------ client side


@dataclass
class Outcome:
    """What :func:`run` gives back: every stored record by task name, and what happened this time."""

    records: dict[str, dict[str, Any]]
    computed: int
    reused: int
    failed: dict[str, str]
    seconds: float
    folder: Path

    def ordered(self, job: Job) -> list[dict[str, Any]]:
        return [self.records[task_name(t)] for t in job.tasks if task_name(t) in self.records]


def run(
    job: Job,
    root: Path,
    seed: int,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    on_result: Callable[[str, dict[str, Any]], None] | None = None,
) -> Outcome:
    """Run every task of ``job`` not yet stored under ``root``; store each result as it arrives.

    Raises :class:`~thuiswerk.core.errors.ReplicatesFailedError` (after storing every result that succeeded)
    when a task failed on every try.
    """
    where = _start(root, job)
    have = stored(root, job)
    todo = [t for t in job.tasks if task_name(t) not in have]
    started = time.perf_counter()
    failed: dict[str, str] = {}
    if todo:
        with client(scheduler, workers) as c:
            failed = _submit_all(c, job, todo, where, seed, have, progress, on_result)
    outcome = Outcome(
        records=have,
        computed=len(todo) - len(failed),
        reused=len(job.tasks) - len(todo),
        failed=failed,
        seconds=time.perf_counter() - started,
        folder=where,
    )
    if failed:
        first = next(iter(failed.items()))
        raise errors.ReplicatesFailedError(
            f"{len(failed)} of {len(job.tasks)} {job.kind} tasks failed on every try "
            f"({first[0]}: {first[1]}); the other {len(have)} results are stored in {where}",
            "Run the same command again: it computes only what is missing.",
        )
    return outcome


def _submit_all(c, job: Job, todo: list[Any], where: Path, seed: int, have: dict, progress: bool, on_result) -> dict:
    from distributed import wait
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    payload = c.scatter(job.payload, broadcast=True) if job.payload is not None else None
    futures = {}
    for task in todo:
        name = task_name(task)
        key = f"{job.kind}-{job.key}-{name}"
        futures[c.submit(_execute, job.func, payload, task, task_seed(seed, job.kind, task),
                         key=key, pure=False, retries=RETRIES)] = name  # fmt: skip
    failed: dict[str, str] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[state]}"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task_id = bar.add_task(f"{job.kind} ({job.labels.get('what', '')})".replace(" ()", ""),
                               total=len(job.tasks), completed=len(have), state="")  # fmt: skip
        pending = set(futures)
        while pending:
            try:
                done, pending_now = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done, pending_now = set(), pending
            pending = set(pending_now)
            for fut in done:
                name = futures[fut]
                if fut.status == "finished":
                    record = fut.result()
                    _write(where / f"{name}.json", record)
                    have[name] = record
                    if on_result:
                        on_result(name, record)
                else:
                    failed[name] = _reason(fut)
                bar.advance(task_id)
            running = _running(c, {fut.key for fut in pending})
            bar.update(task_id, state=f"running {running} · failed {len(failed)}")
    return failed


def _reason(fut) -> str:
    try:
        exc = fut.exception()
    except Exception as err:  # the future itself is gone (scheduler lost)
        return f"{type(err).__name__}: {err}"
    return f"{type(exc).__name__}: {exc}"


def _running(c, keys: set[str]) -> int:
    """How many of ``keys`` a worker is computing now (0 if the scheduler cannot say)."""
    try:
        processing = c.processing()
    except Exception:
        return 0
    return sum(1 for tasks in processing.values() for key in tasks if key in keys)


def without_timing(record: dict[str, Any]) -> dict[str, Any]:
    """A record's result proper: what must be the same whatever the worker or the run."""
    return {k: v for k, v in record.items() if k != TIMING}


def config_hash(*parts: Any) -> str:
    """A short hash of JSON-able parts (configuration pieces that are too big to store whole)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def provenance() -> dict[str, str]:
    """The commit and package versions a summary was made with (for a CSV header)."""
    versions = store.package_versions()
    return {"git_commit": store.git_commit(), "versions": json.dumps(versions, sort_keys=True)}


# ------------------------------------------------------------------ summary files


def merge_csv(rows: Any, path: Path, columns: list[str], meta: dict[str, Any], by: str = "model") -> Path:
    """Write ``rows`` into the CSV at ``path``, keeping the rows of other ``by`` values already there.

    The provenance ``meta`` of each ``by`` value is a ``# value: {json}`` line of the header
    (read back by :func:`read_csv`); the file is replaced atomically.
    """
    import pandas as pd

    path = Path(path)
    old, old_meta = read_csv(path) if path.is_file() else (pd.DataFrame(columns=columns), {})
    mine = set(rows[by])
    merged = pd.concat([old[~old[by].isin(mine)], rows], ignore_index=True) if len(old) else rows
    meta_all = {k: v for k, v in old_meta.items() if k not in mine} | {
        m: json.dumps(meta, sort_keys=True) for m in mine
    }
    header = "".join(f"# {k}: {v}\n" for k, v in sorted(meta_all.items()))
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(header + merged[columns].to_csv(index=False), encoding="utf-8")
    tmp.replace(path)
    return path


def read_csv(path: Path, dtype: dict[str, Any] | None = None) -> tuple[Any, dict[str, str]]:
    """The rows and the ``# key: value`` header lines of a study file (:func:`merge_csv`, the scenario study)."""
    from io import StringIO

    import pandas as pd

    lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    meta = {}
    for line in lines:
        if line.startswith("# "):
            key, _, value = line[2:].rstrip("\n").partition(": ")
            meta[key] = value
    body = "".join(line for line in lines if not line.startswith("# "))
    return pd.read_csv(StringIO(body), dtype=dtype), meta


# ------------------------------------------------------------------ which survey and specs a study belongs to

STAMP = "stamp"  # key of the stamp in a study file's header (:func:`merge_csv` meta, the scenario study's attrs)
GENERATOR = "generator"  # data hash of a study run on the synthetic generator's own surveys (the scenario study)


def stamp(specs: Any, data: Any) -> dict[str, dict[str, str]]:
    """Model -> the data hash and the spec hash a study of it is computed for (its header's ``stamp``).

    ``specs`` is one :class:`~thuiswerk.modelling.specs.ModelSpec` or several; ``data`` is what the
    models see: a survey (each model's inputs are prepared from it, so the hash is the
    ``data_hash`` a fit of the model on that survey keeps), one model's inputs
    (:class:`~thuiswerk.modelling.prepare.ModelInputs`, e.g. a simulated design: its hash never
    matches a survey's unless the survey is that design), or a data hash given as text
    (a stored fit's ``data_hash``, or :data:`GENERATOR`). The spec hash is
    ``spec.hash()``: the model, its priors and predictors, without sampler settings.
    """
    from thuiswerk.data.survey import Survey
    from thuiswerk.modelling import workflow
    from thuiswerk.modelling.prepare import ModelInputs
    from thuiswerk.modelling.specs import ModelSpec

    chosen = [specs] if isinstance(specs, ModelSpec) else list(specs)
    if isinstance(data, ModelInputs) and len(chosen) != 1:
        raise ValueError("one model's inputs stamp one model")
    out = {}
    for spec in chosen:
        if isinstance(data, Survey):
            data_hash = workflow.inputs_hash(workflow.inputs_for(spec, data))
        elif isinstance(data, ModelInputs):
            data_hash = workflow.inputs_hash(data)
        elif isinstance(data, str) and data:
            data_hash = data
        else:
            raise TypeError(f"stamp() needs a survey, a model's inputs or a data hash, not {type(data).__name__}")
        out[spec.name] = {"data_hash": data_hash, "spec_hash": spec.hash()}
    return out


def current(specs: Any, provenance: Any, data: str | None = None) -> dict[str, dict[str, str]]:
    """The report's models as a stamp: model -> the ``data_hash`` of its stored fit and ``spec.hash()``.

    ``specs`` maps a model to its (adapted) spec and ``provenance`` a model to its stored
    fit's attributes (the report context's ``specs`` and ``provenance``); a model without
    a stored data hash gets ``""``, which no stamp has. ``data`` replaces every data hash:
    :data:`GENERATOR` for a study on the generator's surveys, which belongs to every
    survey the report's models are fitted to.
    """
    out = {}
    for name, spec in specs.items():
        fitted = str((provenance.get(name) or {}).get("data_hash") or "")
        out[name] = {"data_hash": data if data is not None else fitted, "spec_hash": spec.hash()}
    return out


@dataclass(frozen=True)
class Belonging:
    """Whether a study belongs to the report's models (true as a bool), and if not, why (English, for messages)."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def stamp_of(meta: Any) -> dict[str, dict[str, str]]:
    """The stamp in a header: ``meta`` is one header line's value (JSON text or parsed) or the
    ``# key: value`` lines of a file as a dict (the scenario study); ``{}`` when there is none."""
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except json.JSONDecodeError:
            return {}
    value = meta.get(STAMP) if isinstance(meta, dict) else None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def belongs(meta: Any, now: dict[str, dict[str, str]]) -> Belonging:
    """Whether the study whose header is ``meta`` was computed for ``now`` (:func:`current`).

    Every model its stamp names must be one of the report's, with the same spec hash and
    the same data hash; a study without a stamp belongs to nothing (it cannot say what
    it was computed for).
    """
    stamped = stamp_of(meta)
    if not stamped:
        return Belonging(False, "the study has no stamp: it does not say which data and models it was computed for")
    for name, made in sorted(stamped.items()):
        if name not in now:
            return Belonging(False, f"{name} is not one of the report's models")
        if not isinstance(made, dict) or made.get("spec_hash") != now[name]["spec_hash"]:
            return Belonging(False, f"{name}: computed for another model specification (priors, predictors)")
        if not made.get("data_hash") or made.get("data_hash") != now[name]["data_hash"]:
            return Belonging(False, f"{name}: computed on other data than this survey")
    return Belonging(True)


def belonging(rows: Any, meta: dict[str, str], now: dict[str, dict[str, str]], by: str = "model") -> tuple[Any, dict]:
    """The rows of a study file (:func:`read_csv`) whose header line belongs to ``now``, and the others.

    Returns the rows of every ``by`` value whose header line :func:`belongs` (None when
    there are none) and, for every other ``by`` value in the file, its :class:`Belonging`.
    """
    verdicts = {str(v): belongs(meta.get(str(v), ""), now) for v in dict.fromkeys(rows[by].astype(str))}
    kept = [v for v, ok in verdicts.items() if ok]
    shown = rows[rows[by].astype(str).isin(kept)].reset_index(drop=True) if kept else None
    return shown, {v: ok for v, ok in verdicts.items() if not ok}


def report_run(ctx: Any, fits: bool = True) -> Any:
    """The run configuration of a report's context (``ctx.data_dir``, ``fits_dir``, ``seed``), for the commands it
    names: paths inside the project folder (the repository) relative to it, mapping and prior overrides from the environment that
    ``thuiswerk report`` sets; ``fits=False`` for a command without ``--fits`` (``thuiswerk sbc``)."""
    from thuiswerk.core.resources import project_dir
    from thuiswerk.core.runconfig import DEFAULT_FITS, RunConfig

    root = project_dir().resolve()

    def relative(path: Any) -> Path:
        path = Path(path)
        try:
            return path.resolve().relative_to(root)
        except ValueError:
            return path

    return RunConfig.resolve(relative(ctx.data_dir), relative(ctx.fits_dir) if fits else DEFAULT_FITS, ctx.seed)


def not_run_nl(subject: str, commands: list[str]) -> str:
    """Dutch: ``subject`` (e.g. "De kalibratiestudie") has not been run on these data; the commands that run it."""
    from thuiswerk.core import nl

    if not commands:
        return f"{subject} is niet op deze gegevens uitgevoerd."
    quoted = nl.join_words([f"‘{c}’" for c in commands])
    which = "de opdracht" if len(commands) == 1 else "de opdrachten"
    return f"{subject} is niet op deze gegevens uitgevoerd; {which} {quoted} {nl.verb(len(commands), 'maakt', 'maken')} haar."


def not_shown_nl(subject: str, shown: Any, other: dict[str, str], fallback: str) -> tuple[str, str]:
    """Dutch, for a study file that exists: what the report says of the part it does not show.

    ``shown`` and ``other`` are what a study's ``for_report`` gives (the rows that belong,
    None when none do; model -> the command that runs its study on these data),
    ``fallback`` the command to name when no model of the file can be named. Returns the
    sentence (``''`` when every model is shown) and, when nothing is shown, the short
    form for a table cell or a figure ("niet op deze gegevens uitgevoerd (COMMAND)"),
    else ``''``.
    """
    from thuiswerk.core import nl

    commands = list(dict.fromkeys(other.values()))
    if shown is None:
        commands = commands or [fallback]
        return not_run_nl(subject, commands), f"niet op deze gegevens uitgevoerd ({'; '.join(commands)})"
    if not commands:
        return "", ""
    return not_run_nl(f"{subject} van {nl.models_nl(other)}", commands), ""
