"""Dutch wording and number formats for the report, and disclosure control.

Everything the reader sees is Dutch: labels come from the codebook
(:func:`label`, :func:`category_label`, :func:`measure_label`), numbers use a
decimal comma and a full stop as thousands separator (:func:`number`,
:func:`percent`, :func:`interval`, and the matplotlib tick formatters
:func:`percent_formatter` and :func:`decimal_formatter`).

Rounding is half-up on the decimal value as written (``number(2.25, 1)`` is
``"2,3"``, ``percent(0.285)`` is ``"29%"``), as a reader checking a table by
hand expects; Python's own formatting would round binary floats half-even.
A missing value (``None``, ``NaN``, ``pd.NA``) is written as :data:`MARKER`.

Wording of findings (:func:`evidence`)
--------------------------------------
One rule for the whole report, applied to ``p_direction``: the posterior
probability of the direction the source report expects, fixed in the estimand
table (:mod:`thuiswerk.analysis.estimands`) before any fit is looked at (for example
P(effect < 0) for "minder werkdruk")::

    p_direction >= 0.975           -> "duidelijk"                       (EVIDENCE_CLEAR)
    0.90 <= p_direction < 0.975    -> "aanwijzing"                      (EVIDENCE_HINT)
    0.025 < p_direction < 0.90     -> "geen duidelijk verband"          (EVIDENCE_NONE)
    p_direction <= 0.025           -> "duidelijk tegen de verwachting"  (EVIDENCE_OPPOSITE)

and, for a finding whose source sentence says there is no relation
(:data:`thuiswerk.analysis.estimands.NO_RELATION`), "geen relevant verband"
(EVIDENCE_IRRELEVANT) where the posterior puts at least 0.95
(:data:`EQUIVALENCE_THRESHOLD`) inside the region of practical equivalence, odds
ratios between 0.8 and 1.25 (:data:`EQUIVALENCE_ODDS_RATIO`), fixed in advance for
every log-odds scale of the findings (:func:`equivalent`).

0.975 makes "duidelijk" as strict as the source report's significance (a
two-sided test at 5%, or one-sided at 2.5%). Both bounds belong to the stronger
wording. The direction is never chosen after looking: a posterior that points
the other way is "geen duidelijk verband" for the expected direction, or, as
clearly as "duidelijk" would be, "duidelijk tegen de verwachting" (the source
report itself reports such unexpected associations).

Counts and shares in words
--------------------------
Small counts are words and zero is "geen" (:func:`count_words`); a count out of a
total reads "alle zeven modellen", "zes van de zeven modellen", "geen van de zeven
modellen" (:func:`of_total`, with :func:`verb` for the agreeing verb); a share reads
"ongeveer een derde", "bijna de helft" (:func:`fraction_phrase`) or "de meeste
werkgevers" (:func:`share_phrase`). A sentence never begins with a digit
(:func:`capitalize_first` refuses one).

Glossary (:data:`PARAMETER_NL`, :data:`MODEL_NL`, :data:`PRIOR_NL`)
-------------------------------------------------------------------
Every posterior variable, model and prior setting by its Dutch name; the appendices
name them only through these mappings.

Disclosure control (:func:`suppress`, :mod:`thuiswerk.core.disclosure`)
------------------------------------------------------------------
No percentage or mean computed from fewer than :data:`MIN_CELL` (10)
respondents is shown. :func:`suppress` blanks such values (``NaN``) and sets a
boolean flag column; formatters render the blank as :data:`MARKER` ("–") and
:func:`footnote` gives the matching footnote ("– minder dan 10 respondenten").
Every published table and figure goes through :func:`thuiswerk.core.disclosure.protect`,
which adds complementary suppression (a blank must not follow from a total minus
its siblings); ``footnote(secondary=True)`` then also names those blanks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module

# --------------------------------------------------------------------------- constants

DECIMAL_SEPARATOR = ","
THOUSANDS_SEPARATOR = "."
MARKER = "–"  # en dash: a suppressed or missing value
RANGE_WORD = "tot"  # "0,12 tot 0,56"

EVIDENCE_CLEAR_THRESHOLD = 0.975
EVIDENCE_HINT_THRESHOLD = 0.90
EVIDENCE_CLEAR = "duidelijk"
EVIDENCE_HINT = "aanwijzing"
EVIDENCE_NONE = "geen duidelijk verband"
EVIDENCE_OPPOSITE = "duidelijk tegen de verwachting"  # P(expected direction) <= 1 - EVIDENCE_CLEAR_THRESHOLD
EVIDENCE_IRRELEVANT = "geen relevant verband"  # a "no relation" sentence, the posterior inside the equivalence region
EQUIVALENCE_ODDS_RATIO = 1.25  # odds ratios within 1/1.25 = 0.8 and 1.25: no relation that matters
EQUIVALENCE_THRESHOLD = 0.95  # posterior mass inside that region that words "geen relevant verband"
NOT_ESTIMABLE = "niet te schatten op deze gegevens"  # a finding the survey cannot answer
NOT_ESTIMATED = "niet geschat"  # a finding whose model has no current fit (or one left out for convergence)

MIN_CELL = 10  # smallest number of respondents behind a shown percentage or mean
PROB = 0.90  # the central (equal-tailed) posterior interval of every number the findings and the report show
SUPPRESSED_FLAG = "suppressed"  # name of the flag column added by suppress()


# --------------------------------------------------------------------------- numbers


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _decimal(x: Any) -> Decimal:
    """The decimal value of ``x`` as written (shortest repr for floats)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        raise TypeError(f"not a number: {x!r}")
    try:
        # numpy scalars -> Python scalars; str(float) is the shortest round-trip repr
        x = x.item() if hasattr(x, "item") else x
        value = Decimal(str(x))
    except (InvalidOperation, ValueError, TypeError):
        raise TypeError(f"not a number: {x!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {x!r}")
    return value


