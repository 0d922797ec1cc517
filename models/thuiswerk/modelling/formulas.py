"""Predictors written as formula terms (the ``formulae`` library, as bambi uses).

A predictor entry of a model spec that is not a name of
:data:`thuiswerk.modelling.prepare.PREDICTORS` is one right-hand-side term of a
formula: an interaction ``age_10:female``, a transformation ``I(age_10 ** 2)`` or
``np.log(x)``, a 0/1 indicator ``I(sector == 'zorg')``. It is evaluated by
``formulae`` over a frame in which every name of ``PREDICTORS`` is its computed
column (so ``age_10:female`` is the product of the two scaled columns) and every
other name a raw codebook column.

One entry is one column (one coefficient): a term that expands into several
(``C(sector)``, a bare category column, ``a*b``, ``a + b``) is refused, as are
group-specific terms (``x|g``; the grouping is fixed by the model) and responses.
A row with an empty value in any variable of the term stays empty (NaN), whatever
the term computes from it, so the models' exclusion counting sees it; ``formulae``
never drops a row here (``na_action="pass"``).

This module knows nothing of the package's predictors: :mod:`thuiswerk.modelling.prepare` passes
what a name means (:class:`Variables`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Names a term may call besides its variables (``np.log(age)``).
NAMESPACE: dict[str, Any] = {"np": np}


@dataclass(frozen=True)
class Variables:
    """What the names of a term may be: ``numeric`` and ``coded`` (category) columns, and their labels."""

    numeric: frozenset[str]
    coded: Mapping[str, str]  # name -> one valid code (for the dry run of a term)


@dataclass(frozen=True)
class Term:
    """One parsed formula term: its text, its variables (in order of appearance) and its parts."""

    text: str
    variables: tuple[str, ...]
    parts: tuple[tuple[str, str], ...]  # (kind, name): ("variable", "age_10") or ("call", "I(age_10 ** 2)")

    @property
    def is_interaction_of_variables(self) -> bool:
        return all(kind == "variable" for kind, _ in self.parts)


def _quiet_formulae() -> None:
    # formulae logs "Keeping N/M rows with at least one missing value" at INFO on every call; the package
    # counts excluded rows itself.
    logging.getLogger("formulae").setLevel(logging.WARNING)


def parse(text: str, names: Variables) -> Term:
    """The term ``text`` means, or a ValueError saying why it cannot be one predictor."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a predictor must be a name or a formula term, not an empty value")
    text = text.strip()
    for sign, why in (
        ("~", "a predictor is one right-hand-side term, without '~'"),
        ("|", "group-specific terms (x|g) are not predictors: the model's groups are fixed"),
        (",", "a term with a comma cannot name a coefficient; write it without one"),
    ):
        if sign in text:
            raise ValueError(why)
    from formulae import model_description

    try:
        description = model_description(f"0 + {text}")
    except Exception as exc:  # formulae raises its own ParseError, ScanError, ValueError...
        raise ValueError(f"does not parse as a formula term ({type(exc).__name__}: {exc})") from None
    if description.group_terms or description.response is not None:
        raise ValueError("group-specific terms and responses are not predictors")
    terms = [t for t in description.common_terms if type(t).__name__ == "Term"]
    if len(terms) != 1 or len(description.common_terms) != 1:
        found = ", ".join(str(getattr(t, "name", t)) for t in description.common_terms) or "none"
        raise ValueError(f"must be one term giving one column, but gives the terms {found}; list each one apart")
    term = terms[0]
    parts: list[tuple[str, str]] = []
    for component in term.components:
        kind = type(component).__name__
        name = str(component.name)
        if kind == "Variable":
            if name in names.coded:
                raise ValueError(
                    f"{name} is a category column and would expand into several columns; use a 0/1 indicator "
                    f"such as I({name} == '{names.coded[name]}')"
                )
            parts.append(("variable", name))
        elif kind == "Call":
            if name.startswith("C("):
                inner = next((v for v in sorted(component.var_names) if v in names.coded), "sector")
                example = f"I({inner} == '{names.coded.get(inner, '...')}')"
                raise ValueError(
                    f"C(...) expands into several columns (one per category); use 0/1 indicators such as "
                    f"{example}, one entry each"
                )
            parts.append(("call", name))
        else:
            raise ValueError(f"cannot use the part {name} ({kind}) of a formula term as a predictor")
    variables = sorted((v for v in term.var_names if v), key=lambda v: (text.find(v), v))
    unknown = [v for v in variables if v not in names.numeric and v not in names.coded]
    if unknown:
        raise ValueError(
            f"unknown variable(s) {', '.join(unknown)}: a term uses names of "
            "thuiswerk.modelling.prepare.PREDICTORS and codebook columns"
        )
    parsed = Term(text, tuple(variables), tuple(parts))
    dry = pd.DataFrame({v: [names.coded[v]] * 2 if v in names.coded else [1.0, 2.0] for v in variables})
    evaluate(parsed, dry)  # an unknown function, or a result that is not one numeric column
    return parsed


def evaluate(term: Term, data: pd.DataFrame) -> np.ndarray:
    """The term's column over ``data`` (which holds its variables), NaN where any of its variables is empty."""
    if len(data) == 0:
        return np.zeros(0)
    from formulae import design_matrices

    _quiet_formulae()
    frame = pd.DataFrame(index=pd.RangeIndex(len(data)))
    for v in term.variables:
        column = data[v]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            frame[v] = column.to_numpy(dtype=float, na_value=np.nan)
        else:
            frame[v] = column.astype(object).where(column.notna(), np.nan).to_numpy()
    try:
        design = design_matrices(f"0 + {term.text}", frame, na_action="pass", extra_namespace=NAMESPACE)
        matrix = np.asarray(design.common.design_matrix)
    except Exception as exc:  # whatever the term's expression raises
        raise ValueError(f"cannot evaluate {term.text!r} ({type(exc).__name__}: {exc})") from None
    if matrix.ndim != 2 or matrix.shape[1] != 1:
        raise ValueError(f"{term.text!r} gives {matrix.shape[-1]} columns, not one")
    try:
        values = matrix[:, 0].astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{term.text!r} is not numeric") from None
    empty = frame[list(term.variables)].isna().any(axis=1).to_numpy() if term.variables else np.zeros(len(frame), bool)
    values[empty] = np.nan
    return values
