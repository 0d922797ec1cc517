"""thuiswerk: Bayesian re-analysis of the Arbo in Bedrijf Special Thuiswerken survey.

``import thuiswerk as tw`` is the interface for notebooks (:mod:`thuiswerk.api`):
``tw.load_survey``, ``tw.model``, ``tw.fit_model``, ``tw.load_fit``,
``tw.findings_table``, ``tw.synthetic_survey`` and ``tw.MODELS`` (none named like
one of the package's layers, so ``from thuiswerk import data`` stays the layer). They load on first use, so
importing the package is quick and changes no setting of PyMC or PyTensor.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["MODELS", "findings_table", "fit_model", "load_fit", "load_survey", "model", "synthetic_survey"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from thuiswerk import api

        return getattr(api, name)
    raise AttributeError(f"module 'thuiswerk' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
