"""Turn the two survey tables into model inputs: arrays, index vectors and coords.

One function per model family. Every row that cannot enter a model (a
questionnaire non-respondent, an empty item) is counted in
``ModelInputs.excluded`` with its reason, so nothing is dropped silently. The
predictors are defined once, in :data:`PREDICTORS`, and chosen per model by name
in the model spec (:mod:`thuiswerk.modelling.specs`); an entry that is not a name is
a formula term over those names and the codebook's columns (``age_10:female``,
:mod:`thuiswerk.modelling.formulas`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from thuiswerk.core import codebook, dims, errors, nl
from thuiswerk.core.codebook import MANAGER, ROLES
from thuiswerk.modelling import formulas

DesignError = errors.DesignError  # a design column that the data cannot identify (exit code 12)


@dataclass(frozen=True)
class ModelInputs:
    """Everything a model builder needs; no pandas, no I/O."""

    coords: dict[str, list]
    data: dict[str, np.ndarray]
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> number of cells/rows

    @property
    def n_obs(self) -> int:
        return len(self.coords[dims.OBS])


def _knows(measure: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[f"knows_{measure}"].astype(float)


def _employer(measure: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: d[f"employer_{measure}"].astype(float)


def _share_known(prefix: str, exclude: Sequence[str]) -> Callable[[pd.DataFrame], pd.Series]:
    """Share of the other measures the employee knows (or the employer reports), centred."""

    def column(d: pd.DataFrame) -> pd.Series:
        others = [m for m in codebook.load().measures if m not in exclude]
        return d[[f"{prefix}_{m}" for m in others]].astype(float).mean(axis=1, skipna=False) - 0.5

    return column


def _group_share(prefix: str, group: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Share (0-1) of the measures of a codebook group the employee knows (or the employer reports)."""

    def column(d: pd.DataFrame) -> pd.Series:
        ms = codebook.load().measure_groups[group]
        return d[[f"{prefix}_{m}" for m in ms]].astype(float).mean(axis=1, skipna=False)

    return column


def _is_manager(d: pd.DataFrame) -> pd.Series:
    return (d["role"] == MANAGER).astype(float)


def _home_share(d: pd.DataFrame) -> pd.Series:
    """Per 50 percentage points (about two SDs, so comparable with a 0/1 indicator), centred at 50%."""
    return (d["home_share"].astype(float) - 50.0) / 50.0


_WORKLOAD_NAMED = ["working_hours_agreements", "remote_leadership_training"]
_ISOLATION_NAMED = ["social_moments", "conversations"]

