"""The look every figure of the report shares: palette, sizes, and the helpers that make and style an axes,
wrap and count labels, place the legend and title, and format a percentage axis.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot), so no display or GUI backend is
involved and a figure returned in a Quarto/Jupyter cell is shown once.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Literal

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from thuiswerk.core import disclosure, nl
from thuiswerk.core.nl import MIN_CELL

# --------------------------------------------------------------------------- palette

#: The report's one palette: Okabe & Ito (2008), safe for the common forms of
#: colour-blindness. Ordered categories use shades of ``blue`` (lightness only).
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "sky_blue": "#56B4E9",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#999999",
    "black": "#000000",
}

#: Colour of each group (``group_code``) wherever it appears.
GROUP_COLOURS: dict[str, str] = {
    "leidinggevende": PALETTE["blue"],
    "niet_leidinggevende": PALETTE["orange"],
    "werkgever": PALETTE["bluish_green"],
    "alle": PALETTE["grey"],
    "vestigingen": PALETTE["blue"],
    "voor_pandemie": PALETTE["sky_blue"],
    "voornemen": PALETTE["blue"],
    "voor_gesprek": PALETTE["sky_blue"],
    "na_gesprek": PALETTE["vermillion"],
}

FIGSIZE_WIDTH = 7.5  # inches; height follows the number of bars
WRAP = 34  # characters per line of a category label


def shades(k: int, base: str = PALETTE["blue"]) -> list[str]:
    """``k`` shades of ``base`` from light to full colour (for ordered categories)."""
    rgb = np.array(mcolors.to_rgb(base))
    weights = np.linspace(0.25, 1.0, k) if k > 1 else np.array([1.0])
    return [mcolors.to_hex(1 - w * (1 - rgb)) for w in weights]


# --------------------------------------------------------------------------- axes, labels, legend


def root_figure(ax: Axes) -> Figure:
    """The top-level Figure of ``ax`` (also when ``ax`` lives in a SubFigure)."""
    try:
        root = ax.get_figure(root=True)
        assert root is not None  # an Axes always belongs to a figure
        return root
    except TypeError:  # matplotlib < 3.10
        fig = ax.figure
        while not isinstance(fig, Figure):
            fig = fig.figure
        return fig


def make_axes(ax: Axes | None, n_rows: int, per_row: float = 0.32, extra: float = 1.6) -> tuple[Figure, Axes]:
    if ax is None:
        fig = Figure(figsize=(FIGSIZE_WIDTH, max(2.8, extra + per_row * n_rows)), layout="constrained")
        ax = fig.add_subplot()
    return root_figure(ax), ax


def style_axes(ax: Axes, value_axis: Literal["x", "y"]) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)
    ax.grid(axis=value_axis, color="#dddddd", linewidth=0.8)
    ax.tick_params(axis="both", labelsize=9)


def wrap(text: str, width: int = WRAP) -> str:
    return textwrap.fill(str(text), width, break_long_words=False)


def n_label(ns: Iterable[int]) -> str:
    ns = sorted(set(int(n) for n in ns if pd.notna(n)))
    if not ns:
        return ""
    return f"n = {nl.number(ns[0], 0)}" if len(ns) == 1 else f"n = {nl.number(ns[0], 0)}–{nl.number(ns[-1], 0)}"


def shown_n(data: pd.DataFrame, mask: pd.Series | None = None) -> str:
    """ "n = 12–240" over the shown cells (``mask``: the rows of one group); a blank's ``n`` is not printed."""
    shown = ~data["suppressed"].astype(bool)
    return n_label(data.loc[shown if mask is None else (mask & shown), "n"])


def with_n(label: str, n_text: str, sep: str = " ") -> str:
    return f"{label}{sep}({n_text})" if n_text else label


def value_axis_label(data: pd.DataFrame, text: str) -> str:
    text = textwrap.fill(text, 58)
    if data["suppressed"].any():
        secondary = bool(data[disclosure.SECONDARY].any()) if disclosure.SECONDARY in data.columns else False
        return f"{text}\n{nl.footnote(data.attrs.get('min_n', MIN_CELL), secondary=secondary)}"
    return text


def legend_above(ax: Axes, handles: list, ncol: int | None = None) -> int:
    """Legend in rows above the plot area, never wider than the axes; returns its number of rows.

    Widths are measured with the renderer (text extents, independent of the
    layout): in a figure of its own the axes spans the figure width minus its
    y tick labels; in a passed-in figure with several axes, the axes' width.
    """
    if not handles:
        return 0
    ncol = min(ncol or 3, len(handles))
    fig = root_figure(ax)
    if len(fig.axes) == 1:
        labels = ax.yaxis.get_tightbbox()
        available = fig.bbox.width - (labels.width if labels is not None else 0) - 24 * fig.dpi / 72
    else:
        available = ax.get_window_extent().width
    while True:
        legend = ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=ncol,
            frameon=False,
            fontsize=9,
            borderaxespad=0.3,
            handlelength=1.2,
        )
        if ncol == 1 or legend.get_window_extent().width <= available:
            break
        ncol -= 1
    return -(-len(handles) // ncol)


def title_above(ax: Axes, title: str, legend_rows: int = 0) -> None:
    """Bold title, left-aligned, above the legend rows (if any)."""
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", pad=8 + 17 * legend_rows)


def percent_axis(ax: Axes, axis: str) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, 1)
    target.set_major_locator(MultipleLocator(0.2))
    target.set_major_formatter(nl.percent_formatter())


def group_order(data: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(data["group_code"]))


def group_labels(data: pd.DataFrame) -> dict[str, str]:
    return dict(zip(data["group_code"], data["group"]))


def ink_on(fill: str) -> str:
    """Text colour readable on ``fill``: white on dark fills, near-black on light ones."""
    r, g, b = mcolors.to_rgb(fill)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else "#222222"


def group_colour(group_code: str, i: int) -> str:
    fallback = [PALETTE["blue"], PALETTE["orange"], PALETTE["bluish_green"], PALETTE["vermillion"]]
    return GROUP_COLOURS.get(group_code, fallback[i % len(fallback)])