def _format_decimal(value: Decimal, decimals: int) -> str:
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    quantum = Decimal(1).scaleb(-decimals)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,0"
    text = f"{rounded:,.{decimals}f}"  # "1,234.5" (English separators)
    separators: dict[str, str | int | None] = {",": THOUSANDS_SEPARATOR, ".": DECIMAL_SEPARATOR}
    return text.translate(str.maketrans(separators))


def number(x: Any, decimals: int = 1) -> str:
    """``x`` with a decimal comma and "." between thousands.

    >>> number(3.4)
    '3,4'
    >>> number(131775, 0)
    '131.775'
    >>> number(1234.5, 2)
    '1.234,50'

    Missing values give :data:`MARKER`. Negative numbers use an ASCII minus.
    """
    if _is_missing(x):
        return MARKER
    return _format_decimal(_decimal(x), decimals)


def percent(share: Any, decimals: int = 0) -> str:
    """A share in [0, 1] as a Dutch percentage: ``percent(0.46)`` -> ``"46%"``.

    ``percent(0.4567, 1)`` -> ``"45,7%"``. Missing values give :data:`MARKER`.
    Raises ``ValueError`` for a share outside [0, 1] (almost always a value that
    was already multiplied by 100).
    """
    if _is_missing(share):
        return MARKER
    value = _decimal(share)
    if value < 0 or value > 1:
        raise ValueError(f"percent() takes a share in [0, 1], got {share!r}")
    return _format_decimal(value * 100, decimals) + "%"


def interval(lo: Any, hi: Any, decimals: int = 2) -> str:
    """An interval in words: ``interval(0.12, 0.56, 2)`` -> ``"0,12 tot 0,56"``."""
    return f"{number(lo, decimals)} {RANGE_WORD} {number(hi, decimals)}"


def percent_interval(lo: Any, hi: Any, decimals: int = 0) -> str:
    """An interval of shares: ``percent_interval(0.28, 0.35)`` -> ``"28% tot 35%"``."""
    return f"{percent(lo, decimals)} {RANGE_WORD} {percent(hi, decimals)}"


# --------------------------------------------------------------------------- axes


def percent_formatter(decimals: int = 0):
    """Matplotlib tick formatter for an axis of shares (0-1): 0.25 -> "25%".

    Ticks a little outside [0, 1] (padding) are formatted too, never raised on.
    """
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, pos: int | None = None) -> str:
        return _format_decimal(_decimal(float(x) * 100), decimals) + "%"

    return FuncFormatter(fmt)


