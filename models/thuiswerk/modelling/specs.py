"""Model specifications: outcomes, predictors and priors, kept as data.

A spec is everything that defines a fit apart from the data and the seed; its
canonical JSON is hashed into every stored fit (:mod:`thuiswerk.modelling.store`), so a
change of prior or predictor is a cache miss. Override priors or predictors from
a YAML file with :func:`with_overrides` (``thuiswerk fit --config FILE``).

Priors live on the latent scale of each likelihood (logit). The default values
are justified by the prior predictive checks in :mod:`thuiswerk.analysis.checks`; see the
report's appendix.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from thuiswerk.core import codebook
from thuiswerk.core.codebook import MANAGER, ROLES

Family = Literal["awareness", "ordinal", "binary"]

_GROUPS = codebook.load().groups
WORKLOAD_ASPECTS = _GROUPS["workload"]
ISOLATION_ASPECTS = _GROUPS["isolation"]
REGIONS = _GROUPS["complaints"]
COVARIATES = ("age_10", "tenure_10", "living_alone", "children_at_home", "female", "higher_education")

BOTH = ROLES  # an exposure with a slope for both roles

# Priors on the latent (logit) scale. Every predictor is on a comparable scale (0/1
# indicators, shares 0-1, home-office share per 50 percentage points, scale points of a
# 1-5 item), so one slope prior fits all; the values are justified by the prior
# predictive checks of appendix A (share of answers at the extremes of the 1-5 scale,
# P(any KANS complaint), spread of establishment means): see thuiswerk.analysis.checks.
_PERSON_PRIORS = {
    "sigma_total": 1.0,  # HalfNormal scale of the total SD of employee + establishment intercepts
    "rho_alpha": 2.0,  # Beta(2, 2) on the establishment share of that variance: away from 0 and 1
    "rho_beta": 2.0,  #   (with 1-2 employees per establishment the data barely separate the two)
    "group_sd": 0.5,  # ZeroSumNormal scale of sector and size-class effects
}
_SLOPE_PRIORS = {
    "beta_sd": 0.5,  # Normal(0, 0.5) per adjustment covariate: odds ratios beyond ~2.7 per unit are unlikely
    "slope_sd": 0.5,  # Normal(0, 0.5) on an exposure's mean slope (over roles and items)
    # The two pooling scales (thuiswerk.modelling.builders._linear_part) are learned, with lognormal priors that
    # keep them away from zero: LogNormal(log 0.35, 0.3) for how far one role's slope lies from the exposure's
    # (90% of the scale 0.21-0.57) and LogNormal(log 0.4, 0.3) for how far one aspect's or region's slope lies
    # from the role's (0.24-0.66). A half-normal spread learned from two to six items went to 0.22 whatever its
    # scale, and normal pooling then pulled an item that stands out 2.2 spreads back: on the default survey the
    # planted -0.80 (working-hours agreements, managers' work-home interference) came back as -0.26, 90% -0.68 to
    # 0.12, and -0.60 (conversations, non-managers' company isolation) as -0.19; with these priors -0.37 (-0.83 to
    # 0.06) and -0.22 (-0.67 to 0.24), every slope of the workload and isolation models inside its interval (README
    # "What the item pooling does"). Appendix A shows what they imply for item and role differences
    # (thuiswerk.analysis.checks.pooling_prior_table).
    "role_scale": 0.35,
    "role_log_sd": 0.3,
    "item_scale": 0.4,
    "item_log_sd": 0.3,
}
ORDINAL_PRIORS = {
    **_SLOPE_PRIORS,
    **_PERSON_PRIORS,
    "cut_first_mu": -1.5,  # first cut point ~ Normal(-1.5, 1.5): most answers above "1" is plausible,
    "cut_first_sd": 1.5,  #   but so is a floor effect
    "gap_log_mu": 0.4,  # gaps between cut points ~ LogNormal(0.4, 0.5): median 1.5 logit units,
    "gap_log_sd": 0.5,  #   90% between 0.65 and 3.4
}
BINARY_PRIORS = {
    "intercept_mu": -2.0,  # logit(0.12) per region: with three KANS regions and the person effects the prior
    #   predictive P(any KANS complaint) is centred near 45% (90%: 23-69%); -1.4 put the observed 31% outside
    "intercept_sd": 1.0,
    **_SLOPE_PRIORS,
    **_PERSON_PRIORS,
}
AWARENESS_PRIORS = {
    "mu_sd": 1.5,  # Normal(0, 1.5) on the logit of P(knows) per role x reported
    "tau_sd": 1.0,  # HalfNormal scale of the spread between measures
    **_PERSON_PRIORS,
}

# The population model (thuiswerk.modelling.builders.build_strata), per indicator on the logit scale of a share.
# Sector and size class, the strata the sample over- and under-represents, get fixed weakly informative
# scales, not learned ones: a spread learned from three size classes (or six sectors) pulls the classes
# together, and with them the population estimate back toward the sample's share, the bias MRP is there to
# remove. Measured on a simulated survey of 206 (seed 20221201, 42 RI&Es among 50 small establishments):
# with learned scales the small establishments' RI&E came out at 86% (77% to 92%), above their own 84%
# and toward the whole sample's 90%; with fixed scales at 84% (74% to 92%). Only the sector x size cells
# are pooled, toward the sum of both effects.
STRATA_PRIORS = {
    "alpha_sd": 1.5,  # Normal(0, 1.5) on the mean logit: with the effects below, 90% of prior shares 3%-97%
    "sector_sd": 1.0,  # ZeroSumNormal(1) sector effects (source: RI&E 79% to 100% by sector)
    "size_sd": 1.0,  # ZeroSumNormal(1) size-class effects (source: RI&E 74%, 87%, 94%)
    "sd_cell": 0.5,  # HalfNormal scale of the sector x size deviations: smaller than either main effect
}

Exposure = tuple[str, tuple[str, ...]]  # (predictor, roles it has a slope for)


@dataclass(frozen=True)
class ModelSpec:
    """Everything that defines a fit apart from the data and the seed.

    ``exposures`` are the predictors the report's findings are about: each has its own
    slope per role (``(predictor, roles)``; a manager-only predictor has only the
    manager's) and per outcome item (aspect or body region), partially pooled over the
    items. ``predictors`` are adjustment covariates with one slope for every item and
    role; the report shows them in a table, without evidence words.
    """

    name: str
    family: Family
    title: str  # Dutch, for the report
    outcomes: tuple[str, ...]
    predictors: tuple[str, ...]
    priors: dict[str, float] = field(default_factory=dict)
    compares_with: str | None = None  # the employee-knowledge model this variant is compared with (LOO)
    exposures: tuple[Exposure, ...] = ()
    joint_of: str | None = None  # the knowledge model this one extends with the employer's reports

    def canonical(self) -> dict[str, Any]:
        d = asdict(self)
        d["outcomes"] = list(self.outcomes)
        d["predictors"] = list(self.predictors)
        d["exposures"] = [[p, list(roles)] for p, roles in self.exposures]
        d["priors"] = {k: float(v) for k, v in sorted(self.priors.items())}
        return d

    def hash(self) -> str:
        return canonical_hash(self.canonical())

    @property
    def terms(self) -> list[tuple[str, str, str]]:
        """``(term name, predictor, role)`` of every exposure slope, in spec order."""
        return [(term_name(p, r), p, r) for p, roles in self.exposures for r in roles]


def term_name(predictor: str, role: str) -> str:
    """The coordinate of one exposure slope: ``"knows_working_hours|leidinggevende"``."""
    return f"{predictor}|{role}"


def canonical_hash(obj: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no whitespace), never of ``str(dict)``."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_PERSONAL = ("age_10", "tenure_10", "children_at_home", "female", "higher_education")
_WORKLOAD_COVARIATES = ("manager", *COVARIATES)
_ISOLATION_COVARIATES = ("manager", *_PERSONAL)
_COMPLAINTS_COVARIATES = COVARIATES  # no `manager`: the region x role intercepts hold the role


def _workload_exposures(source: str) -> tuple[Exposure, ...]:
    return (
        (f"{source}_working_hours", BOTH),
        (f"{source}_remote_training", (MANAGER,)),
        ("leading_difficulty", (MANAGER,)),
        ("home_share", BOTH),
        ("free_to_choose_hours", BOTH),
    )


def _isolation_exposures(source: str) -> tuple[Exposure, ...]:
    return (
        (f"{source}_social_moments", BOTH),
        (f"{source}_conversations", BOTH),
        ("home_share", BOTH),
        ("living_alone", BOTH),
    )


def _complaints_exposures(source: str) -> tuple[Exposure, ...]:
    return (
        ("home_share", BOTH),
        ("separate_workspace", BOTH),
        ("exhaustion", BOTH),
        ("work_home_interference", (MANAGER,)),  # the source report: managers' work-home conflict and back complaints
        (f"{source}_ergonomic", BOTH),
    )


def _joint(measures: tuple[str, ...]) -> tuple[Exposure, ...]:
    """The employer's report of each measure and its interaction with the employee's knowledge."""
    return tuple(e for m in measures for e in ((f"employer_{m}", BOTH), (f"knows_x_employer_{m}", BOTH)))


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
            predictors=("knows_other_share", *_WORKLOAD_COVARIATES),
            exposures=_workload_exposures("knows"),
            priors=ORDINAL_PRIORS,
        ),
        ModelSpec(
            name="isolation",
            family="ordinal",
            title="Isolatie",
            outcomes=ISOLATION_ASPECTS,
            predictors=("knows_other_share_isolation", *_ISOLATION_COVARIATES),
            exposures=_isolation_exposures("knows"),
            priors=ORDINAL_PRIORS,
        ),
        ModelSpec(
            name="complaints",
            family="binary",
            title="Klachten aan rug, nek, schouders en arm",
            outcomes=REGIONS,
            predictors=_COMPLAINTS_COVARIATES,
            exposures=_complaints_exposures("knows"),
            priors=BINARY_PRIORS,
        ),
        ModelSpec(
            name="workload_employer",
            family="ordinal",
            title="Werkdruk (maatregelen volgens de werkgever)",
            outcomes=WORKLOAD_ASPECTS,
            predictors=("employer_other_share", *_WORKLOAD_COVARIATES),
            exposures=_workload_exposures("employer"),
            priors=ORDINAL_PRIORS,
            compares_with="workload",
        ),
        ModelSpec(
            name="isolation_employer",
            family="ordinal",
            title="Isolatie (maatregelen volgens de werkgever)",
            outcomes=ISOLATION_ASPECTS,
            predictors=("employer_other_share_isolation", *_ISOLATION_COVARIATES),
            exposures=_isolation_exposures("employer"),
            priors=ORDINAL_PRIORS,
            compares_with="isolation",
        ),
        ModelSpec(
            name="complaints_employer",
            family="binary",
            title="Klachten (maatregelen volgens de werkgever)",
            outcomes=REGIONS,
            predictors=_COMPLAINTS_COVARIATES,
            exposures=_complaints_exposures("employer"),
            priors=BINARY_PRIORS,
            compares_with="complaints",
        ),
        # Employer and employee in one model per outcome: the knowledge model plus the
        # employer's report of the key measures and its interaction with knowing them, so
        # "only measures the employee knows matter" is a contrast inside one posterior.
        ModelSpec(
            name="workload_joint",
            family="ordinal",
            title="Werkdruk (kennis en opgave van de werkgever samen)",
            outcomes=WORKLOAD_ASPECTS,
            predictors=("knows_other_share", *_WORKLOAD_COVARIATES),
            exposures=_workload_exposures("knows") + _joint(("working_hours",)),
            priors=ORDINAL_PRIORS,
            joint_of="workload",
        ),
        ModelSpec(
            name="isolation_joint",
            family="ordinal",
            title="Isolatie (kennis en opgave van de werkgever samen)",
            outcomes=ISOLATION_ASPECTS,
            predictors=("knows_other_share_isolation", *_ISOLATION_COVARIATES),
            exposures=_isolation_exposures("knows") + _joint(("social_moments", "conversations")),
            priors=ORDINAL_PRIORS,
            joint_of="isolation",
        ),
        ModelSpec(
            name="complaints_joint",
            family="binary",
            title="Klachten (kennis en opgave van de werkgever samen)",
            outcomes=REGIONS,
            predictors=_COMPLAINTS_COVARIATES,
            exposures=_complaints_exposures("knows") + _joint(("ergonomic",)),
            priors=BINARY_PRIORS,
            joint_of="complaints",
        ),
    )
}


def get(name: str) -> ModelSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; choose from {', '.join(SPECS)}") from None


def with_overrides(spec: ModelSpec, overrides: dict[str, Any]) -> ModelSpec:
    """Return a copy with ``priors``, ``predictors`` and/or ``exposures`` replaced (unknown keys are errors).

    ``exposures`` is a mapping ``{predictor: [role, ...]}`` (roles ``leidinggevende``,
    ``niet_leidinggevende``). A predictor or exposure is a name of
    :data:`thuiswerk.modelling.prepare.PREDICTORS` or one formula term over those names and
    the codebook's columns (``"age_10:female"``, ``"I(age_10 ** 2)"``;
    :mod:`thuiswerk.modelling.formulas`); an unknown name or a term that does not parse is a
    ``ValueError`` naming the model and the entry.
    """
    allowed = {"priors", "predictors", "exposures"}
    unknown = set(overrides) - allowed
    if unknown:
        raise ValueError(f"{spec.name}: cannot override {sorted(unknown)}; only {sorted(allowed)}")
    priors = dict(spec.priors)
    for key, value in (overrides.get("priors") or {}).items():
        if key not in priors:
            raise ValueError(f"{spec.name}: unknown prior {key!r}; known: {sorted(priors)}")
        priors[key] = float(value)
    predictors = spec.predictors
    if "predictors" in overrides:
        listed = overrides["predictors"] or []
        if isinstance(listed, str) or not isinstance(listed, list | tuple):
            raise ValueError(f"{spec.name}: predictors must be a list of names or formula terms, got {listed!r}")
        predictors = tuple(_entry(spec, "predictor", p) for p in listed)
        twice = sorted({p for p in predictors if predictors.count(p) > 1})
        if twice:
            raise ValueError(f"{spec.name}: predictor(s) {twice} listed more than once")
    exposures = spec.exposures
    if "exposures" in overrides:
        raw = overrides["exposures"] or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{spec.name}: exposures must be a mapping {{predictor: [role, ...]}}")
        for p, roles in raw.items():
            bad = set(roles or ()) - set(BOTH)
            if bad or not roles:
                raise ValueError(f"{spec.name}: exposure {p!r} needs roles from {list(BOTH)}, got {roles!r}")
        exposures = tuple((_entry(spec, "exposure", p), tuple(roles)) for p, roles in raw.items())
    return replace(spec, priors=priors, predictors=predictors, exposures=exposures)


def _entry(spec: ModelSpec, kind: str, entry: Any) -> str:
    """A predictor or exposure entry as the spec keeps it, or a ValueError naming the model and the entry."""
    from thuiswerk.modelling import prepare  # pandas and formulae: only when a spec is overridden

    try:
        return prepare.check_predictor(entry)
    except ValueError as exc:
        raise ValueError(f"{spec.name}: {kind} {entry!r}: {exc}") from None


def load_overrides(path: Path | None) -> dict[str, dict[str, Any]]:
    """A YAML file ``{model_name: {priors: {...}, predictors: [...], exposures: {predictor: [roles]}}}``."""
    if path is None:
        return {}
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping {{model_name: {{priors: ..., predictors: ...}}}}")
    unknown = set(raw) - set(SPECS)
    if unknown:
        raise ValueError(f"{path}: unknown model(s) {sorted(unknown)}; known: {', '.join(SPECS)}")
    for name, overrides in raw.items():  # every entry checked now, not when its model is fitted
        if not isinstance(overrides, dict):
            raise ValueError(f"{path}: {name}: expected a mapping {{priors: ..., predictors: ..., exposures: ...}}")
        try:
            with_overrides(SPECS[name], overrides)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    return raw
