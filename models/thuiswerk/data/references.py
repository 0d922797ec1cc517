"""National reference values the source report compares with, read from ``data/references.yaml``.

The source report sets several of its results against national figures: the
share of workers with KANS complaints in the NEA, the BAT threshold for 'very
high' exhaustion, the NEA mean overtime, the share of companies with an RI&E in
Arbo in Bedrijf 2019-2021 (overall and by size class) and the share of visits
after which the inspector expects change in the regular AiB monitor. Each is one
entry of the YAML file with its value, unit, year, source, BibTeX key and the
footnote of the source report, so the report's figures (reference lines,
:mod:`thuiswerk.reporting.figures`) and sentences (below) take the number from one place.

:func:`load` reads and validates the file (a :class:`ReferencesError` names the
file, the entry and the field); :func:`get` returns one :class:`Reference`.

Sentences
---------
* :func:`statement` -- the national figure on its own, with its citation:
  "Landelijk rapporteert 42% van de werknemers ... [@nea2022]."
* :func:`compare` -- an observed value (a column of the survey, optionally
  clustered by establishment) against a reference: a :class:`Comparison`.
* :func:`comparison_sentence` -- "Het aandeel ... (31%) is lager dan landelijk
  (42%) [@nea2022]."
* :func:`pairs_text` -- several comparisons in a list: "schouders 17%
  (landelijk 32%), nek 18% (landelijk 30%) en arm 10% (landelijk 28%)".

Wording of a comparison (:attr:`Comparison.word`) follows the report's one rule
for findings (:mod:`thuiswerk.core.nl`): "lager dan"/"hoger dan" only when the
probability of that direction is at least
:data:`thuiswerk.core.nl.EVIDENCE_CLEAR_THRESHOLD` (0,975), otherwise "niet duidelijk
anders dan". The probability is a normal approximation around the sample mean
with a cluster-robust standard error (employees are clustered within
establishments; the ratio-estimator linearisation). The national figure is taken
as fixed: it comes from a far larger sample, but it is measured with other
questions, in another year and population, so the comparison is indicative
(as in the source report).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from thuiswerk.core import nl
from thuiswerk.core.errors import UsageError
from thuiswerk.core.resources import resource_path

FILE_NAME = "references.yaml"
UNITS = ("share", "hours", "score")
REQUIRED = ("key", "value", "unit", "year", "source", "citation", "footnote", "label_nl", "statement_nl")
OPTIONAL = ("scale", "versus_nl", "note", "url", "say_as")
SAY_AS = ("number", "fraction")  # "fraction": a share the source states in words ("ongeveer een kwart")
HOURS_MAX = 168.0  # hours in a week
KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
CITATION_RE = re.compile(r"[A-Za-z][A-Za-z0-9_:-]*")
YEAR_RE = re.compile(r"(19|20)\d\d(-(19|20)\d\d)?")
DEFAULT_VERSUS = "landelijk"

WORD_LOWER = "lager dan"
WORD_HIGHER = "hoger dan"
WORD_SAME = "niet duidelijk anders dan"


class ReferencesError(UsageError):
    """The reference file is malformed: the message names the file, the entry and the field (exit 3)."""


@dataclass(frozen=True)
class Reference:
    """One national figure of the source report."""

    key: str
    value: float
    unit: str  # share | hours | score
    year: str  # "2022" or "2019-2021"
    source: str
    citation: str  # BibTeX key
    footnote: tuple[int, ...]  # footnote number(s) in the source report; () for running text
    label_nl: str
    statement_nl: str
    scale: tuple[float, float] | None = None  # answer scale for unit "score"
    versus_nl: str = DEFAULT_VERSUS
    note: str | None = None
    url: str | None = None
    say_as: str = "number"  # "fraction": written as the source report writes it, in words

    @property
    def text(self) -> str:
        """The value as the report writes it: "42%", "3,4 uur", "4"; with ``say_as: fraction`` in words
        ("ongeveer een kwart"), as the source report states a rough share of its open answers."""
        if self.say_as == "fraction":
            return nl.fraction_phrase(self.value)
        return format_value(self.value, self.unit)

    @property
    def cite(self) -> str:
        """Pandoc citation: "[@nea2022]" (as Markdown, see :class:`thuiswerk.core.nl.Markdown`)."""
        return nl.Markdown(f"[@{self.citation}]")

    def statement(self) -> str:
        """The national figure in a sentence, with its citation and a final full stop."""
        return nl.Markdown(f"{self.statement_nl.format(value=self.text)} {self.cite}.")


def format_value(value: float, unit: str) -> str:
    """A value in the report's Dutch format: shares as "42%", hours as "3,4 uur", scores "4" or "3,5"."""
    if unit == "share":
        return nl.percent(value)
    if unit == "hours":
        return f"{nl.number(value, 1)} uur"
    if unit == "score":
        return nl.number(value, 0 if float(value).is_integer() else 1)
    raise ValueError(f"unknown unit {unit!r}; one of {UNITS}")


