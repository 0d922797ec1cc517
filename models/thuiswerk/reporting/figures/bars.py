"""The bar-plot engine of the descriptive figures: grouped bars, 100% stacked bars and dot plots of mean
scores, each drawn from a tidy, protected frame (:mod:`thuiswerk.reporting.figures.cells`).

A blanked cell shows "–" and no bar; the plots print the ``n`` of shown cells only, and the footnote under
the value axis explains the blanks. National reference values (:class:`thuiswerk.data.references.Reference`)
are drawn as a dashed black line across their category (bars, dots) or as a hatched national column
(stacked bars), with the reference's ``label_nl`` in the legend; every reference artist has the gid
``reference:<key>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator

from thuiswerk.core import nl
from thuiswerk.data.references import Reference
from thuiswerk.reporting.figures.style import (
    PALETTE,
    WRAP,
    group_colour,
    group_labels,
    group_order,
    ink_on,
    legend_above,
    make_axes,
    percent_axis,
    shown_n,
    style_axes,
    title_above,
    value_axis_label,
    with_n,
    wrap,
)

#: How a national reference value is drawn: a dashed black line across its category.
REFERENCE_COLOUR = PALETTE["black"]
REFERENCE_LINE: dict[str, Any] = dict(color=REFERENCE_COLOUR, linestyle=(0, (4, 2)), linewidth=1.5, zorder=4)
REFERENCE_HATCH = "////"
REFERENCE_GID = "reference:"  # gid of every reference artist: "reference:<key>"


def _reference_handles(references: Mapping[Any, Reference] | None) -> list[Line2D]:
    """One legend entry per distinct ``label_nl`` (three NEA regions share "Landelijk (NEA 2022)")."""
    labels = dict.fromkeys(ref.label_nl for ref in (references or {}).values())
    return [Line2D([], [], label=label, **REFERENCE_LINE) for label in labels]


def _reference_line(ax: Axes, ref: Reference, pos: float, orient: str, half: float = 0.45, text: bool = True) -> None:
    """A dashed line at ``ref.value`` across the band ``pos ± half`` (and the value at its end)."""
    v = float(ref.value)
    span = [pos - half, pos + half]
    if orient == "h":
        ax.plot([v, v], span, gid=REFERENCE_GID + ref.key, **REFERENCE_LINE)
    else:
        ax.plot(span, [v, v], gid=REFERENCE_GID + ref.key, **REFERENCE_LINE)
    if text:
        common: dict[str, Any] = dict(
            textcoords="offset points", fontsize=7.5, color=REFERENCE_COLOUR, gid=REFERENCE_GID + ref.key
        )
        if orient == "h":  # the category axis is inverted: pos - half is the top of the band
            ax.annotate(ref.text, (v, pos - half), xytext=(2, 0), ha="left", va="top", **common)
        else:
            ax.annotate(ref.text, (pos + half, v), xytext=(1, 2), ha="left", va="bottom", **common)


def plot_bars(
    data: pd.DataFrame,
    ax: Axes | None,
    *,
    title: str,
    value_label: str,
    orient: str = "h",
    legend_title_n: bool = True,
    legend: bool = True,
    references: Mapping[Any, Reference] | None = None,
) -> Figure:
    """Grouped bars of ``share``: categories along one axis, groups side by side.

    ``references`` (category_code -> :class:`~thuiswerk.data.references.Reference`, a
    share) draws a dashed line at the reference value across that category.
    """
    cats = list(dict.fromkeys(data["category"]))
    groups = group_order(data)
    labels = group_labels(data)
    fig, ax = make_axes(
        ax, len(cats) * max(1, len(groups)) if orient == "h" else 6, per_row=0.26 if orient == "h" else 0.4
    )
    style_axes(ax, "x" if orient == "h" else "y")
    for i, cat in enumerate(cats):
        sub = data[data["category"] == cat]
        present = [g for g in groups if g in set(sub["group_code"])]
        width = 0.8 / max(1, len(present))
        for j, g in enumerate(present):
            row = sub[sub["group_code"] == g].iloc[0]
            pos = i + (j - (len(present) - 1) / 2) * width
            colour = group_colour(g, groups.index(g))
            if row["suppressed"] or pd.isna(row["share"]):
                text, value, inside = nl.MARKER, 0.0, False
            else:
                value = float(row["share"])
                text, inside = nl.percent(value), value > 0.88
                if orient == "h":
                    ax.barh(pos, value, height=width * 0.9, color=colour)
                else:
                    ax.bar(pos, value, width=width * 0.9, color=colour)
            offset = -3 if inside else 3
            ink = ink_on(colour) if inside else "#333333"
            common: dict[str, Any] = dict(textcoords="offset points", fontsize=8, color=ink)
            if orient == "h":
                ax.annotate(
                    text, (value, pos), xytext=(offset, 0), ha="right" if inside else "left", va="center", **common
                )
            else:
                ax.annotate(
                    text, (pos, value), xytext=(0, offset), ha="center", va="top" if inside else "bottom", **common
                )
    codes = dict(zip(data["category"], data["category_code"]))
    for i, cat in enumerate(cats):
        ref = (references or {}).get(codes[cat])
        if ref is not None:
            _reference_line(ax, ref, i, orient)
    ticks, ticklabels = list(range(len(cats))), [wrap(c, WRAP if orient == "h" else 14) for c in cats]
    if orient == "h":
        ax.set_yticks(ticks, ticklabels)
        ax.set_ylim(len(cats) - 0.5, -0.5)  # first category on top
        percent_axis(ax, "x")
        ax.set_xlabel(value_axis_label(data, value_label), fontsize=9)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_xticks(ticks, ticklabels)
        ax.set_xlim(-0.5, len(cats) - 0.5)
        percent_axis(ax, "y")
        ax.set_ylabel(value_axis_label(data, value_label), fontsize=9)
        ax.tick_params(axis="x", length=0)
    handles: list = []
    if legend and len(groups) > 1:
        for i, g in enumerate(groups):
            text = labels[g]
            if legend_title_n:
                text = with_n(text, shown_n(data, data["group_code"] == g))
            handles.append(Patch(color=group_colour(g, i), label=text))
    handles += _reference_handles(references)
    rows = legend_above(ax, handles, ncol=3) if handles else 0
    title_above(ax, title, rows)
    return fig


def plot_stacked(
    data: pd.DataFrame,
    ax: Axes | None,
    *,
    title: str,
    value_label: str,
    colours: dict[Any, str],
    reference_bars: Iterable[Reference] = (),
    reference_label: str = "",
    reference_rest: Any = None,
) -> Figure:
    """One 100% bar per group, segments are the categories (in row order).

    ``reference_bars`` (shares) are drawn below the groups, after a thin rule, as
    bars of two segments: the rest (1 - value) in the colour of category
    ``reference_rest`` on the left, then the reference value hatched on the right
    (legend ``reference_label``).
    """
    groups = group_order(data)
    labels = group_labels(data)
    cats = list(dict.fromkeys(data["category_code"]))
    cat_labels = dict(zip(data["category_code"], data["category"]))
    reference_bars = list(reference_bars)
    fig, ax = make_axes(ax, len(groups) + len(reference_bars), per_row=0.6, extra=2.0)
    style_axes(ax, "x")
    ticklabels = []
    for i, g in enumerate(groups):
        sub = data[data["group_code"] == g]
        ticklabels.append(with_n(wrap(labels[g], 26), shown_n(sub), sep="\n"))
        if sub["suppressed"].any() or sub["share"].isna().any():
            ax.annotate(nl.MARKER, (0, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=9)
            continue
        left = 0.0
        for _, row in sub.iterrows():
            share = float(row["share"])
            colour = colours[row["category_code"]]
            ax.barh(i, share, left=left, height=0.65, color=colour, edgecolor="white", linewidth=0.8)
            if share >= 0.06:
                ax.text(
                    left + share / 2, i, nl.percent(share), ha="center", va="center", fontsize=8, color=ink_on(colour)
                )
            left += share
    rest = colours.get(reference_rest, "#d9d9d9")
    for k, ref in enumerate(reference_bars):
        i = len(groups) + k
        ticklabels.append(wrap(ref.label_nl, 26))
        value = float(ref.value)
        gid = REFERENCE_GID + ref.key
        # the rest first (left), like the study's first category ("Geen RI&E"), then the value hatched
        ax.barh(i, 1.0 - value, height=0.65, color=rest, edgecolor="white", linewidth=0.8)
        ax.barh(
            i,
            value,
            left=1.0 - value,
            height=0.65,
            facecolor="white",
            edgecolor=REFERENCE_COLOUR,
            hatch=REFERENCE_HATCH,
            linewidth=0.8,
            gid=gid,
        )
        ax.text(
            1.0 - value / 2,
            i,
            ref.text,
            ha="center",
            va="center",
            fontsize=8,
            color=REFERENCE_COLOUR,
            bbox=dict(facecolor="white", edgecolor="none", pad=1.0),
            gid=gid,
        )
    if reference_bars:
        ax.axhline(len(groups) - 0.5, color="#888888", linewidth=0.8)
    ax.set_yticks(range(len(groups) + len(reference_bars)), ticklabels)
    ax.set_ylim(len(groups) + len(reference_bars) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    percent_axis(ax, "x")
    ax.set_xlabel(value_axis_label(data, value_label), fontsize=9)
    handles = [Patch(color=colours[c], label=cat_labels[c]) for c in cats]
    if reference_bars:
        handles.append(
            Patch(facecolor="white", edgecolor=REFERENCE_COLOUR, hatch=REFERENCE_HATCH, label=reference_label)
        )
    rows = legend_above(ax, handles, ncol=len(handles))
    title_above(ax, title, rows)
    return fig


def plot_means(
    data: pd.DataFrame,
    ax: Axes | None,
    *,
    title: str,
    value_label: str,
    scale: tuple[int, int] = (1, 5),
    references: Mapping[Any, Reference] | None = None,
) -> Figure:
    """Dot plot of mean scores on a 1-5 scale, one dot per group and item.

    ``references`` (category_code -> score reference) draws a dashed line at the
    reference score across that item.
    """
    cats = list(dict.fromkeys(data["category"]))
    groups = group_order(data)
    labels = group_labels(data)
    fig, ax = make_axes(ax, len(cats) * max(1, len(groups)), per_row=0.22)
    style_axes(ax, "x")
    step = 0.32 if len(groups) > 1 else 0.0
    for i, cat in enumerate(cats):
        sub = data[data["category"] == cat]
        for j, g in enumerate(groups):
            hit = sub[sub["group_code"] == g]
            if hit.empty:
                continue
            row = hit.iloc[0]
            pos = i + (j - (len(groups) - 1) / 2) * step
            if row["suppressed"] or pd.isna(row["mean"]):
                ax.annotate(
                    nl.MARKER, (scale[0], pos), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
                )
                continue
            mean = float(row["mean"])
            colour = group_colour(g, j)
            ax.plot([scale[0], mean], [pos, pos], color=colour, linewidth=1.2, alpha=0.5, solid_capstyle="butt")
            ax.plot([mean], [pos], marker="o", markersize=7, linestyle="none", color=colour)
            ax.annotate(
                nl.number(mean, 1),
                (mean, pos),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color="#333333",
            )
    codes = dict(zip(data["category"], data["category_code"]))
    for i, cat in enumerate(cats):
        ref = (references or {}).get(codes[cat])
        if ref is not None:
            _reference_line(ax, ref, i, "h", half=0.4, text=False)
    ax.set_yticks(range(len(cats)), [wrap(c) for c in cats])
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(scale[0] - 0.05, scale[1] + 0.2)
    ax.xaxis.set_major_locator(FixedLocator(list(range(scale[0], scale[1] + 1))))
    ax.xaxis.set_major_formatter(nl.decimal_formatter(0))
    ax.set_xlabel(value_axis_label(data, value_label), fontsize=9)
    handles: list = []
    if len(groups) > 1:
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markersize=7,
                color=group_colour(g, i),
                label=with_n(labels[g], shown_n(data, data["group_code"] == g)),
            )
            for i, g in enumerate(groups)
        ]
    handles += _reference_handles(references)
    rows = legend_above(ax, handles, ncol=3) if handles else 0
    title_above(ax, title, rows)
    return fig