def decimal_formatter(decimals: int = 1):
    """Matplotlib tick formatter with a decimal comma: 2.5 -> "2,5"."""
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, pos: int | None = None) -> str:
        return _format_decimal(_decimal(float(x)), decimals)

    return FuncFormatter(fmt)


# --------------------------------------------------------------------------- evidence


def evidence(p_direction: float) -> str:
    """Dutch wording of a finding from the probability of its stated direction.

    ``>= 0.975`` -> "duidelijk"; ``>= 0.90`` (and below 0.975) -> "aanwijzing";
    ``<= 0.025`` -> "duidelijk tegen de verwachting"; otherwise "geen duidelijk verband". See the module docstring for the
    rule and its use; the thresholds are :data:`EVIDENCE_CLEAR_THRESHOLD` and
    :data:`EVIDENCE_HINT_THRESHOLD`.
    """
    if _is_missing(p_direction):
        raise ValueError("evidence() needs a probability, got a missing value")
    p = float(p_direction)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"evidence() takes a probability in [0, 1], got {p_direction!r}")
    if p >= EVIDENCE_CLEAR_THRESHOLD:
        return EVIDENCE_CLEAR
    if p >= EVIDENCE_HINT_THRESHOLD:
        return EVIDENCE_HINT
    if p <= 1.0 - EVIDENCE_CLEAR_THRESHOLD + 1e-12:  # as clear as "duidelijk", the other way
        return EVIDENCE_OPPOSITE
    return EVIDENCE_NONE


def equivalent(log_odds: Any, weights: Any = None) -> float:
    """The posterior mass of log-odds draws inside the region of practical equivalence
    (odds ratios between ``1 / EQUIVALENCE_ODDS_RATIO`` and ``EQUIVALENCE_ODDS_RATIO``); ``weights``: of the
    draws (normalised), for a reweighted posterior."""
    values = np.asarray(log_odds, dtype=float).ravel()
    inside = np.abs(values) < np.log(EQUIVALENCE_ODDS_RATIO)
    return float(inside.mean()) if weights is None else float(np.asarray(weights)[inside].sum())


# --------------------------------------------------------------------------- labels


def label(variable: str) -> str:
    """The Dutch label of a codebook variable (employee table wins for shared names)."""
    return codebook_module.load().find(variable).label


def category_label(variable: str, code: Any) -> str:
    """The Dutch label of one code of a category/ordinal/boolean variable."""
    var = codebook_module.load().find(variable)
    if code in var.categories:
        return var.categories[code]
    for key, text in var.categories.items():  # 1 vs "1", numpy ints
        if str(key) == str(code):
            return text
    raise KeyError(f"{code!r} is not a code of {variable}")


def measure_label(measure_id: str) -> str:
    """The Dutch label of one of the 15 measures of Table 1."""
    measures = codebook_module.load().measures
    if measure_id not in measures:
        raise KeyError(f"unknown measure {measure_id!r}")
    return measures[measure_id]


# --------------------------------------------------------------------------- disclosure


def is_suppressed(n: Any, min_n: int = MIN_CELL) -> bool:
    """True when a value based on ``n`` respondents must not be shown."""
    return _is_missing(n) or int(n) < min_n


SECONDARY_NOTE = "of af te leiden uit de overige cijfers"  # complementary suppression, in words


def footnote(min_n: int = MIN_CELL, *, secondary: bool = False, noun: str = "respondenten") -> str:
    """The footnote explaining :data:`MARKER`: "– minder dan 10 respondenten".

    With ``secondary`` (some blanks protect another blank from being worked out
    by subtraction, :mod:`thuiswerk.core.disclosure`): "– minder dan 10 respondenten,
    of af te leiden uit de overige cijfers". ``noun`` counts something else
    ("vestigingen").
    """
    text = f"{MARKER} minder dan {min_n} {noun}"
    return f"{text}, {SECONDARY_NOTE}" if secondary else text


