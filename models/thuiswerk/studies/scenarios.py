"""The scenario study: what the findings table says when a threat is planted in the survey.

Each scenario of :data:`thuiswerk.data.simulate.SCENARIOS` is simulated with the same seed
and size as the embedded survey, the outcome models and the joint models are fitted
on it, and the findings table is computed. The study's result, one row per scenario
and slope finding, is what appendix A's table of "which threats the design can rule
out" is made from: a finding whose wording under a threat is the same as under the
default survey cannot tell that threat apart; the joint models can tell the
``employer_effect`` scenario apart (its "melding zonder kennis" findings).

``thuiswerk scenarios`` runs it (about 20 minutes on 2 cores) and writes
``data/scenarios.csv`` with the settings and the commit it was made with.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from thuiswerk.analysis import findings, wording
from thuiswerk.core.resources import study_file
from thuiswerk.data import simulate
from thuiswerk.modelling import store, workflow
from thuiswerk.modelling.fit import SamplerSettings
from thuiswerk.studies import many

STUDY_FILE = study_file("scenarios.csv")  # the report reads it; `thuiswerk scenarios` writes resources.study_output
COMMAND = "thuiswerk scenarios"
MODELS = ("workload", "isolation", "complaints", "workload_joint", "isolation_joint", "complaints_joint")
SETTINGS = SamplerSettings(tune=500, draws=500)  # 2,000 draws: enough for the wording of a finding
COLUMNS = ["scenario", "id", "model", "mean", "q05", "q95", "p_expected_direction", "wording"]


def study(
    names: tuple[str, ...] = tuple(simulate.SCENARIOS),
    n_establishments: int = simulate.DEFAULT_N,
    seed: int = simulate.SURVEY_SEED,
    settings: SamplerSettings = SETTINGS,
    models: tuple[str, ...] = MODELS,
    progress: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """One row per scenario and slope finding of ``models`` (columns :data:`COLUMNS`).

    The attributes carry what the study was made with (``settings``, ``seed``,
    ``n_establishments``, ``git_commit``) and its ``stamp``: per model its spec hash,
    and :data:`thuiswerk.studies.many.GENERATOR` for the data (the surveys are the generator's,
    never the user's). Fits go to a temporary folder.
    """
    specs = workflow.resolve_specs(list(models))
    rows = []
    with tempfile.TemporaryDirectory(prefix="thuiswerk-scenarios-") as scratch:
        for name in names:
            folder = Path(scratch) / name
            simulate.write(simulate.simulate(n_establishments, seed, scenario_name=name), folder / "data")
            survey = workflow.load_valid_survey(folder / "data")
            trees = {}
            for spec in specs:
                progress(f"{name}: fitting {spec.name}")
                workflow.fit_model(spec, survey, folder / "fits", settings, seed, progress=False)
                trees[spec.name] = workflow.load_fit(spec, survey, folder / "fits", seed)
            table = findings.compute(trees)
            table = table[table["direction"].notna()]
            rows.append(table.assign(scenario=name)[COLUMNS])
    out = pd.concat(rows, ignore_index=True)
    out.attrs = {
        "settings": json.dumps(settings.canonical(), sort_keys=True),
        "seed": seed,
        "n_establishments": n_establishments,
        "git_commit": store.git_commit(),
        many.STAMP: json.dumps(many.stamp(specs, many.GENERATOR), sort_keys=True),
    }
    return out


def write(result: pd.DataFrame, path: Path) -> Path:
    """The study as CSV, its provenance in a ``# key: value`` header (read back by :func:`read`)."""
    path = Path(path)
    header = "".join(f"# {k}: {v}\n" for k, v in result.attrs.items())
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(header + result.to_csv(index=False), encoding="utf-8")
    tmp.replace(path)
    return path


def read(path: Path) -> pd.DataFrame:
    """A study written by :func:`write`: the rows, and the provenance in ``attrs``."""
    frame, meta = many.read_csv(path)
    frame.attrs.update(meta)
    return frame


def for_report(ctx: Any, path: Path | None = None) -> tuple[pd.DataFrame | None, str]:
    """The study if it belongs to the report's models, else None and the Dutch sentence that says so.

    The study runs on the generator's surveys, whatever survey the report is about: it
    belongs to the report when every model it names has the spec the report's fit of
    it has (``ctx.specs``). When the report's models are the models the study fits
    (:data:`MODELS` with the default priors and every covariate), ``thuiswerk
    scenarios`` makes it; otherwise (other priors, or covariates this survey lacks) no
    command can, and the sentence says why.
    """
    study = read(path or STUDY_FILE)
    if many.belongs(study.attrs, many.current(ctx.specs, ctx.provenance, data=many.GENERATOR)):
        return study, ""
    subject = "De scenariostudie"
    defaults = {spec.name: spec.hash() for spec in workflow.resolve_specs(list(MODELS))}
    if all(name in ctx.specs and ctx.specs[name].hash() == h for name, h in defaults.items()):
        return (
            None,
            f"{subject} is niet met de modellen van dit rapport uitgevoerd; de opdracht ‘{COMMAND}’ maakt haar.",
        )
    return None, (
        f"{subject} is niet met de modellen van dit rapport uitgevoerd: zij schat de modellen met de "
        "standaardpriors en met alle achtergrondkenmerken op de synthetische enquête, en de modellen van dit "
        "rapport wijken daarvan af (andere priors, of kenmerken die deze enquête niet bevat)."
    )


def verdicts(result: pd.DataFrame) -> pd.DataFrame:
    """Per finding (rows) and threat (columns): whether its wording differs from the default survey's.

    ``True``: under the threat the finding reads differently (the design shows the
    threat in this finding); ``False``: the same words, so this finding alone cannot
    tell the threat from the default.
    """
    wide = result.pivot(index="id", columns="scenario", values="wording")
    threats = [c for c in wide.columns if c != "default"]
    return pd.DataFrame({t: wide[t] != wide["default"] for t in threats}).loc[wide.index]


SCENARIO_NL = {
    "default": "Geen",
    "attentive": "Oplettende werknemer",
    "reverse": "Richting omgekeerd",
    "employer_effect": "Maatregel werkt zonder kennis",
    "nonignorable": "Selectieve respons",
}


def table_nl(result: pd.DataFrame) -> pd.DataFrame:
    """Appendix A: per slope finding, its wording on the default survey and under each threat."""
    wide = result.pivot(index="id", columns="scenario", values="wording")
    order = list(dict.fromkeys(result["id"]))
    wide = wide.loc[order]
    who = wording.described(order)
    columns = [c for c in SCENARIO_NL if c in wide.columns]
    for c in columns:
        who[SCENARIO_NL[c]] = list(wide[c])
    return who


def sentence(result: pd.DataFrame) -> str:
    """What the study shows, from its table: per threat how many findings read differently, in Dutch."""
    from thuiswerk.core import nl

    changed = verdicts(result)
    n = len(changed)
    threats = [t for t in SCENARIO_NL if t in changed.columns]  # in the order of the table
    parts = [f"{nl.count_words(int(changed[t].sum()))} onder ‘{SCENARIO_NL[t].lower()}’" for t in threats]
    text = (
        f"Van de {nl.count_words(n)} verbanden luiden er anders dan op de enquête zonder bedreiging: "
        f"{nl.join_words(parts)}."
    )
    if "employer_effect" in result["scenario"].values:
        wide = result.pivot(index="id", columns="scenario", values="wording")
        without = [i for i in wide.index if "melding_zonder_kennis" in i]
        seen = [i for i in without if wide.at[i, "employer_effect"] == nl.EVIDENCE_CLEAR]
        baseline = [i for i in without if wide.at[i, "default"] == nl.EVIDENCE_CLEAR]
        text += (
            f" Dat een maatregel ook werkt waar de werknemer hem niet kent, laten de gezamenlijke modellen zien: "
            f"{nl.count_of(len(seen), len(without))} verbanden van een melding zonder kennis "
            f"{nl.verb(len(seen), 'is', 'zijn')} dan duidelijk, "
            f"tegen {nl.count_words(len(baseline))} zonder die bedreiging."
        )
    return text


def attentive_caveat(result: pd.DataFrame | None, ids: list[str], not_run: str = "") -> str:
    """Dutch, chapter 7 beside its conclusion on knowledge and health: how many of the knowledge findings ``ids``
    read differently when an employee trait raises both the knowledge of measures and the reported workload and
    isolation (the ‘attentive’ scenario), and what the study did not plant. ``not_run`` is said without a study."""
    from thuiswerk.core import nl

    lead = ("Een kanttekening bij deze conclusie: een eigenschap van de werknemer zelf, zoals oplettendheid, kan "
            "zowel de kennis van maatregelen als de gemelde werkdruk en isolatie beïnvloeden.")  # fmt: skip
    if result is None or "attentive" not in set(result["scenario"]):
        return f"{lead} {not_run}".strip()
    changed = verdicts(result)
    shown = [i for i in ids if i in changed.index]
    k = int(changed.loc[shown, "attentive"].sum()) if shown else 0
    return (
        f"{lead} In de scenariostudie van bijlage A, waarin zo'n eigenschap de kennis verhoogt en ook de gemelde "
        f"werkdruk en isolatie, {nl.verb(k, 'luidt', 'luiden')} {nl.count_words(k)} van de verbanden met kennis "
        f"anders dan zonder die eigenschap. Die studie plant alleen de richting die een beschermend verband "
        f"verbergt; een eigenschap die de kennis verhoogt en de klachten verlaagt, kan een verband ook laten "
        f"ontstaan, en die richting is niet gesimuleerd."
    )