# --------------------------------------------------------------------------- loading


def _check_entry(entry: Any, where: str) -> Reference:
    if not isinstance(entry, Mapping):
        raise ReferencesError(f"{where}: an entry must be a mapping, got {type(entry).__name__}")
    key = entry.get("key")
    if key is not None:
        where = f"{where} ({key})"
    absent = [f for f in REQUIRED if f not in entry]
    if absent:
        raise ReferencesError(f"{where}: missing field(s) {', '.join(absent)}")
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ReferencesError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise ReferencesError(f"{where}: field key must be lower case letters, digits and underscores, got {key!r}")

    unit = entry["unit"]
    if unit not in UNITS:
        raise ReferencesError(f"{where}: field unit must be one of {', '.join(UNITS)}, got {unit!r}")
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ReferencesError(f"{where}: field value must be a finite number, got {value!r}")
    value = float(value)
    scale = entry.get("scale")
    if unit == "share":
        if not 0.0 <= value <= 1.0:
            raise ReferencesError(
                f"{where}: field value {value!r} is a share and must be a fraction in [0, 1] (42% is 0.42)"
            )
    elif unit == "hours":
        if not 0.0 <= value <= HOURS_MAX:
            raise ReferencesError(f"{where}: field value {value!r} must be hours in [0, {HOURS_MAX:g}]")
    if unit == "score":
        if (
            not isinstance(scale, (list, tuple))
            or len(scale) != 2
            or not all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in scale)
            or not scale[0] < scale[1]
        ):
            raise ReferencesError(
                f"{where}: field scale must be [low, high] with low < high for unit score, got {scale!r}"
            )
        if not scale[0] <= value <= scale[1]:
            raise ReferencesError(f"{where}: field value {value!r} is outside its scale {list(scale)}")
        scale = (float(scale[0]), float(scale[1]))
    elif scale is not None:
        raise ReferencesError(f"{where}: field scale is only for unit score")
    say_as = entry.get("say_as", "number")
    if say_as not in SAY_AS or (say_as == "fraction" and unit != "share"):
        raise ReferencesError(f"{where}: field say_as must be one of {', '.join(SAY_AS)} (fraction for a share), "
                              f"got {say_as!r}")  # fmt: skip

    year = str(entry["year"])
    if not YEAR_RE.fullmatch(year):
        raise ReferencesError(
            f'{where}: field year must be a year (2017) or a period ("2019-2021"), got {entry["year"]!r}'
        )
    if "-" in year:
        start, end = (int(y) for y in year.split("-"))
        if start >= end:
            raise ReferencesError(f"{where}: field year: a period runs from an earlier to a later year, got {year!r}")

    citation = entry["citation"]
    if not isinstance(citation, str) or not CITATION_RE.fullmatch(citation):
        raise ReferencesError(
            f"{where}: field citation must be a BibTeX key (no @, brackets or spaces), got {citation!r}"
        )

    footnote = entry["footnote"]
    notes = [] if footnote is None else (footnote if isinstance(footnote, list) else [footnote])
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in notes):
        raise ReferencesError(
            f"{where}: field footnote must be a footnote number, a list of them or null, got {footnote!r}"
        )

    texts = {}
    for name in ("source", "label_nl", "statement_nl", "versus_nl", "note", "url"):
        text = entry.get(name)
        if text is None and name not in REQUIRED:
            continue
        if not isinstance(text, str) or not text.strip():
            raise ReferencesError(f"{where}: field {name} must be a non-empty text")
        texts[name] = " ".join(text.split())
    statement = texts["statement_nl"]
    if statement.count("{value}") != 1 or re.search(r"\{(?!value\})", statement):
        raise ReferencesError(f"{where}: field statement_nl must contain {{value}} exactly once (and no other braces)")
    if statement.endswith("."):
        raise ReferencesError(
            f"{where}: field statement_nl must end without a full stop (the citation and the full stop follow)"
        )
    for name in ("label_nl", "statement_nl", "versus_nl"):
        if name in texts and re.search(r"\d\s*%", texts[name]):
            raise ReferencesError(f"{where}: field {name} types a percentage; the number belongs in value")

    return Reference(
        key=key,
        value=value,
        unit=unit,
        year=year,
        source=texts["source"],
        citation=citation,
        footnote=tuple(notes),
        label_nl=texts["label_nl"],
        statement_nl=statement,
        scale=scale,
        versus_nl=texts.get("versus_nl", DEFAULT_VERSUS),
        note=texts.get("note"),
        url=texts.get("url"),
        say_as=say_as,
    )


