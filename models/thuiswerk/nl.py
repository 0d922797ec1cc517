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
table (:mod:`thuiswerk.findings`) before any fit is looked at (for example
P(effect < 0) for "minder werkdruk")::

    p_direction >= 0.975           -> "duidelijk"               (EVIDENCE_CLEAR)
    0.90 <= p_direction < 0.975    -> "aanwijzing"              (EVIDENCE_HINT)
    p_direction < 0.90             -> "geen duidelijk verband"  (EVIDENCE_NONE)

0.975 makes "duidelijk" as strict as the source report's significance (a
two-sided test at 5%, or one-sided at 2.5%). Both bounds belong to the stronger
wording. The direction is never chosen after looking: a posterior that points
the other way gives "geen duidelijk verband" for the expected direction.

Disclosure control (:func:`suppress`)
-------------------------------------
No percentage or mean computed from fewer than :data:`MIN_CELL` (10)
respondents is shown. :func:`suppress` blanks such values (``NaN``) and sets a
boolean flag column; formatters render the blank as :data:`MARKER` ("–") and
:func:`footnote` gives the matching footnote ("– minder dan 10 respondenten").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pandas as pd

from thuiswerk import codebook as codebook_module

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

MIN_CELL = 10  # smallest number of respondents behind a shown percentage or mean
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
    return text.translate(str.maketrans({",": THOUSANDS_SEPARATOR, ".": DECIMAL_SEPARATOR}))


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
    below 0.90 -> "geen duidelijk verband". See the module docstring for the
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
    return EVIDENCE_NONE


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


def footnote(min_n: int = MIN_CELL) -> str:
    """The footnote explaining :data:`MARKER`: "– minder dan 10 respondenten"."""
    return f"{MARKER} minder dan {min_n} respondenten"


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

_NUMBER_WORDS = ("nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien",
                 "elf", "twaalf")


def number_word(n: int) -> str:
    """A small count in words ("drie"), larger ones in digits ("13")."""
    n = int(n)
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else number(n, 0)


def count_of(k: int, n: int) -> str:
    """"geen van de vier", "één van de vier", "alle vier": a count out of a total, in words."""
    k, n = int(k), int(n)
    if not 0 <= k <= n:
        raise ValueError(f"count_of() needs 0 <= k <= n, got {k} of {n}")
    if k == 0:
        return f"geen van de {number_word(n)}"
    if k == n:
        return "beide" if n == 2 else f"alle {number_word(n)}"
    return f"{number_word(k)} van de {number_word(n)}"
