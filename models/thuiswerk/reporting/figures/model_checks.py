"""The model-check figures of appendix B: the posterior predictive checks per aspect, region or measure,
and per answer category. They draw tables of :mod:`thuiswerk.analysis.checks`, compute nothing and never
sample; the chapters' cells hold their captions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl
from thuiswerk.core.nl import MIN_CELL
from thuiswerk.reporting.figures.style import PALETTE, make_axes, style_axes, wrap


def plot_predictive_check(
    table: pd.DataFrame, value_label: str, scale: str = "share", ax: Axes | None = None
) -> Figure:
    """Posterior predictive check: observed statistic (point) against the model's interval (bar).

    ``table`` is :func:`thuiswerk.analysis.checks.predictive_table` (one row per aspect, region or
    measure, with ``observed``, ``lo`` and ``hi``). Computes nothing, never samples. A
    blanked group (``suppressed``: fewer than 10 employees) gets "–" and no bar or point,
    and the footnote under the value axis.
    """
    labels = [wrap(_item_label(str(i))) for i in table.index]
    hidden = _hidden(table)
    fig, ax = make_axes(ax, len(table))
    y = np.arange(len(table))[::-1]
    shown = ~hidden
    ax.hlines(
        y[shown],
        table["lo"][shown],
        table["hi"][shown],
        color=PALETTE["blue"],
        linewidth=6,
        alpha=0.5,
        label="Model (interval)",
    )
    ax.plot(table["observed"][shown], y[shown], "o", color=PALETTE["vermillion"], label="Waargenomen")
    for pos in y[hidden]:
        ax.annotate(
            nl.MARKER,
            (0, pos),
            xycoords=("axes fraction", "data"),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_yticks(y, labels)
    ax.set_xlabel(_check_footnote(table, value_label))
    ax.xaxis.set_major_formatter(nl.percent_formatter() if scale == "share" else nl.decimal_formatter(1))
    ax.legend(loc="lower right", fontsize=8)
    style_axes(ax, "x")
    return fig


def plot_category_check(table: pd.DataFrame, fig: Figure | None = None) -> Figure:
    """Ordinal posterior predictive check per answer category, one panel per aspect.

    ``table`` is :func:`thuiswerk.analysis.checks.category_table`.
    """
    data = table.reset_index()
    data = data[~_hidden(data)]  # an aspect of fewer than 10 employees is left out (its panel says so)
    hidden_aspects = [a for a in dict.fromkeys(table.reset_index()["aspect"]) if a not in set(data["aspect"])]
    aspects = list(dict.fromkeys(table.reset_index()["aspect"]))
    fig = fig or Figure(figsize=(7.5, 2.5 * ((len(aspects) + 2) // 3)), layout="constrained")
    axes = np.atleast_1d(fig.subplots((len(aspects) + 2) // 3, min(3, len(aspects)), sharex=True, sharey=True)).ravel()
    for ax, aspect in zip(axes, aspects, strict=False):
        d = data[data["aspect"] == aspect]
        if aspect in hidden_aspects:
            ax.text(
                0.5,
                0.5,
                nl.footnote(table.attrs.get("min_n", MIN_CELL), noun="werknemers"),
                ha="center",
                va="center",
                fontsize=8,
                transform=ax.transAxes,
            )
        ax.vlines(d["category"], d["lo"], d["hi"], color=PALETTE["blue"], linewidth=3, alpha=0.6, label="Model")
        ax.plot(d["category"], d["observed"], "o", color=PALETTE["vermillion"], label="Waargenomen")
        ax.set_title(wrap(_item_label(aspect)), fontsize=8)
        ax.set_xlabel("Antwoordcategorie", fontsize=8)
        ax.set_ylabel("Aandeel werknemers", fontsize=8)
        ax.yaxis.set_major_formatter(nl.percent_formatter())
    for ax in axes[len(aspects) :]:
        ax.remove()
    shown = [ax for ax, aspect in zip(axes, aspects, strict=False) if aspect not in hidden_aspects]
    if shown:
        shown[0].legend(fontsize=7)
    return fig


def _hidden(table: pd.DataFrame) -> np.ndarray:
    """The blanked rows of a predictive-check table (none when it has no ``suppressed`` column)."""
    if "suppressed" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return table["suppressed"].fillna(False).to_numpy(dtype=bool)


def _check_footnote(table: pd.DataFrame, text: str) -> str:
    if _hidden(table).any():
        return f"{text}\n{nl.footnote(table.attrs.get('min_n', MIN_CELL), noun='werknemers')}"
    return text


def _item_label(code: str) -> str:
    """Dutch label of a measure id or codebook variable; the code itself otherwise."""
    cb = codebook_module.load()
    if code in cb.measures:
        return nl.measure_label(code)
    if any(v.name == code for v in cb.variables):
        return nl.label(code)
    return code
