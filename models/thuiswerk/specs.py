"""Model specifications: outcomes, predictors and priors, kept as data.

A spec is everything that defines a fit apart from the data and the seed; its
canonical JSON is hashed into every stored fit (:mod:`thuiswerk.store`), so a
change of prior or predictor is a cache miss. Override priors or predictors from
a YAML file with :func:`with_overrides` (``thuiswerk fit --config FILE``).

Priors live on the latent scale of each likelihood (logit). The default values
are justified by the prior predictive checks in :mod:`thuiswerk.checks`; see the
report's appendix.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from thuiswerk import codebook

Family = Literal["awareness", "ordinal", "binary"]

_GROUPS = codebook.load().groups
WORKLOAD_ASPECTS = _GROUPS["workload"]
ISOLATION_ASPECTS = _GROUPS["isolation"]
REGIONS = _GROUPS["complaints"]
COVARIATES = ("age_10", "tenure_10", "living_alone", "children_at_home", "female", "higher_education")

ORDINAL_PRIORS = {
    "beta_sd": 1.0,  # Normal(0, 1) per coefficient: odds ratios beyond ~7 are implausible
    "sigma_total": 1.0,  # HalfNormal scale of the total SD of employee + establishment intercepts
    "rho_alpha": 2.0,  # Beta(2, 2) on the establishment share of that variance: away from 0 and 1
    "rho_beta": 2.0,
    "group_sd": 0.5,  # ZeroSumNormal scale of sector and size-class effects
    "cut_first_mu": -1.5,  # first cut point ~ Normal(-1.5, 1.5): most answers above "1" is plausible,
    "cut_first_sd": 1.5,  #   but so is a floor effect
    "gap_log_mu": 0.4,  # gaps between cut points ~ LogNormal(0.4, 0.5): median 1.5 logit units,
    "gap_log_sd": 0.5,  #   90% between 0.65 and 3.4
}
BINARY_PRIORS = {
    "intercept_mu": -1.4,  # logit(0.2): complaints are a minority outcome
    "intercept_sd": 1.0,
    "beta_sd": 0.75,
    "sigma_total": 1.0,
    "rho_alpha": 2.0,
    "rho_beta": 2.0,
    "group_sd": 0.5,
}
AWARENESS_PRIORS = {
    "mu_sd": 1.5,  # Normal(0, 1.5) on the logit of P(knows) per role x reported
    "tau_sd": 1.0,  # HalfNormal scale of the spread between measures
    "sigma_total": 1.0,  # HalfNormal scale of establishment communication + employee attentiveness
    "rho_alpha": 2.0,
    "rho_beta": 2.0,
    "group_sd": 0.5,
}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    family: Family
    title: str  # Dutch, for the report
    outcomes: tuple[str, ...]
    predictors: tuple[str, ...]
    priors: dict[str, float] = field(default_factory=dict)
    compares_with: str | None = None  # the employee-knowledge model this variant is compared with

    def canonical(self) -> dict[str, Any]:
        d = asdict(self)
        d["outcomes"] = list(self.outcomes)
        d["predictors"] = list(self.predictors)
        d["priors"] = {k: float(v) for k, v in sorted(self.priors.items())}
        return d

    def hash(self) -> str:
        return canonical_hash(self.canonical())


def canonical_hash(obj: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no whitespace), never of ``str(dict)``."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_WORKLOAD_BASE = ("manager", "difficulty_manager", "home_share_10", "free_to_choose_hours", *COVARIATES)
_ISOLATION_BASE = ("manager", "home_share_10", *COVARIATES)
_COMPLAINTS_BASE = (
    "separate_workspace",
    "exhaustion",
    "home_share_10_manager",
    "home_share_10_non_manager",
    "manager",
)

SPECS: dict[str, ModelSpec] = {
    s.name: s
    for s in (
        ModelSpec(
            name="awareness",
            family="awareness",
            title="Informatieverlies: kennis van maatregelen",
            outcomes=tuple(),
            predictors=tuple(),
            priors=AWARENESS_PRIORS,
        ),
        ModelSpec(
            name="workload",
            family="ordinal",
            title="Werkdruk",
            outcomes=WORKLOAD_ASPECTS,
            predictors=("knows_working_hours", "knows_other_share", *_WORKLOAD_BASE),
            priors=ORDINAL_PRIORS,
        ),
        ModelSpec(
            name="isolation",
            family="ordinal",
            title="Isolatie",
            outcomes=ISOLATION_ASPECTS,
            predictors=("knows_social_moments", "knows_conversations", "knows_other_share_isolation", *_ISOLATION_BASE),
            priors=ORDINAL_PRIORS,
        ),
        ModelSpec(
            name="complaints",
            family="binary",
            title="Klachten aan rug, nek, schouders en arm",
            outcomes=REGIONS,
            predictors=("knows_ergonomic", *_COMPLAINTS_BASE),
            priors=BINARY_PRIORS,
        ),
        ModelSpec(
            name="workload_employer",
            family="ordinal",
            title="Werkdruk (maatregelen volgens de werkgever)",
            outcomes=WORKLOAD_ASPECTS,
            predictors=("employer_working_hours", "employer_other_share", *_WORKLOAD_BASE),
            priors=ORDINAL_PRIORS,
            compares_with="workload",
        ),
        ModelSpec(
            name="isolation_employer",
            family="ordinal",
            title="Isolatie (maatregelen volgens de werkgever)",
            outcomes=ISOLATION_ASPECTS,
            predictors=(
                "employer_social_moments",
                "employer_conversations",
                "employer_other_share_isolation",
                *_ISOLATION_BASE,
            ),
            priors=ORDINAL_PRIORS,
            compares_with="isolation",
        ),
        ModelSpec(
            name="complaints_employer",
            family="binary",
            title="Klachten (maatregelen volgens de werkgever)",
            outcomes=REGIONS,
            predictors=("employer_ergonomic", *_COMPLAINTS_BASE),
            priors=BINARY_PRIORS,
            compares_with="complaints",
        ),
    )
}


def get(name: str) -> ModelSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; choose from {', '.join(SPECS)}") from None


def with_overrides(spec: ModelSpec, overrides: dict[str, Any]) -> ModelSpec:
    """Return a copy with ``priors`` and/or ``predictors`` replaced (unknown keys are errors)."""
    allowed = {"priors", "predictors"}
    unknown = set(overrides) - allowed
    if unknown:
        raise ValueError(f"{spec.name}: cannot override {sorted(unknown)}; only {sorted(allowed)}")
    priors = dict(spec.priors)
    for key, value in (overrides.get("priors") or {}).items():
        if key not in priors:
            raise ValueError(f"{spec.name}: unknown prior {key!r}; known: {sorted(priors)}")
        priors[key] = float(value)
    predictors = tuple(overrides.get("predictors", spec.predictors))
    return replace(spec, priors=priors, predictors=predictors)


def load_overrides(path: Path | None) -> dict[str, dict[str, Any]]:
    """A YAML file ``{model_name: {priors: {...}, predictors: [...]}}``."""
    if path is None:
        return {}
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    unknown = set(raw) - set(SPECS)
    if unknown:
        raise ValueError(f"{path}: unknown model(s) {sorted(unknown)}; known: {', '.join(SPECS)}")
    return raw