def suppress(
    table: pd.DataFrame,
    min_n: int = MIN_CELL,
    *,
    n: str = "n",
    values: Iterable[str] | None = None,
    flag: str = SUPPRESSED_FLAG,
) -> pd.DataFrame:
    """Blank every value computed from fewer than ``min_n`` respondents.

    ``table`` has one row per cell and a column ``n`` with the number of
    respondents behind the cell (the denominator). In rows with ``n < min_n``
    the ``values`` columns (default: every numeric column except ``n`` and the
    flag) become ``NaN`` and the boolean column ``flag`` is True; other rows are
    unchanged and flagged False. A row already flagged stays flagged. Returns a
    copy; render blanks with :func:`percent`/:func:`number` (which give
    :data:`MARKER`) and add :func:`footnote`.
    """
    if n not in table.columns:
        raise KeyError(f"suppress(): no column {n!r} with the number of respondents")
    out = table.copy()
    if values is None:
        values = [
            c
            for c in out.columns
            if c not in (n, flag) and pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])
        ]
    values = list(values)
    counts = pd.to_numeric(out[n], errors="coerce")
    small = (counts.isna() | (counts < min_n)).to_numpy(dtype=bool)
    if flag in out.columns:
        small = small | out[flag].fillna(False).to_numpy(dtype=bool)
    for col in values:
        if small.any():
            out[col] = out[col].astype("float64")
            out.loc[small, col] = math.nan
    out[flag] = small
    return out


def percent_table(table: pd.DataFrame, decimals: int = 0) -> pd.DataFrame:
    """A table of shares as Dutch percentage strings ("46%", blanks as "–")."""
    return table.apply(lambda col: col.map(lambda v: percent(v, decimals)))


# --------------------------------------------------------------------------- counts in words

_NUMBER_WORDS = ("nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf")


def number_word(n: int) -> str:
    """A small count in words ("drie"), larger ones in digits ("13")."""
    n = int(n)
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else number(n, 0)


def count_of(k: int, n: int) -> str:
    """ "geen van de vier", "één van de vier", "alle vier": a count out of a total, in words."""
    k, n = int(k), int(n)
    if not 0 <= k <= n:
        raise ValueError(f"count_of() needs 0 <= k <= n, got {k} of {n}")
    if k == 0:
        return f"geen van de {number_word(n)}"
    if k == n:
        return "beide" if n == 2 else f"alle {number_word(n)}"
    return f"{number_word(k)} van de {number_word(n)}"