# name -> (Dutch label, column function). Centring constants are fixed numbers,
# not sample means, so a coefficient means the same thing on every dataset. Scales are
# comparable: 0/1 indicators, shares 0-1, the home-office share per 50 percentage
# points (about two SDs), one scale point of a 1-5 item. A value that does not exist for an employee
# (difficulty leading remotely for a non-manager) is NaN; it enters only the slopes of
# the roles it exists for (spec ``exposures``), and a NaN where it should exist
# excludes the employee, counted.
PREDICTORS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "knows_working_hours": ("Kent afspraken over werktijden", _knows("working_hours_agreements")),
    "knows_availability": ("Kent afspraken over bereikbaarheid", _knows("availability_agreements")),
    "knows_social_moments": ("Kent ingeplande sociale momenten", _knows("social_moments")),
    "knows_conversations": ("Kent gesprekken over wat er leeft", _knows("conversations")),
    "knows_remote_training": ("Kent training leidinggeven op afstand", _knows("remote_leadership_training")),
    "knows_other_share": (
        "Aandeel overige bekende maatregelen (t.o.v. de helft)",
        _share_known("knows", _WORKLOAD_NAMED),
    ),
    "knows_other_share_isolation": (
        "Aandeel overige bekende maatregelen (t.o.v. de helft)",
        _share_known("knows", _ISOLATION_NAMED),
    ),
    "knows_ergonomic": ("Aandeel bekende ergonomische maatregelen", _group_share("knows", "ergonomic")),
    "employer_working_hours": ("Werkgever: afspraken over werktijden", _employer("working_hours_agreements")),
    "employer_remote_training": (
        "Werkgever: training leidinggeven op afstand",
        _employer("remote_leadership_training"),
    ),
    "employer_social_moments": ("Werkgever: ingeplande sociale momenten", _employer("social_moments")),
    "employer_conversations": ("Werkgever: gesprekken over wat er leeft", _employer("conversations")),
    "employer_other_share": (
        "Werkgever: aandeel overige maatregelen (t.o.v. de helft)",
        _share_known("employer", _WORKLOAD_NAMED),
    ),
    "employer_other_share_isolation": (
        "Werkgever: aandeel overige maatregelen (t.o.v. de helft)",
        _share_known("employer", _ISOLATION_NAMED),
    ),
    "employer_ergonomic": ("Werkgever: aandeel ergonomische maatregelen", _group_share("employer", "ergonomic")),
    # Knowing a measure that the employer reports (the interaction of the two): in the
    # joint models, the effect of knowing when the employer reports the measure is the
    # sum of the knows_* and knows_x_employer_* slopes.
    "knows_x_employer_working_hours": (
        "Kent afspraken over werktijden die de werkgever noemt",
        lambda d: _knows("working_hours_agreements")(d) * _employer("working_hours_agreements")(d),
    ),
    "knows_x_employer_social_moments": (
        "Kent ingeplande sociale momenten die de werkgever noemt",
        lambda d: _knows("social_moments")(d) * _employer("social_moments")(d),
    ),
    "knows_x_employer_conversations": (
        "Kent gesprekken over wat er leeft die de werkgever noemt",
        lambda d: _knows("conversations")(d) * _employer("conversations")(d),
    ),
    "knows_x_employer_ergonomic": (
        "Aandeel bekende ergonomische maatregelen maal aandeel volgens de werkgever",
        lambda d: _group_share("knows", "ergonomic")(d) * _group_share("employer", "ergonomic")(d),
    ),
    "manager": ("Leidinggevende", _is_manager),
    "home_share": ("Thuiswerkpercentage (per 50 procentpunt, t.o.v. 50%)", _home_share),
    "leading_difficulty": (
        "Moeite met leidinggeven op afstand (per schaalpunt, t.o.v. neutraal)",
        lambda d: d["leading_remotely_difficulty"].astype(float) - 3.0,
    ),
    "separate_workspace": ("Aparte werkruimte", lambda d: d["separate_workspace"].astype(float)),
    "exhaustion": ("Uitputting (per schaalpunt, t.o.v. 3)", lambda d: d["exhaustion"].astype(float) - 3.0),
    "work_home_interference": (
        "Werk-thuisinterferentie (per schaalpunt, t.o.v. 3)",
        lambda d: d["work_home_interference"].astype(float) - 3.0,
    ),
    "living_alone": ("Alleenwonend", lambda d: d["living_alone"].astype(float)),
    "children_at_home": ("Thuiswonende kinderen", lambda d: d["children_at_home"].astype(float)),
    "age_10": ("Leeftijd (per 10 jaar, t.o.v. 45)", lambda d: (d["age"].astype(float) - 45.0) / 10.0),
    "tenure_10": ("Dienstverband (per 10 jaar, t.o.v. 10)", lambda d: (d["tenure_years"].astype(float) - 10.0) / 10.0),
    "female": ("Vrouw", lambda d: (d["gender"] == "vrouw").astype(float).where(d["gender"].notna())),
    "higher_education": (
        "Hoog opgeleid",
        lambda d: (d["education"] == "hoog").astype(float).where(d["education"].notna()),
    ),
    "free_to_choose_hours": (
        "Vrij in aantal thuiswerkuren",
        lambda d: (d["free_to_choose_hours"] == "ja").astype(float).where(d["free_to_choose_hours"].notna()),
    ),
}