def parse(document: Any, path: str | Path = FILE_NAME) -> dict[str, Reference]:
    """Validate the parsed YAML ``document`` (``path`` only names it in errors)."""
    if not isinstance(document, Mapping) or "references" not in document:
        raise ReferencesError(f"{path}: a mapping with a 'references' list is expected")
    entries = document["references"]
    if not isinstance(entries, list) or not entries:
        raise ReferencesError(f"{path}: 'references' must be a non-empty list")
    out: dict[str, Reference] = {}
    for i, entry in enumerate(entries):
        ref = _check_entry(entry, f"{path}: references[{i}]")
        if ref.key in out:
            raise ReferencesError(f"{path}: references[{i}] ({ref.key}): field key duplicates an earlier entry")
        out[ref.key] = ref
    return out


@lru_cache(maxsize=8)
def _load(path: Path, stamp: tuple[int, int]) -> dict[str, Reference]:  # stamp: re-read a changed file
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferencesError(f"{path}: not valid YAML: {exc}") from None
    return parse(document, path)


def load(path: str | Path | None = None) -> dict[str, Reference]:
    """The reference values by key (default: the shipped ``references.yaml``), validated.

    Returns a new dict each call (the :class:`Reference` records are frozen).
    """
    path = (Path(path) if path is not None else resource_path(FILE_NAME)).resolve()
    try:
        stat = path.stat()
    except OSError as exc:
        raise FileNotFoundError(f"{path}: the reference values file cannot be read ({exc.strerror})") from None
    return dict(_load(path, (stat.st_mtime_ns, stat.st_size)))


def get(key: str, references: Mapping[str, Reference] | None = None) -> Reference:
    """One reference by key; a ``KeyError`` lists the known keys."""
    refs = load() if references is None else references
    try:
        return refs[key]
    except KeyError:
        raise KeyError(f"no reference {key!r}; known: {', '.join(refs)}") from None