def count_words(n: int) -> str:
    """A count in words for a noun that follows: "geen", "één", "twee" ... "twaalf", then digits ("13").

    Unlike :func:`number_word`, zero is "geen" ("geen modellen", never "0 modellen").
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"count_words() needs a count >= 0, got {n}")
    return "geen" if n == 0 else number_word(n)


def of_total(k: int, n: int, noun: str, singular: str | None = None) -> str:
    """A count out of a total with its (plural) noun, in words.

    ``of_total(7, 7, "modellen")`` -> "alle zeven modellen"; ``(6, 7)`` -> "zes van de
    zeven modellen"; ``(0, 7)`` -> "geen van de zeven modellen"; ``(2, 2)`` -> "beide
    modellen". With a total of one the ``singular`` noun is used ("het enige model" is
    not always right, so: "één model", "geen model"). Choose the verb with :func:`verb`.
    """
    k, n = int(k), int(n)
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"of_total() needs 0 <= k <= n and n >= 1, got {k} of {n}")
    if n == 1:
        return f"{count_words(k)} {singular or noun}"
    if k == n:
        return f"beide {noun}" if n == 2 else f"alle {number_word(n)} {noun}"
    return f"{count_of(k, n)} {noun}"


def verb(k: int, singular: str, plural: str) -> str:
    """The verb form that agrees with a counted subject of :func:`of_total` or :func:`count_words`.

    Plural from two on ("zes van de zeven modellen voldoen", "alle zeven modellen voldoen"),
    singular for one and for none ("één van de zeven modellen voldoet", "geen van de
    zeven modellen voldoet").
    """
    return plural if int(k) >= 2 else singular


def capitalize_first(text: str) -> str:
    """The text with its first letter as a capital, for the start of a sentence or heading.

    "één" becomes "Eén" (Taalunie). A sentence must not begin with a digit in Dutch
    prose: text that starts with one raises ``ValueError`` (rephrase it, for example
    "Van de werkgevers geeft 42% ..." instead of "42% van de werkgevers geeft ...").
    """
    if not text:
        return text
    if text[0].isdigit() or (text[0] in "-+" and text[1:2].isdigit()):
        raise ValueError(f"a sentence does not begin with a number: {text[:40]!r}")
    if text.startswith("één"):
        return "Eén" + text[3:]
    return text[0].upper() + text[1:]


def join_words(items: Iterable[str], conjunction: str = "en") -> str:
    """ "a", "a en b", "a, b en c" (no comma before the conjunction, as in Dutch)."""
    items = [str(i) for i in items]
    if not items:
        raise ValueError("join_words() needs at least one item")
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


# Fractions a Dutch reader says aloud, for shares in headings ("ongeveer een derde").
FRACTIONS: tuple[tuple[float, str], ...] = (
    (1 / 10, "een tiende"),
    (1 / 5, "een vijfde"),
    (1 / 4, "een kwart"),
    (1 / 3, "een derde"),
    (2 / 5, "twee vijfde"),
    (1 / 2, "de helft"),
    (2 / 3, "twee derde"),
    (3 / 4, "driekwart"),
    (9 / 10, "negen tiende"),
)
FRACTION_TOLERANCE = 0.02  # within this of a fraction: "ongeveer"; further: "bijna" (below) or "ruim" (above)


def fraction_phrase(share: float) -> str:
    """A share as a fraction in words, followed in the text by "van de ...".

    The nearest of :data:`FRACTIONS`: within :data:`FRACTION_TOLERANCE` of it
    "ongeveer een derde" (0.33), below it "bijna een derde" (0.30), above it "ruim een
    kwart" (0.28). Below a twentieth "minder dan een tiende", above nineteen twentieths
    "meer dan negen tiende" (callers say "geen" or "alle" themselves, see
    :func:`share_phrase`).
    """
    if _is_missing(share):
        raise ValueError("fraction_phrase() needs a share, got a missing value")
    s = float(share)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"fraction_phrase() takes a share in [0, 1], got {share!r}")
    if s < 0.05:
        return "minder dan een tiende"
    if s > 0.95:
        return "meer dan negen tiende"
    value, words = min(FRACTIONS, key=lambda f: abs(f[0] - s))
    if abs(s - value) <= FRACTION_TOLERANCE + 1e-9:  # 0.52 - 0.5 is 0.0200000000000000018 in floats
        return f"ongeveer {words}"
    return f"{'bijna' if s < value else 'ruim'} {words}"


def share_phrase(share: float, noun: str | None = None) -> tuple[str, bool]:
    """The part of a group a share stands for, as the subject of a sentence, and whether it is plural.

    With a plural ``noun``: "alle werkgevers" (1), "bijna alle werkgevers" (0.925 and
    over), "de meeste werkgevers" (0.6 and over), "ongeveer de helft van de werkgevers"
    (:func:`fraction_phrase`), "bijna geen werkgevers" (below 0.075), "geen werkgevers"
    (0). Without a noun the independent forms: "allen", "bijna allen", "de meesten",
    "ongeveer de helft", "bijna niemand", "niemand". The flag is True where the verb is
    plural ("de meeste werkgevers willen", "ongeveer de helft van de werkgevers wil").
    """
    if _is_missing(share):
        raise ValueError("share_phrase() needs a share, got a missing value")
    s = float(share)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"share_phrase() takes a share in [0, 1], got {share!r}")
    if noun is None:
        if s == 1.0:
            return "allen", True
        if s >= 0.925:
            return "bijna allen", True
        if s >= 0.6:
            return "de meesten", True
        if s == 0.0:
            return "niemand", False
        if s < 0.075:
            return "bijna niemand", False
        return fraction_phrase(s), False
    if s == 1.0:
        return f"alle {noun}", True
    if s >= 0.925:
        return f"bijna alle {noun}", True
    if s >= 0.6:
        return f"de meeste {noun}", True
    if s == 0.0:
        return f"geen {noun}", True
    if s < 0.075:
        return f"bijna geen {noun}", True
    return f"{fraction_phrase(s)} van de {noun}", False


# --------------------------------------------------------------------------- glossary

# Every variable of the fits' posteriors (thuiswerk.modelling.builders): name in the code ->
# (symbol in the model equations of appendix A, Dutch name for tables, meaning).
# Appendix A renders it as the glossary table; every appendix table names a
# parameter by its Dutch name from here (thuiswerk.modelling.prepare.parameter_name).
PARAMETER_NL: dict[str, tuple[str, str, str]] = {
    # effects of establishment and employee (every model)
    "sigma_total": (
        r"$\sigma$",
        "totale standaardafwijking",
        "standaardafwijking van de effecten van vestiging en werknemer samen",
    ),
    "rho": (r"$\rho$", "aandeel van de vestiging", "deel van de variantie van die effecten dat bij de vestiging ligt"),
    "sigma_establishment": (
        r"$\sigma_{\mathrm{vest}}$",
        "standaardafwijking tussen vestigingen",
        r"$\sigma\sqrt{\rho}$: spreiding van de vestigingseffecten",
    ),
    "sigma_employee": (
        r"$\sigma_{\mathrm{wn}}$",
        "standaardafwijking tussen werknemers",
        r"$\sigma\sqrt{1-\rho}$: spreiding van de werknemerseffecten",
    ),
    "z_establishment": (
        r"$z_v$",
        "gestandaardiseerd vestigingseffect",
        r"effect van vestiging $v$ gedeeld door $\sigma_{\mathrm{vest}}$ (één per vestiging)",
    ),
    "z_employee": (
        r"$z_i$",
        "gestandaardiseerd werknemerseffect",
        r"effect van werknemer $i$ gedeeld door $\sigma_{\mathrm{wn}}$ (één per werknemer)",
    ),
    "b_sector": (r"$s$", "sectoreffect", "afwijking per sector; de sectoreffecten tellen op tot nul"),
    "b_size_class": (
        r"$g$",
        "effect van de grootteklasse",
        "afwijking per grootteklasse van de vestiging; de effecten tellen op tot nul",
    ),
    # outcome models (werkdruk, isolatie, klachten)
    "beta": (
        r"$\beta_p$",
        "helling van een covariaat",
        "verandering van de logit per eenheid van covariaat $p$, gelijk voor alle uitkomsten en functies",
    ),
    "exposure_mean": (
        r"$\lambda_k$",
        "helling van een blootstelling",
        "helling van blootstelling $k$, gemiddeld over de functies, aspecten en lichaamsdelen",
    ),
    "role_sd": (
        r"$\omega$",
        "spreiding tussen functies",
        "standaardafwijking van de gemiddelde helling van een functie rond die van de blootstelling",
    ),
    "z_role": (
        r"$\xi_t$",
        "gestandaardiseerde afwijking van een functie",
        r"afwijking van de gemiddelde helling $\mu_t$ van $\lambda_{k[t]}$, gedeeld door $\omega$",
    ),
    "slope_mean": (
        r"$\mu_t$",
        "gemiddelde helling",
        "helling van blootstelling $t$ (een blootstelling bij één functie), "
        "gemiddeld over de aspecten of lichaamsdelen",
    ),
    "slope_spread": (
        r"$\tau_k$",
        "spreiding van de helling",
        "standaardafwijking van de helling van blootstelling $k$ tussen aspecten of lichaamsdelen",
    ),
    "z_slope": (
        r"$\zeta_{jt}$",
        "gestandaardiseerde afwijking van de helling",
        r"afwijking van de helling voor uitkomst $j$ van het gemiddelde $\mu_t$, gedeeld door $\tau_k$",
    ),
    "slope": (
        r"$b_{jt}$",
        "helling per uitkomst",
        "helling van blootstelling $t$ voor aspect of lichaamsdeel $j$; hieruit komen de bevindingen",
    ),
    "cut_first": (r"$c_{j1}$", "eerste drempel", "laagste drempel van aspect $j$ op de logitschaal"),
    "cut_gaps": (
        r"$c_{j,k+1} - c_{jk}$",
        "afstand tussen drempels",
        "afstand tussen twee opeenvolgende drempels van aspect $j$ (positief)",
    ),
    "cutpoints": (
        r"$c_{jk}$",
        "drempels",
        "oplopende drempels van aspect $j$ tussen de antwoordcategorieën $k$ en $k+1$",
    ),
    "intercept": (
        r"$\alpha_{jf}$",
        "intercept per lichaamsdeel en functie",
        "logit van een klacht aan lichaamsdeel $j$ bij functie $f$ (covariaten op hun referentiewaarde)",
    ),
    # knowledge of measures (kennismodel)
    "mu": (
        r"$\mu_{fw}$",
        "gemiddelde logit van kennis",
        "gemiddelde over de maatregelen van de logit van de kans dat een werknemer van functie $f$ een "
        "maatregel kent, naar de opgave $w$ van de werkgever",
    ),
    "tau": (r"$\tau_{fw}$", "spreiding tussen maatregelen", "standaardafwijking van die logit tussen de maatregelen"),
    "z_measure": (
        r"$z_{mfw}$",
        "gestandaardiseerd maatregeleffect",
        r"afwijking van maatregel $m$ van $\mu_{fw}$, gedeeld door $\tau_{fw}$",
    ),
    "alpha": (
        r"$a_{mfw}$",
        "logit van kennis per maatregel",
        "logit van de kans dat een werknemer van functie $f$ maatregel $m$ kent, naar de opgave $w$",
    ),
    "p_known_if_reported": (
        r"$p_{mf}$",
        "kans op kennis als de werkgever de maatregel noemt",
        "gemiddeld over de effecten van vestiging en werknemer",
    ),
    "reported_not_known": (
        r"$N_f$",
        "genoemd maar niet bekend",
        "verwacht aantal maatregelen dat de werkgever noemt en de werknemer van functie $f$ niet kent",
    ),
    "information_loss": (
        r"$N_f / 15$",
        "informatieverlies",
        "genoemd maar niet bekend, gedeeld door het aantal maatregelen (15)",
    ),
    "loss_if_reported": (
        "",
        "niet bekend van de genoemde maatregelen",
        "aandeel van de maatregelen die de werkgever noemt dat de werknemer niet kent",
    ),
    "loss_gap": (
        "",
        "verschil in informatieverlies",
        "informatieverlies van niet-leidinggevenden min dat van leidinggevenden",
    ),
    # the population model (thuiswerk.analysis.mrp): per percentage, the share per sector x size class
    "p": (r"$p_h$", "kans per combinatie", r"kans op het antwoord in combinatie $h$ van sector en grootteklasse"),
    "logit_mean": (
        r"$\alpha$",
        "gemiddelde logit",
        "logit van het antwoord, gemiddeld over sectoren en grootteklassen",
    ),
    "sd_cell": (
        r"$\sigma_h$",
        "spreiding tussen combinaties",
        "standaardafwijking van de combinaties van sector en grootteklasse, naast beide effecten",
    ),
    "z_cell": (r"$z_h$", "gestandaardiseerd combinatie-effect", r"effect van combinatie $h$ gedeeld door $\sigma_h$"),
}

# Prior settings of a model specification (thuiswerk.modelling.specs) -> Dutch description.
PRIOR_NL: dict[str, str] = {
    "sigma_total": "schaal van de halfnormale prior van de totale standaardafwijking",
    "rho_alpha": "eerste parameter van de bètaprior van het aandeel van de vestiging",
    "rho_beta": "tweede parameter van de bètaprior van het aandeel van de vestiging",
    "group_sd": "standaardafwijking van de sector- en grootteklasse-effecten",
    "beta_sd": "standaardafwijking van de prior van een covariaathelling",
    "slope_sd": "standaardafwijking van de prior van een gemiddelde helling",
    "tau_sd": "schaal van de halfnormale prior van een spreiding",
    "role_scale": "mediaan van de lognormale prior van de spreiding tussen functies",
    "role_log_sd": "standaardafwijking van de lognormale prior van de spreiding tussen functies (logschaal)",
    "item_scale": "mediaan van de lognormale prior van de spreiding tussen aspecten of lichaamsdelen",
    "item_log_sd": "standaardafwijking van de lognormale prior van die spreiding (logschaal)",
    "cut_first_mu": "gemiddelde van de prior van de eerste drempel",
    "cut_first_sd": "standaardafwijking van de prior van de eerste drempel",
    "gap_log_mu": "gemiddelde van de lognormale prior van de afstand tussen drempels (logschaal)",
    "gap_log_sd": "standaardafwijking van de lognormale prior van de afstand tussen drempels (logschaal)",
    "intercept_mu": "gemiddelde van de prior van een intercept",
    "intercept_sd": "standaardafwijking van de prior van een intercept",
    "mu_sd": "standaardafwijking van de prior van de gemiddelde logit van kennis",
}

# Every model (thuiswerk.modelling.specs.SPECS) as the reader sees it: one name everywhere.
MODEL_NL: dict[str, str] = {
    "awareness": "Kennis van maatregelen",
    "workload": "Werkdruk (kennis van de werknemer)",
    "isolation": "Isolatie (kennis van de werknemer)",
    "complaints": "Klachten (kennis van de werknemer)",
    "workload_employer": "Werkdruk (opgave van de werkgever)",
    "isolation_employer": "Isolatie (opgave van de werkgever)",
    "complaints_employer": "Klachten (opgave van de werkgever)",
    "workload_joint": "Werkdruk (kennis en opgave samen)",
    "isolation_joint": "Isolatie (kennis en opgave samen)",
    "complaints_joint": "Klachten (kennis en opgave samen)",
    "population": "Populatie (percentages per sector en grootteklasse)",  # thuiswerk.analysis.mrp, not a spec
}

# Coordinates of the fits that are codes rather than codebook variables.
REPORTED_NL = {"nee": "werkgever noemt de maatregel niet", "ja": "werkgever noemt de maatregel"}
ROLE_NL = {"leidinggevende": "leidinggevenden", "niet_leidinggevende": "niet-leidinggevenden"}


def parameter_nl(variable: str) -> str:
    """The Dutch name of a posterior variable (:data:`PARAMETER_NL`); unknown names raise ``KeyError``."""
    if variable not in PARAMETER_NL:
        raise KeyError(f"no Dutch name for the posterior variable {variable!r}; add it to nl.PARAMETER_NL")
    return PARAMETER_NL[variable][1]


def model_nl(name: str, mid_sentence: bool = False) -> str:
    """The Dutch name of a model (:data:`MODEL_NL`); unknown names raise ``KeyError``.

    The names are written as they open a table cell ("Werkdruk (...)"); inside a
    sentence (``mid_sentence``) they start with a lower-case letter.
    """
    if name not in MODEL_NL:
        raise KeyError(f"no Dutch name for the model {name!r}; add it to nl.MODEL_NL")
    text = MODEL_NL[name]
    return text[:1].lower() + text[1:] if mid_sentence else text


def models_nl(names: Iterable[str]) -> str:
    """Several models named inside a sentence: "werkdruk (...), isolatie (...) en ..."."""
    return join_words([model_nl(n, mid_sentence=True) for n in names])


class Markdown(str):
    """Text that Quarto inserts as Markdown rather than as plain text.

    Quarto escapes the result of an inline expression (`{python} expr`) that
    is a plain string, so a citation "[@nea2022]" in it would print its
    brackets. A string with ``_repr_markdown_`` is inserted as Markdown.
    """

    def _repr_markdown_(self) -> str:
        return str(self)


# --------------------------------------------------------------------------- LaTeX (model equations)


def latex_number(value: float) -> str:
    """A prior value for LaTeX with a Dutch decimal comma ("1{,}5")."""
    return number(value, 2).rstrip("0").rstrip(",").replace(",", "{,}") if "," in number(value, 2) else number(value, 0)


def latex_distribution(name: str, *args: str) -> str:
    """A distribution in LaTeX with its Dutch name: ``latex_distribution("Normaal", "0", "0,5")`` ->
    ``\\mathrm{Normaal}(0;\\ 0{,}5)``: arguments apart by a semicolon, as Dutch writes them beside a decimal
    comma ("Normaal(0, 0, 5)" read as three numbers), the comma set as a decimal sign."""
    separator = r";\ "
    return rf"\mathrm{{{name}}}({separator.join(a.replace(',', '{,}') for a in args)})"
