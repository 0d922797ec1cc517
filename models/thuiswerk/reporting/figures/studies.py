"""The figures of the studies: simulation-based calibration (appendix B) and the size of the next survey
(chapter 4). They draw tables of :mod:`thuiswerk.studies`, compute nothing, and the chapters' cells hold
their captions.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from thuiswerk.core import nl
from thuiswerk.reporting.figures.style import FIGSIZE_WIDTH, PALETTE, root_figure, style_axes, wrap


def plot_sbc(curves: pd.DataFrame, tests: pd.DataFrame, axes: Sequence[Axes] | None = None) -> Figure:
    """Simulation-based calibration: per model, the ECDF of each quantity's PIT values minus
    the uniform CDF (grey lines), the simultaneous 95% band for one quantity (shaded), and
    the quantity with the smallest p-value (blue).

    ``curves`` is :func:`thuiswerk.studies.sbc.ecdf_curves`, ``tests`` :func:`thuiswerk.studies.sbc.uniformity`.
    Computes nothing.
    """
    from thuiswerk.studies import sbc

    models = list(dict.fromkeys(curves["model"]))
    if axes is None:
        made = Figure(figsize=(FIGSIZE_WIDTH, 3.8), layout="constrained").subplots(1, len(models), sharey=True,
                                                                                    squeeze=False)  # fmt: skip
        axes = list(made[0])
    fig = root_figure(axes[0])
    for ax, model in zip(axes, models):
        mine = curves[curves["model"] == model]
        worst = tests[tests["model"] == model].sort_values("p_value").iloc[0]
        band = mine[mine["quantity"] == worst["quantity"]]
        ax.fill_between(band["x"], band["lower"], band["upper"], color=PALETTE["grey"], alpha=0.25, linewidth=0,
                        label="Simultane 95%-band")  # fmt: skip
        for quantity, one in mine.groupby("quantity", sort=False):
            if quantity != worst["quantity"]:
                ax.plot(one["x"], one["difference"], color=PALETTE["grey"], linewidth=0.6, alpha=0.7)
        ax.plot(band["x"], band["difference"], color=PALETTE["blue"], linewidth=1.4, label="Kleinste p-waarde")
        ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
        ax.set_title(wrap(nl.model_nl(model), 30), fontsize=9)
        blue = wrap(f"Blauw: {sbc.quantity_nl(str(worst['quantity']))}", 34)
        ax.set_xlabel(f"Rang als fractie (PIT)\n{blue}", fontsize=7)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
        ax.xaxis.set_major_formatter(nl.decimal_formatter(2))
        ax.yaxis.set_major_formatter(nl.decimal_formatter(2))
        style_axes(ax, "y")
    axes[0].set_ylabel("ECDF min uniform", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=7, frameon=False)
    return fig


def plot_design(table: pd.DataFrame, current: int, target: float, axes: Sequence[Axes] | None = None) -> Figure:
    """Design of the next survey: per survey size, the probability that the finding is
    'duidelijk' (points with two Monte Carlo standard errors, the target as a dashed line)
    and the mean width of its 90% interval; the current survey's size marked.

    ``table`` is :func:`thuiswerk.studies.design.power` for one finding and effect. Computes nothing.
    """
    if axes is None:
        axes = list(Figure(figsize=(FIGSIZE_WIDTH, 3.0), layout="constrained").subplots(1, 2, squeeze=False)[0])
    fig = root_figure(axes[0])
    n = table["establishments"].to_numpy()
    left, right = axes[0], axes[1]
    left.errorbar(n, table["p_clear"], yerr=2 * table["se_clear"], fmt="o-", color=PALETTE["blue"], capsize=3)
    left.axhline(target, color=PALETTE["vermillion"], linestyle="--", linewidth=1,
                 label=f"Doel: {nl.percent(target)}")  # fmt: skip
    left.set_ylim(0, 1)
    left.set_ylabel("Kans op ‘duidelijk’", fontsize=8)
    left.yaxis.set_major_formatter(nl.percent_formatter())
    right.plot(n, table["width"], "o-", color=PALETTE["bluish_green"])
    right.set_ylabel("Breedte 90%-interval (logit)", fontsize=8)
    right.yaxis.set_major_formatter(nl.decimal_formatter(2))
    for ax in (left, right):
        ax.axvline(current, color=PALETTE["grey"], linestyle=":", linewidth=1, label="Deze enquête")
        ax.set_xscale("log")
        ax.set_xticks(n, [nl.number(v, 0) for v in n])
        ax.minorticks_off()
        ax.set_xlabel("Bezochte vestigingen", fontsize=8)
        style_axes(ax, "y")
    left.legend(loc="lower right", fontsize=7, frameon=False)
    return fig