def _ref(key_or_ref: str | Reference, references: Mapping[str, Reference] | None = None) -> Reference:
    return key_or_ref if isinstance(key_or_ref, Reference) else get(key_or_ref, references)


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Comparison:
    """An observed mean or share set against a reference value."""

    reference: Reference
    observed: float  # NaN when fewer than ``min_n`` observations
    se: float
    n: int
    p_lower: float  # probability that the population value lies below the reference

    @property
    def word(self) -> str:
        """ "lager dan", "hoger dan" or "niet duidelijk anders dan" (see the module docstring)."""
        if math.isnan(self.p_lower):
            return WORD_SAME
        if self.p_lower >= nl.EVIDENCE_CLEAR_THRESHOLD:
            return WORD_LOWER
        if 1.0 - self.p_lower >= nl.EVIDENCE_CLEAR_THRESHOLD:
            return WORD_HIGHER
        return WORD_SAME

    @property
    def observed_text(self) -> str:
        """The observed value in the reference's unit ("31%", "3,0 uur"); "–" when suppressed."""
        if math.isnan(self.observed):
            return nl.MARKER
        return format_value(self.observed, self.reference.unit)

    def sentence(self, subject: str) -> str:
        """ "{subject} ({observed}) is {word} {versus} ({reference}) [@key]."."""
        ref = self.reference
        return nl.Markdown(
            f"{_cap(subject)} ({self.observed_text}) is {self.word} {ref.versus_nl} ({ref.text}) {ref.cite}."
        )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def cluster_mean(values: pd.Series, clusters: pd.Series | None = None) -> tuple[float, float, int]:
    """Mean of the non-missing ``values`` with a cluster-robust standard error.

    ``clusters`` (aligned on the index, e.g. ``employees["establishment_id"]``)
    gives the cluster of each value; without it every value is its own cluster.
    The standard error is the linearised ratio estimator's,
    ``sqrt(m / (m - 1) * sum_c (y_c - mean * n_c)^2) / N`` over ``m`` clusters.
    Returns ``(mean, se, n)``; NaN mean and se without values, NaN se with one cluster.
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    if clusters is None:
        groups = pd.Series(np.arange(len(v)), index=v.index)
    else:
        groups = pd.Series(clusters).reindex(v.index)
    keep = v.notna() & groups.notna()
    v, groups = v[keep], groups[keep]
    n = int(len(v))
    if n == 0:
        return math.nan, math.nan, 0
    mean = float(v.mean())
    totals = v.groupby(groups).agg(["sum", "size"])
    m = len(totals)
    if m < 2:
        return mean, math.nan, n
    resid = totals["sum"] - mean * totals["size"]
    se = math.sqrt(m / (m - 1) * float((resid**2).sum())) / n
    return mean, se, n


def compare(
    values: pd.Series,
    key_or_ref: str | Reference,
    clusters: pd.Series | None = None,
    *,
    references: Mapping[str, Reference] | None = None,
    min_n: int = nl.MIN_CELL,
) -> Comparison:
    """Set the mean of ``values`` (0/1 for a share, hours, a score) against a reference.

    With fewer than ``min_n`` non-missing values the observed value is blanked
    (NaN, shown as "–") and the wording is "niet duidelijk anders dan".
    """
    ref = _ref(key_or_ref, references)
    mean, se, n = cluster_mean(values, clusters)
    if n < min_n or math.isnan(mean):
        return Comparison(ref, math.nan, math.nan, n, math.nan)
    if math.isnan(se):
        p_lower = math.nan
    elif se == 0.0:
        p_lower = 1.0 if mean < ref.value else 0.0 if mean > ref.value else 0.5
    else:
        p_lower = _normal_cdf((ref.value - mean) / se)
    return Comparison(ref, mean, se, n, p_lower)


def comparison_sentence(
    subject: str,
    values: pd.Series,
    key_or_ref: str | Reference,
    clusters: pd.Series | None = None,
    *,
    references: Mapping[str, Reference] | None = None,
) -> str:
    """ "Het aandeel ... (31%) is lager dan landelijk (42%) [@nea2022]." from the data and the YAML."""
    return compare(values, key_or_ref, clusters, references=references).sentence(subject)


def pairs_text(items: list[tuple[str, Comparison]]) -> str:
    """Observed and reference side by side: "schouders 17% (landelijk 32%), nek 18% (landelijk 30%) en arm 10% (landelijk 28%)"."""
    parts = [f"{name} {cmp.observed_text} ({cmp.reference.versus_nl} {cmp.reference.text})" for name, cmp in items]
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " en " + parts[-1]


def statement(key_or_ref: str | Reference, references: Mapping[str, Reference] | None = None) -> str:
    """The national figure in a Dutch sentence with its citation (see :meth:`Reference.statement`)."""
    return _ref(key_or_ref, references).statement()


def value_text(key_or_ref: str | Reference, references: Mapping[str, Reference] | None = None) -> str:
    """Only the formatted value of a reference ("42%", "3,4 uur")."""
    return _ref(key_or_ref, references).text


def share_at_least(
    values: pd.Series, key_or_ref: str | Reference, references: Mapping[str, Reference] | None = None
) -> pd.Series:
    """0/1 per non-missing value: at or above a threshold reference (e.g. BAT 'zeer hoog'); NaN stays NaN."""
    ref = _ref(key_or_ref, references)
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    return (v >= ref.value).astype(float).where(v.notna())