@cache
def _variables() -> formulas.Variables:
    """The names a formula term may use: every predictor (its computed column) and the codebook's columns."""
    numeric = set(PREDICTORS)
    coded: dict[str, str] = {}
    book = codebook.load()
    for table in ("employees", "establishments"):
        for var in book.table(table):
            if var.name in PREDICTORS or var.name in numeric or var.name in coded:
                continue
            if var.type in ("id", "category"):
                coded[var.name] = str(var.codes[0]) if var.codes else "x"
            else:
                numeric.add(var.name)
    return formulas.Variables(frozenset(numeric), coded)


@cache
def _formula(entry: str) -> formulas.Term:
    return formulas.parse(entry, _variables())


def check_predictor(entry: str) -> str:
    """``entry`` as a spec keeps it: a name of :data:`PREDICTORS`, or a formula term (stripped).

    Raises ``ValueError`` saying why an entry is neither (an unknown name, a formula
    that does not parse, a term that is not one numeric column).
    """
    if not isinstance(entry, str):
        raise ValueError(f"a predictor is a name or a formula term (text), not {entry!r}")
    if entry in PREDICTORS:
        return entry
    variables = _variables()
    if entry.strip().isidentifier() and entry.strip() not in variables.numeric | set(variables.coded):
        raise ValueError(f"unknown predictor {entry.strip()!r}; known: {', '.join(sorted(PREDICTORS))}")
    return _formula(entry.strip()).text


def predictor_values(frame: pd.DataFrame, entry: str) -> np.ndarray:
    """One predictor's column over ``frame`` (the joined employee and establishment rows), NaN where empty.

    A name of :data:`PREDICTORS` is its column function; a formula term is evaluated
    over the predictors and codebook columns it names. A ``KeyError`` names a column
    the frame lacks (:func:`thuiswerk.modelling.workflow.adapt` leaves such a predictor out).
    """
    if entry in PREDICTORS:
        return np.asarray(PREDICTORS[entry][1](frame), dtype=float)
    term = _formula(entry)
    data = pd.DataFrame(
        {v: PREDICTORS[v][1](frame) if v in PREDICTORS else frame[v] for v in term.variables}, index=frame.index
    )
    return formulas.evaluate(term, data)


def predictor_label(name: str) -> str:
    """The Dutch label of a predictor; of a formula term, the term itself, or, for an interaction of
    names (``age_10:female``), their labels joined by ``×``."""
    if name in PREDICTORS:
        return PREDICTORS[name][0]
    try:
        term = _formula(name.strip())
    except ValueError:
        return name
    if not term.is_interaction_of_variables:
        return term.text
    labels = []
    for _, variable in term.parts:
        try:
            labels.append(PREDICTORS[variable][0] if variable in PREDICTORS else nl.label(variable))
        except KeyError:
            labels.append(variable)
    return " × ".join(labels)


def _joined(establishments: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    est = establishments.drop(
        columns=[c for c in establishments.columns if c in employees.columns and c != "establishment_id"]
    )
    return employees.merge(est, on="establishment_id", how="left", validate="many_to_one")


def _check_known(names: Sequence[str]) -> None:
    unknown = []
    for p in names:
        try:
            check_predictor(p)
        except ValueError as exc:
            unknown.append(f"{p!r} ({exc})")
    if unknown:
        raise KeyError(f"unknown predictor(s) {'; '.join(unknown)}")


def design_matrix(frame: pd.DataFrame, predictors: Sequence[str]) -> np.ndarray:
    """(employee, predictor): the adjustment covariates (names or formula terms), one column each."""
    _check_known(predictors)
    if not predictors:
        return np.zeros((len(frame), 0))
    cols = [predictor_values(frame, p) for p in predictors]
    return np.column_stack(cols)


def term_matrix(frame: pd.DataFrame, terms: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """(employee, term): an exposure's value for the employees of the term's role, 0 for the others.

    A value that is empty for an employee of the term's role stays NaN (the employee is
    then excluded and counted); for employees of another role the term does not apply.
    """
    _check_known([p for _, p, _ in terms])
    if not terms:
        return np.zeros((len(frame), 0))
    role = frame["role"].to_numpy()
    cols = [np.where(role == r, predictor_values(frame, p), 0.0) for _, p, r in terms]
    return np.column_stack(cols)


# The interaction predictors of the joint models: (knows_*, employer_*, measure) of each binary measure,
# so that a column the data cannot identify is explained in words (:meth:`Dependency.dutch`).
INTERACTIONS: dict[str, tuple[str, str, str]] = {
    "knows_x_employer_working_hours": ("knows_working_hours", "employer_working_hours", "working_hours_agreements"),
    "knows_x_employer_social_moments": ("knows_social_moments", "employer_social_moments", "social_moments"),
    "knows_x_employer_conversations": ("knows_conversations", "employer_conversations", "conversations"),
}
_ROLE_WORDS = {  # (singular, plural) in Dutch, for the explanations below
    "leidinggevende": ("leidinggevende", "leidinggevenden"),
    "niet_leidinggevende": ("niet-leidinggevende", "niet-leidinggevenden"),
}
_ROLE_WORDS_EN = {"leidinggevende": "manager", "niet_leidinggevende": "non-manager"}


@dataclass(frozen=True)
class Dependency:
    """A design column the data cannot identify: it is a linear combination of the columns before it.

    ``column`` is a covariate name or an exposure term (``"predictor|role"``); ``others``
    the columns it equals a combination of, with their coefficients (empty: the column is
    zero for every employee in the model). The column is left out of the fit
    (:func:`thuiswerk.modelling.workflow.adapt`), and :meth:`english` / :meth:`dutch` say why.
    """

    column: str
    others: tuple[tuple[str, float], ...] = ()

    @property
    def predictor(self) -> str:
        return self.column.split("|")[0]

    @property
    def role(self) -> str | None:
        return self.column.split("|")[1] if "|" in self.column else None

    @property
    def kind(self) -> str:
        """``zero``, ``equal`` (to one other column), ``constant`` (intercepts only) or ``combination``."""
        if not self.others:
            return "zero"
        names = [n for n, _ in self.others]
        if all(n.startswith("intercept") or n == "manager" for n in names):
            return "constant"
        if len(self.others) == 1 and abs(self.others[0][1] - 1.0) < 1e-6:
            return "equal"
        return "combination"

    def _interaction_case(self) -> str | None:
        """``knows`` when the interaction equals knowing, ``employer`` when it equals the employer's report."""
        if self.predictor not in INTERACTIONS or self.kind != "equal":
            return None
        knows, employer, _ = INTERACTIONS[self.predictor]
        other = self.others[0][0].split("|")[0]
        return {knows: "knows", employer: "employer"}.get(other)

    def english(self) -> str:
        who = f"{_ROLE_WORDS_EN[self.role]}s" if self.role else "employees"
        case = self._interaction_case()
        if case is not None:
            measure = INTERACTIONS[self.predictor][2]
            if case == "knows":
                return f"no {_ROLE_WORDS_EN[str(self.role)]} knows {measure} without the employer reporting it"
            return f"every {_ROLE_WORDS_EN[str(self.role)]} whose employer reports {measure} knows it"
        if self.kind == "zero":
            return f"{self.predictor} is 0 for every one of the {who} in the model"
        if self.kind == "constant":
            return f"{self.predictor} takes one value for all {who} in the model"
        if self.kind == "equal":
            return f"{self.column} equals {self.others[0][0]} for all {who} in the model"
        names = ", ".join(n for n, _ in self.others)
        return f"{self.column} is a linear combination of {names}"

    def dutch(self) -> str:
        """Why the column is left out, in words (a clause: no capital, no full stop)."""
        label = f"‘{_label_nl(self.predictor)}’"
        if self.role:
            one, many = _ROLE_WORDS[self.role]
        else:
            one, many = "werknemer", "werknemers"
        case = self._interaction_case()
        if case is not None:
            measure = codebook.load().measures[INTERACTIONS[self.predictor][2]]
            measure = measure[0].lower() + measure[1:]
            if case == "knows":
                return f"geen enkele {one} kent {measure} zonder dat de werkgever die maatregel noemt"
            return f"elke {one} van wie de werkgever {measure} noemt, kent die maatregel ook"
        if self.kind == "zero":
            return f"{label} is bij alle {many} in het model 0"
        if self.kind == "constant":
            return f"alle {many} in het model hebben dezelfde waarde voor {label}"
        if self.kind == "equal":
            other = f"‘{_label_nl(self.others[0][0].split('|')[0])}’"
            return f"{label} is bij alle {many} in het model gelijk aan {other}"
        others = [f"‘{_label_nl(n.split('|')[0])}’" for n, _ in self.others if not n.startswith("intercept")]
        return f"{label} is een optelsom van {', '.join(others) or 'de constanten'} en daardoor niet apart te schatten"

    def as_dict(self) -> dict:
        return {"column": self.column, "others": [[n, float(c)] for n, c in self.others]}

    @classmethod
    def from_dict(cls, d: dict) -> Dependency:
        return cls(str(d["column"]), tuple((str(n), float(c)) for n, c in d.get("others", ())))


def _label_nl(predictor: str) -> str:
    if predictor.startswith("intercept"):
        return "constante"
    label = predictor_label(predictor)
    return label[0].lower() + label[1:] if label != predictor else label


def _design(inputs: ModelInputs, family: str) -> tuple[np.ndarray, list[str], int]:
    """The design per employee: the intercepts (the cut points of an ordinal model act as one constant
    column; a binary model has one intercept per role), the covariates and the exposure terms."""
    d, c = inputs.data, inputs.coords
    n = len(c[dims.EMPLOYEE])
    if family == "ordinal":
        intercepts, names = np.ones((n, 1)), ["intercept"]
    else:
        roles = d["role_of_emp"]
        intercepts = np.column_stack([(roles == k).astype(float) for k in range(len(ROLES))])
        names = [f"intercept|{r}" for r in ROLES]
    matrix = np.column_stack([intercepts, d["X"], d["Z"]])
    names += [str(x) for x in c[dims.PREDICTOR]] + [str(x) for x in c[dims.TERM]]
    return matrix, names, intercepts.shape[1]


def dependencies(inputs: ModelInputs, family: str) -> list[Dependency]:
    """The design columns that are linear combinations of the columns before them, in design order.

    The columns are taken from left to right (intercepts, covariates, exposure terms in
    spec order, so a joint model's interaction comes after the main terms); a column that
    does not add to the rank of those kept before it is a dependency, explained by its
    least-squares coefficients on them (unique, since the kept columns are independent).
    Empty when the design has full rank.
    """
    matrix, names, _ = _design(inputs, family)
    if matrix.shape[0] == 0:
        return [Dependency(name) for name in names if not name.startswith("intercept")]
    kept: list[int] = []
    out: list[Dependency] = []
    for j in range(matrix.shape[1]):
        candidate = matrix[:, [*kept, j]]
        if np.linalg.matrix_rank(candidate) == len(kept) + 1:
            kept.append(j)
            continue
        if not kept or not np.any(matrix[:, j]):
            out.append(Dependency(names[j]))
            continue
        coef, *_ = np.linalg.lstsq(matrix[:, kept], matrix[:, j], rcond=None)
        others = tuple((names[k], float(round(b, 6))) for k, b in zip(kept, coef) if abs(b) > 1e-6)
        out.append(Dependency(names[j], others))
    return out


def check_design(inputs: ModelInputs, family: str) -> None:
    """Refuse a design with a column that is a linear combination of the others.

    A column in a linear dependency is identified by the prior alone (for example
    ``manager`` beside region x role intercepts), so its posterior would be a
    restatement of the prior. Raises :class:`DesignError` naming the columns and why;
    :func:`thuiswerk.modelling.workflow.adapt` leaves such columns out instead.
    """
    found = [d for d in dependencies(inputs, family) if not d.column.startswith("intercept")]
    if not found:
        return
    matrix, _, _ = _design(inputs, family)
    raise DesignError(
        f"the design has {matrix.shape[1]} columns but rank {matrix.shape[1] - len(found)}: "
        + "; ".join(f"{d.column} ({d.english()})" for d in found)
        + ". Only the prior would identify it. Remove it from the model's predictors or exposures "
        "(thuiswerk fit --config), or let `thuiswerk fit` leave it out."
    )


def _group_codes(frame: pd.DataFrame, establishments: pd.DataFrame) -> dict[str, np.ndarray]:
    cb = codebook.load()
    est_ids = establishments["establishment_id"].astype(str).tolist()
    est_index = pd.Index(est_ids)
    sectors = cb.get("establishments", "sector").codes
    sizes = cb.get("establishments", "size_class").codes
    est_sector = pd.Categorical(establishments["sector"], categories=sectors).codes
    est_size = pd.Categorical(establishments["size_class"], categories=sizes).codes
    return {
        "est_of_row": est_index.get_indexer(pd.Index(frame["establishment_id"].astype(str))),
        "sector_of_est": est_sector.astype(np.int64),
        "size_of_est": est_size.astype(np.int64),
    }


def _base_coords(establishments: pd.DataFrame) -> dict[str, list]:
    cb = codebook.load()
    return {
        dims.ESTABLISHMENT: establishments["establishment_id"].astype(str).tolist(),
        dims.SECTOR: list(cb.get("establishments", "sector").codes),
        dims.SIZE_CLASS: list(cb.get("establishments", "size_class").codes),
    }


def awareness_inputs(establishments: pd.DataFrame, employees: pd.DataFrame) -> ModelInputs:
    """Long format: one cell per employee x measure: knows (0/1) given employer reports (0/1)."""
    cb = codebook.load()
    measures = list(cb.measures)
    joined = _joined(establishments, employees)
    knows = joined[[f"knows_{m}" for m in measures]].to_numpy(dtype=float, na_value=np.nan)
    reported = joined[[f"employer_{m}" for m in measures]].to_numpy(dtype=float, na_value=np.nan)
    n_emp, n_meas = knows.shape
    emp_idx = np.repeat(np.arange(n_emp), n_meas)
    meas_idx = np.tile(np.arange(n_meas), n_emp)
    y = knows.ravel()
    rep = reported.ravel()
    keep = ~(np.isnan(y) | np.isnan(rep))
    groups = _group_codes(joined, establishments)
    role_idx = pd.Categorical(joined["role"], categories=ROLES).codes
    coords = _base_coords(establishments) | {
        dims.EMPLOYEE: joined["employee_id"].astype(str).tolist(),
        dims.MEASURE: measures,
        dims.ROLE: list(ROLES),
        dims.REPORTED: ["nee", "ja"],
        dims.OBS: np.flatnonzero(keep).tolist(),
    }
    # Per measure and role: the share of employees whose employer reports the measure,
    # the weights of the seed's information loss (expected number of reported measures
    # the employee does not know).
    reported_share = np.column_stack(
        [np.nanmean(np.where(role_idx[:, None] == k, reported, np.nan), axis=0) for k in range(len(ROLES))]
    )
    data = {
        "y": y[keep].astype(np.int64),
        "reported_share": reported_share,
        "reported": rep[keep].astype(np.int64),
        "measure": meas_idx[keep],
        "role": role_idx[emp_idx][keep].astype(np.int64),
        "employee": emp_idx[keep],
        "est_of_emp": groups["est_of_row"],
        "sector_of_est": groups["sector_of_est"],
        "size_of_est": groups["size_of_est"],
    }
    excluded = {"empty knows/employer cell": int((~keep).sum())} if (~keep).any() else {}
    return ModelInputs(coords=coords, data=data, excluded=excluded)


def _outcome_frame(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    predictors: Sequence[str],
    terms: Sequence[tuple[str, str, str]],
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[str, int]]:
    """Employees who answered the questionnaire and have every predictor; counted exclusions."""
    joined = _joined(establishments, employees)
    excluded: dict[str, int] = {}
    answered = joined["questionnaire_completed"].astype("Int64") == 1
    n_nonresp = int((~answered.fillna(False)).sum())
    if n_nonresp:
        excluded["employee did not complete the questionnaire"] = n_nonresp
    frame = joined[answered.fillna(False).to_numpy()].reset_index(drop=True)
    X = design_matrix(frame, predictors)
    Z = term_matrix(frame, terms)
    complete = ~(np.isnan(X).any(axis=1) | np.isnan(Z).any(axis=1))
    if (~complete).any():
        excluded["employee with an empty predictor"] = int((~complete).sum())
    frame = frame[complete].reset_index(drop=True)
    return frame, X[complete], Z[complete], excluded


def _term_data(terms: Sequence[tuple[str, str, str]]) -> tuple[dict[str, list], np.ndarray]:
    """Coords of the exposure terms and, per term, the index of its exposure (predictor)."""
    exposures = list(dict.fromkeys(p for _, p, _ in terms))
    coords = {dims.TERM: [t for t, _, _ in terms], dims.EXPOSURE: exposures}
    return coords, np.array([exposures.index(p) for _, p, _ in terms], dtype=np.int64)


def ordinal_inputs(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    aspects: Sequence[str],
    predictors: Sequence[str],
    terms: Sequence[tuple[str, str, str]] = (),
) -> ModelInputs:
    """Long format over (employee, aspect) for 1..K ordinal items with a shared design matrix."""
    cb = codebook.load()
    frame, X, Z, excluded = _outcome_frame(establishments, employees, predictors, terms)
    n_categories = {len(cb.find(a).categories) for a in aspects}
    if len(n_categories) != 1:
        raise ValueError(f"aspects {aspects} have different numbers of categories {n_categories}")
    k = n_categories.pop()
    scores = frame[list(aspects)].to_numpy(dtype=float, na_value=np.nan)
    n_emp, n_asp = scores.shape
    emp_idx = np.repeat(np.arange(n_emp), n_asp)
    asp_idx = np.tile(np.arange(n_asp), n_emp)
    y = scores.ravel()
    keep = ~np.isnan(y)
    if (~keep).any():
        excluded["empty item (item non-response)"] = int((~keep).sum())
    groups = _group_codes(frame, establishments)
    term_coords, term_exposure = _term_data(terms)
    coords = (
        _base_coords(establishments)
        | {
            dims.EMPLOYEE: frame["employee_id"].astype(str).tolist(),
            dims.ASPECT: list(aspects),
            dims.CUT: list(range(1, k)),
            dims.PREDICTOR: list(predictors),
            dims.ROLE: list(ROLES),
            dims.OBS: np.flatnonzero(keep).tolist(),
        }
        | term_coords
    )
    data = {
        "y": (y[keep] - 1).astype(np.int64),  # categories 1..K -> 0..K-1
        "aspect": asp_idx[keep],
        "employee": emp_idx[keep],
        "X": X,
        "Z": Z,
        "term_exposure": term_exposure,
        "est_of_emp": groups["est_of_row"],
        "role_of_emp": pd.Categorical(frame["role"], categories=ROLES).codes.astype(np.int64),
        "sector_of_est": groups["sector_of_est"],
        "size_of_est": groups["size_of_est"],
    }
    return ModelInputs(coords=coords, data=data, excluded=excluded)


def binary_inputs(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    regions: Sequence[str],
    predictors: Sequence[str],
    terms: Sequence[tuple[str, str, str]] = (),
) -> ModelInputs:
    """Long format over (employee, body region) for 0/1 complaints."""
    frame, X, Z, excluded = _outcome_frame(establishments, employees, predictors, terms)
    values = frame[list(regions)].to_numpy(dtype=float, na_value=np.nan)
    n_emp, n_reg = values.shape
    emp_idx = np.repeat(np.arange(n_emp), n_reg)
    reg_idx = np.tile(np.arange(n_reg), n_emp)
    y = values.ravel()
    keep = ~np.isnan(y)
    if (~keep).any():
        excluded["empty item (item non-response)"] = int((~keep).sum())
    groups = _group_codes(frame, establishments)
    term_coords, term_exposure = _term_data(terms)
    coords = (
        _base_coords(establishments)
        | {
            dims.EMPLOYEE: frame["employee_id"].astype(str).tolist(),
            dims.REGION: list(regions),
            dims.PREDICTOR: list(predictors),
            dims.ROLE: list(ROLES),
            dims.OBS: np.flatnonzero(keep).tolist(),
        }
        | term_coords
    )
    data = {
        "y": y[keep].astype(np.int64),
        "region": reg_idx[keep],
        "employee": emp_idx[keep],
        "X": X,
        "Z": Z,
        "term_exposure": term_exposure,
        "est_of_emp": groups["est_of_row"],
        "role_of_emp": pd.Categorical(frame["role"], categories=ROLES).codes.astype(np.int64),
        "sector_of_est": groups["sector_of_est"],
        "size_of_est": groups["size_of_est"],
    }
    return ModelInputs(coords=coords, data=data, excluded=excluded)


def coordinate_label(code: str) -> str:
    """The Dutch label of one coordinate of a posterior variable (an index of ArviZ's summary).

    An exposure term "predictor|role" becomes "Kent afspraken over werktijden
    (leidinggevenden)"; predictors, codebook items (aspects, body regions), measures,
    roles, the employer's report (nee/ja), sectors and size classes get their Dutch
    labels; anything else (the number of a cut point) is returned as it is.
    """
    code = str(code).strip()
    if "|" in code:
        predictor, role = code.split("|", 1)
        return f"{coordinate_label(predictor)} ({nl.ROLE_NL.get(role, role)})"
    if code in PREDICTORS:
        return predictor_label(code)
    if any(sign in code for sign in ":()"):  # a formula term (no codebook name has these)
        return predictor_label(code)
    if code in nl.ROLE_NL:
        return nl.ROLE_NL[code]
    if code in nl.REPORTED_NL:
        return nl.REPORTED_NL[code]
    book = codebook.load()
    if code in book.measures:
        return book.measures[code]
    for variable in ("sector", "size_class"):
        try:
            return nl.category_label(variable, code)
        except KeyError:
            pass
    try:
        return nl.label(code)
    except KeyError:
        return code


def parameter_name(element: str) -> str:
    """The Dutch name of one element of a posterior variable: "beta[age_10]" ->
    "Helling van een covariaat: Leeftijd (per 10 jaar, t.o.v. 45)" (:data:`thuiswerk.core.nl.PARAMETER_NL`)."""
    element = str(element)
    variable = element.split("[")[0]
    inner = element[element.find("[") + 1 : element.rfind("]")] if "[" in element else ""
    name = nl.capitalize_first(nl.parameter_nl(variable))
    parts = [coordinate_label(p) for p in inner.split(",")] if inner else []
    return f"{name}: {', '.join(parts)}" if parts else name
