"""The descriptive figures and Table 1 of the report, remade from the survey data.

One figure of the seed report ("Figuur 1" to "Figuur 17") is two functions:

* ``<name>_data(establishments, employees, min_n=MIN_CELL)`` — pure: computes a
  tidy DataFrame with one row per plotted cell and the columns
  ``group_code, group, category_code, category, n, count, share`` (or ``mean``
  and ``sd`` for mean scores) and ``suppressed``. ``n`` is the number of
  respondents (employees or establishments) behind the cell; cells with
  ``n < min_n`` are blanked (``NaN``) and flagged, and so are the cells that
  would let a blank be worked out from a total minus its siblings
  (complementary suppression, :mod:`thuiswerk.core.disclosure`; those are also
  flagged ``secondary``). Row order is plotting order.
* ``plot_<name>(data, ax=None)`` — draws that frame into ``ax`` (or a new
  figure) and returns the :class:`matplotlib.figure.Figure`. Its docstring holds
  the Dutch caption ("Bijschrift:") and alt text ("Alt-tekst:"), collected in
  :data:`CAPTIONS` under the Quarto label.

Nothing here samples, fits or reads files; establishment-level values are only
ever shown aggregated.

Disclosure control: every data function ends in :func:`_finish`, which calls
:func:`thuiswerk.core.disclosure.protect` with the figure's sibling groups (managers
and non-managers, whose total the text and appendix B publish; the size
classes under "Alle vestigingen"; the sectors). The plots print the ``n`` of
shown cells only, and the footnote under the value axis explains the blanks. Figures are built with :class:`matplotlib.figure.Figure`
(no pyplot), so no display or GUI backend is involved and a figure returned in a
Quarto/Jupyter cell is shown once.

:data:`FIGURES` lists every figure in seed order (label -> number, data
function, plot function); :func:`figure` makes one by its label. :func:`table1`
is Table 1 (measures by informant) with its caption under ``tbl-maatregelen``.

Missing values: every share or mean is over the respondents with a
non-missing answer to that item (questionnaire items: the employees who
completed the online questionnaire and answered the item).

National reference values (``data/references.yaml``, :mod:`thuiswerk.data.references`)
are drawn where the source report compares with them: a figure's
:class:`FigureSpec` maps plotted categories to reference keys, :func:`figure`
resolves them and passes ``references={category_code: Reference}`` to the plot
function, which draws a dashed black line (bars, dots) or a hatched national
column (Figure 15) with the reference's ``label_nl`` in the legend. The plot
functions draw no reference when called without ``references``.
:func:`rie_by_sector_table` is the RI&E by sector and size class table
(``tbl-rie-sector``), which the source report gives in its text only.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MultipleLocator

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import disclosure, nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.core.nl import MIN_CELL
from thuiswerk.data import references as references_module
from thuiswerk.data.describe import KANS_REGIONS
from thuiswerk.data.references import Reference

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

SHARE_COLUMNS = ["count", "share"]
MEAN_COLUMNS = ["mean", "sd"]

#: Units of suppression: one item per row (a share or mean of one question), or
#: all categories of one answer distribution (one bar of a stacked or grouped figure).
ITEM = ("group_code", "category_code")
DISTRIBUTION = ("group_code",)
#: A mean score: each answer lies on the item's scale (columns added by :func:`_mean_row`).
MEAN = disclosure.Measure("mean", lo="scale_min", hi="scale_max")

#: How a national reference value is drawn: a dashed black line across its category.
REFERENCE_COLOUR = PALETTE["black"]
REFERENCE_LINE: dict[str, Any] = dict(color=REFERENCE_COLOUR, linestyle=(0, (4, 2)), linewidth=1.5, zorder=4)
REFERENCE_HATCH = "////"
REFERENCE_GID = "reference:"  # gid of every reference artist: "reference:<key>"


def shades(k: int, base: str = PALETTE["blue"]) -> list[str]:
    """``k`` shades of ``base`` from light to full colour (for ordered categories)."""
    rgb = np.array(mcolors.to_rgb(base))
    weights = np.linspace(0.25, 1.0, k) if k > 1 else np.array([1.0])
    return [mcolors.to_hex(1 - w * (1 - rgb)) for w in weights]


# --------------------------------------------------------------------------- helpers: data


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _strip_prefix(text: str) -> str:
    """'Voordeel: meer focus' -> 'Meer focus'."""
    return _cap(text.split(":", 1)[1].strip()) if ":" in text else text


def _categories(variable: str) -> dict[Any, str]:
    return dict(codebook_module.load().find(variable).categories)


def _valid(series: pd.Series) -> pd.Series:
    return series.dropna()


def _share_row(group_code: str, group: str, category_code: Any, category: str, hits: pd.Series) -> dict:
    """One cell: ``hits`` is a boolean Series over the respondents with an answer."""
    n = int(len(hits))
    count = int(hits.sum())
    return {
        "group_code": group_code,
        "group": group,
        "category_code": category_code,
        "category": category,
        "n": n,
        "count": count,
        "share": count / n if n else np.nan,
    }


def _scale(variable: str) -> tuple[float, float]:
    """Lowest and highest code of an ordinal codebook item (1 and 5 for a 1-5 scale)."""
    codes = [float(c) for c in codebook_module.load().find(variable).categories]
    return min(codes), max(codes)


def _mean_row(group_code: str, group: str, category_code: Any, category: str, values: pd.Series) -> dict:
    """One mean score; ``category_code`` is the codebook item (its scale bounds the disclosure audit)."""
    v = pd.to_numeric(_valid(values), errors="coerce").dropna().astype(float)
    n = int(len(v))
    lo, hi = _scale(str(category_code))
    return {
        "group_code": group_code,
        "group": group,
        "category_code": category_code,
        "category": category,
        "n": n,
        "mean": float(v.mean()) if n else np.nan,
        "sd": float(v.std(ddof=1)) if n > 1 else np.nan,
        "scale_min": lo,
        "scale_max": hi,
    }


def _partitions(frame: pd.DataFrame, unit: tuple[str, ...], groups: Iterable[str]) -> list[list]:
    """Sibling units: the ``groups`` (e.g. the two roles) of each item, or of the whole distribution."""
    present = set(frame["group_code"])
    groups = [g for g in groups if g in present]
    if tuple(unit) == DISTRIBUTION:
        return [groups]
    return [[(g, c) for g in groups] for c in dict.fromkeys(frame["category_code"])]


def _finish(
    rows: list[dict],
    min_n: int,
    values: list[str],
    *,
    unit: tuple[str, ...] = ITEM,
    siblings: Iterable[Iterable[str]] = (),
    measures: tuple[disclosure.Measure, ...] | None = None,
) -> pd.DataFrame:
    """The tidy frame of the rows, protected (:func:`thuiswerk.core.disclosure.protect`).

    ``siblings``: groups of ``group_code`` whose respondents together make up a
    published total (:data:`ROLES`: the text and appendix B give the total over
    both roles), per item (``unit=ITEM``) or per distribution (``DISTRIBUTION``).
    """
    frame = pd.DataFrame(rows)
    frame["n"] = frame["n"].astype("int64")
    if measures is None:
        measures = (MEAN,) if "mean" in values and "share" not in values else (disclosure.SHARE,)
    partitions = [p for groups in siblings for p in _partitions(frame, unit, groups)]
    return disclosure.protect(
        frame,
        unit=unit,
        measures=measures,
        partitions=partitions,
        values=[c for c in values if c in frame.columns],
        min_n=min_n,
    )


def _roles(employees: pd.DataFrame) -> Iterable[tuple[str, str, pd.DataFrame]]:
    labels = _categories("role")
    for code in ROLES:
        yield code, labels[code], employees[employees["role"] == code]


def _category_rows(
    series: pd.Series,
    group_code: str,
    group: str,
    categories: dict[Any, str],
    cumulative: dict[Any, list] | None = None,
) -> list[dict]:
    """Shares of each category (or of each set of codes in ``cumulative``)."""
    answered = _valid(series)
    sets = cumulative or {code: [code] for code in categories}
    return [_share_row(group_code, group, code, categories[code], answered.isin(codes)) for code, codes in sets.items()]


def _boolean_rows(frame: pd.DataFrame, columns: list[str], group_code: str, group: str, label=None) -> list[dict]:
    label = label or (lambda c: nl.label(c))
    rows = []
    for col in columns:
        answered = _valid(frame[col])
        rows.append(_share_row(group_code, group, col, label(col), answered == 1))
    return rows


# --------------------------------------------------------------------------- helpers: plotting


def _root_figure(ax: Axes) -> Figure:
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


def _axes(ax: Axes | None, n_rows: int, per_row: float = 0.32, extra: float = 1.6) -> tuple[Figure, Axes]:
    if ax is None:
        fig = Figure(figsize=(FIGSIZE_WIDTH, max(2.8, extra + per_row * n_rows)), layout="constrained")
        ax = fig.add_subplot()
    return _root_figure(ax), ax


def _style(ax: Axes, value_axis: Literal["x", "y"]) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)
    ax.grid(axis=value_axis, color="#dddddd", linewidth=0.8)
    ax.tick_params(axis="both", labelsize=9)


def _wrap(text: str, width: int = WRAP) -> str:
    return textwrap.fill(str(text), width, break_long_words=False)


def _n_text(ns: Iterable[int]) -> str:
    ns = sorted(set(int(n) for n in ns if pd.notna(n)))
    if not ns:
        return ""
    return f"n = {nl.number(ns[0], 0)}" if len(ns) == 1 else f"n = {nl.number(ns[0], 0)}–{nl.number(ns[-1], 0)}"


def _shown_n(data: pd.DataFrame, mask: pd.Series | None = None) -> str:
    """ "n = 12–240" over the shown cells (``mask``: the rows of one group); a blank's ``n`` is not printed."""
    shown = ~data["suppressed"].astype(bool)
    return _n_text(data.loc[shown if mask is None else (mask & shown), "n"])


def _with_n(label: str, n_text: str, sep: str = " ") -> str:
    return f"{label}{sep}({n_text})" if n_text else label


def _value_label(data: pd.DataFrame, text: str) -> str:
    text = textwrap.fill(text, 58)
    if data["suppressed"].any():
        secondary = bool(data[disclosure.SECONDARY].any()) if disclosure.SECONDARY in data.columns else False
        return f"{text}\n{nl.footnote(data.attrs.get('min_n', MIN_CELL), secondary=secondary)}"
    return text


def _legend(ax: Axes, handles: list, ncol: int | None = None) -> int:
    """Legend in rows above the plot area, never wider than the axes; returns its number of rows.

    Widths are measured with the renderer (text extents, independent of the
    layout): in a figure of its own the axes spans the figure width minus its
    y tick labels; in a passed-in figure with several axes, the axes' width.
    """
    if not handles:
        return 0
    ncol = min(ncol or 3, len(handles))
    fig = _root_figure(ax)
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


def _title(ax: Axes, title: str, legend_rows: int = 0) -> None:
    """Bold title, left-aligned, above the legend rows (if any)."""
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", pad=8 + 17 * legend_rows)


def _percent_axis(ax: Axes, axis: str) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, 1)
    target.set_major_locator(MultipleLocator(0.2))
    target.set_major_formatter(nl.percent_formatter())


def _group_order(data: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(data["group_code"]))


def _group_labels(data: pd.DataFrame) -> dict[str, str]:
    return dict(zip(data["group_code"], data["group"]))


def _ink(fill: str) -> str:
    """Text colour readable on ``fill``: white on dark fills, near-black on light ones."""
    r, g, b = mcolors.to_rgb(fill)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else "#222222"


def _colour(group_code: str, i: int) -> str:
    fallback = [PALETTE["blue"], PALETTE["orange"], PALETTE["bluish_green"], PALETTE["vermillion"]]
    return GROUP_COLOURS.get(group_code, fallback[i % len(fallback)])


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


def _plot_bars(
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
    groups = _group_order(data)
    labels = _group_labels(data)
    fig, ax = _axes(ax, len(cats) * max(1, len(groups)) if orient == "h" else 6, per_row=0.26 if orient == "h" else 0.4)
    _style(ax, "x" if orient == "h" else "y")
    for i, cat in enumerate(cats):
        sub = data[data["category"] == cat]
        present = [g for g in groups if g in set(sub["group_code"])]
        width = 0.8 / max(1, len(present))
        for j, g in enumerate(present):
            row = sub[sub["group_code"] == g].iloc[0]
            pos = i + (j - (len(present) - 1) / 2) * width
            colour = _colour(g, groups.index(g))
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
            ink = _ink(colour) if inside else "#333333"
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
    ticks, ticklabels = list(range(len(cats))), [_wrap(c, WRAP if orient == "h" else 14) for c in cats]
    if orient == "h":
        ax.set_yticks(ticks, ticklabels)
        ax.set_ylim(len(cats) - 0.5, -0.5)  # first category on top
        _percent_axis(ax, "x")
        ax.set_xlabel(_value_label(data, value_label), fontsize=9)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_xticks(ticks, ticklabels)
        ax.set_xlim(-0.5, len(cats) - 0.5)
        _percent_axis(ax, "y")
        ax.set_ylabel(_value_label(data, value_label), fontsize=9)
        ax.tick_params(axis="x", length=0)
    handles: list = []
    if legend and len(groups) > 1:
        for i, g in enumerate(groups):
            text = labels[g]
            if legend_title_n:
                text = _with_n(text, _shown_n(data, data["group_code"] == g))
            handles.append(Patch(color=_colour(g, i), label=text))
    handles += _reference_handles(references)
    rows = _legend(ax, handles, ncol=3) if handles else 0
    _title(ax, title, rows)
    return fig


def _plot_stacked(
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
    groups = _group_order(data)
    labels = _group_labels(data)
    cats = list(dict.fromkeys(data["category_code"]))
    cat_labels = dict(zip(data["category_code"], data["category"]))
    reference_bars = list(reference_bars)
    fig, ax = _axes(ax, len(groups) + len(reference_bars), per_row=0.6, extra=2.0)
    _style(ax, "x")
    ticklabels = []
    for i, g in enumerate(groups):
        sub = data[data["group_code"] == g]
        ticklabels.append(_with_n(_wrap(labels[g], 26), _shown_n(sub), sep="\n"))
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
                    left + share / 2, i, nl.percent(share), ha="center", va="center", fontsize=8, color=_ink(colour)
                )
            left += share
    rest = colours.get(reference_rest, "#d9d9d9")
    for k, ref in enumerate(reference_bars):
        i = len(groups) + k
        ticklabels.append(_wrap(ref.label_nl, 26))
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
    _percent_axis(ax, "x")
    ax.set_xlabel(_value_label(data, value_label), fontsize=9)
    handles = [Patch(color=colours[c], label=cat_labels[c]) for c in cats]
    if reference_bars:
        handles.append(
            Patch(facecolor="white", edgecolor=REFERENCE_COLOUR, hatch=REFERENCE_HATCH, label=reference_label)
        )
    rows = _legend(ax, handles, ncol=len(handles))
    _title(ax, title, rows)
    return fig


def _plot_means(
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
    groups = _group_order(data)
    labels = _group_labels(data)
    fig, ax = _axes(ax, len(cats) * max(1, len(groups)), per_row=0.22)
    _style(ax, "x")
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
            colour = _colour(g, j)
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
    ax.set_yticks(range(len(cats)), [_wrap(c) for c in cats])
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(scale[0] - 0.05, scale[1] + 0.2)
    ax.xaxis.set_major_locator(FixedLocator(list(range(scale[0], scale[1] + 1))))
    ax.xaxis.set_major_formatter(nl.decimal_formatter(0))
    ax.set_xlabel(_value_label(data, value_label), fontsize=9)
    handles: list = []
    if len(groups) > 1:
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markersize=7,
                color=_colour(g, i),
                label=_with_n(labels[g], _shown_n(data, data["group_code"] == g)),
            )
            for i, g in enumerate(groups)
        ]
    handles += _reference_handles(references)
    rows = _legend(ax, handles, ncol=3) if handles else 0
    _title(ax, title, rows)
    return fig


# =========================================================================== figures
# Figure 1


def homeworking_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 1: establishments by home working before the pandemic and as planned (2022)."""
    rows = _category_rows(
        establishments["prepandemic_homeworking"],
        "voor_pandemie",
        "Voor de pandemie",
        _categories("prepandemic_homeworking"),
    )
    rows += _category_rows(
        establishments["planned_homeworking"],
        "voornemen",
        "Voornemen na de pandemie (2022)",
        _categories("planned_homeworking"),
    )
    return _finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION)


def plot_homeworking(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 1: home working before the pandemic and as planned now.

    Bijschrift: Werd er voor de pandemie al thuisgewerkt in de vestiging en
    hoeveel wordt er nu thuisgewerkt? Percentage vestigingen. Structureel
    thuiswerken 40-80% betekent dat werknemers in de vestiging 40 tot 80% van
    hun tijd thuis werken.

    Alt-tekst: Horizontaal staafdiagram met het percentage vestigingen per
    antwoord: eerst hoe vaak er voor de pandemie werd thuisgewerkt (nooit,
    incidenteel, structureel), daarna hoeveel thuiswerken de werkgever na de
    pandemie van plan is (niet of incidenteel, of structureel 20-40%, 40-80% of
    meer dan 80% van de tijd).
    """
    return _plot_bars(data, ax, title="Thuiswerken voor en na de pandemie", value_label="Percentage vestigingen")


# Figure 2

REGIONS = ["complaint_back", "complaint_shoulders", "complaint_neck", "complaint_arm"]


def complaints_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 2: employees with at least one KANS complaint, with back complaints, with neither.

    KANS: arm (incl. hand and wrist), neck or shoulders. Denominator: questionnaire
    respondents who answered the items involved (all three KANS items; all four
    items for "neither").
    """
    rows = []
    for code, role, sub in _roles(employees):
        kans = sub[list(KANS_REGIONS)].dropna()
        rows.append(
            _share_row(code, role, "kans", "Minstens één KANS-klacht (arm, nek of schouders)", (kans == 1).any(axis=1))
        )
        back = _valid(sub["complaint_back"])
        rows.append(_share_row(code, role, "rug", "Rugklachten", back == 1))
        every = sub[REGIONS].dropna()
        rows.append(_share_row(code, role, "geen", "Geen KANS- of rugklachten", (every == 0).all(axis=1)))
    return _finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def plot_complaints(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 2: KANS and back complaints (and the national KANS share, dashed).

    Bijschrift: Percentage thuiswerkers met klachten aan arm, nek of schouders
    (KANS-klachten) en met rugklachten, naar functie. De gestreepte lijn is het
    landelijke percentage werknemers met minstens één KANS-klacht uit de
    Nationale Enquête Arbeidsomstandigheden (NEA).

    Alt-tekst: Horizontaal staafdiagram met voor leidinggevenden en
    niet-leidinggevenden het percentage met minstens één KANS-klacht, het
    percentage met rugklachten en het percentage zonder KANS- of rugklachten.
    Een gestreepte lijn bij de KANS-klachten geeft het landelijke percentage
    uit de NEA.
    """
    return _plot_bars(
        data,
        ax,
        title="KANS-klachten en rugklachten",
        value_label="Percentage thuiswerkers (vragenlijst)",
        references=references,
    )


# Figure 3


def complaint_regions_data(
    establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL
) -> pd.DataFrame:
    """Figure 3: complaints per body region (back, shoulders, neck, arm) by role."""
    rows = []
    for code, role, sub in _roles(employees):
        rows += _boolean_rows(sub, REGIONS, code, role)
    return _finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def plot_complaint_regions(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 3: complaints by body region and role (and the national share per region, dashed).

    Bijschrift: Percentage thuiswerkers met klachten aan rug, schouders, nek en
    arm (inclusief hand en pols), naar functie. De gestreepte lijnen zijn de
    landelijke percentages werknemers met klachten aan schouders, nek en arm
    uit de Nationale Enquête Arbeidsomstandigheden (NEA); voor de rug geeft het
    oorspronkelijke rapport geen landelijk cijfer.

    Alt-tekst: Horizontaal staafdiagram met per lichaamsdeel (rug, schouders,
    nek, arm) het percentage thuiswerkers met klachten, met naast elkaar een
    staaf voor leidinggevenden en een voor niet-leidinggevenden. Bij schouders,
    nek en arm geeft een gestreepte lijn het landelijke percentage uit de NEA.
    """
    return _plot_bars(
        data,
        ax,
        title="Klachten per lichaamsdeel",
        value_label="Percentage thuiswerkers (vragenlijst)",
        references=references,
    )


# Figure 4

WORKLOAD_ASPECTS = list(codebook_module.load().groups["workload"])


def workload_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 4: mean score (1-5) of each workload aspect by role."""
    rows = []
    for code, role, sub in _roles(employees):
        rows += [_mean_row(code, role, col, nl.label(col), sub[col]) for col in WORKLOAD_ASPECTS]
    return _finish(rows, min_n, MEAN_COLUMNS, siblings=[ROLES])


def plot_workload(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 4: mean scores of workload aspects by role (and the BAT threshold for exhaustion, dashed).

    Bijschrift: Gemiddelde scores op gemeten aspecten van werkdruk, naar
    functie. Thuiswerkers beantwoordden stellingen op een schaal van 1 tot 5,
    waarbij 1 = 'helemaal niet mee eens' of 'nooit' en 5 = 'helemaal mee eens'
    of 'altijd'. De gestreepte lijn bij uitputting is de grens voor 'zeer hoge'
    uitputting volgens de Burnout Assessment Tool (BAT).

    Alt-tekst: Stippendiagram met voor zes aspecten van werkdruk
    (psychologische werkbelasting, uitputting, werk-thuisconflict,
    telepressure, ervaren druk van collega's en moeilijk afstand nemen van het
    werk) de gemiddelde score op een schaal van 1 tot 5, apart voor
    leidinggevenden en niet-leidinggevenden. Bij uitputting markeert een
    gestreepte lijn de grens voor 'zeer hoge' uitputting volgens de BAT.
    """
    return _plot_means(
        data,
        ax,
        title="Ervaren werkdruk",
        value_label="Gemiddelde score (1 = helemaal niet mee eens of nooit, 5 = helemaal mee eens of altijd)",
        references=references,
    )


# Figure 5

WORKLOAD_CHANGE_COLOURS = {
    "afgenomen": PALETTE["sky_blue"],
    "gelijk": "#d9d9d9",
    "toegenomen": PALETTE["vermillion"],
}


def workload_change_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 5: workload decreased / unchanged / increased since home working began, by role."""
    rows = []
    for code, role, sub in _roles(employees):
        rows += _category_rows(sub["workload_change"], code, role, _categories("workload_change"))
    return _finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION, siblings=[ROLES])


def plot_workload_change(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 5: change of workload since home working was introduced.

    Bijschrift: Mate waarin de werkdruk gelijk is gebleven, is toegenomen of is
    afgenomen nadat thuiswerken is ingevoerd, naar functie.

    Alt-tekst: Gestapeld staafdiagram met per functie (leidinggevende,
    niet-leidinggevende) een staaf van 100%, verdeeld over de percentages
    thuiswerkers bij wie de werkdruk is afgenomen, gelijk is gebleven of is
    toegenomen.
    """
    return _plot_stacked(
        data,
        ax,
        title="Verandering van de werkdruk",
        value_label="Percentage thuiswerkers (vragenlijst)",
        colours=WORKLOAD_CHANGE_COLOURS,
    )


# Figure 6

ISOLATION_ITEMS = list(codebook_module.load().groups["isolation"])


def isolation_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 6: mean isolation score (1-5) from colleagues and from the company, by role."""
    rows = []
    for code, role, sub in _roles(employees):
        rows += [_mean_row(code, role, col, nl.label(col), sub[col]) for col in ISOLATION_ITEMS]
    return _finish(rows, min_n, MEAN_COLUMNS, siblings=[ROLES])


def plot_isolation(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 6: mean isolation scores by role.

    Bijschrift: Gemiddelde scores op gevoelens van isolatie van collega's en
    van het bedrijf, naar functie (schaal van 1 = 'helemaal niet mee eens' tot
    5 = 'helemaal mee eens').

    Alt-tekst: Stippendiagram met de gemiddelde score op isolatie van
    collega's en isolatie van het bedrijf op een schaal van 1 tot 5, apart voor
    leidinggevenden en niet-leidinggevenden.
    """
    return _plot_means(
        data,
        ax,
        title="Gevoelens van isolatie",
        value_label="Gemiddelde score (1 = helemaal niet mee eens, 5 = helemaal mee eens)",
    )


# Figures 7 and 8

ADVANTAGES = list(codebook_module.load().groups["advantages"])
DISADVANTAGES = list(codebook_module.load().groups["disadvantages"])


def _items_by_role(employees: pd.DataFrame, columns: list[str], min_n: int) -> pd.DataFrame:
    rows = []
    for code, role, sub in _roles(employees):
        rows += _boolean_rows(sub, columns, code, role, label=lambda c: _strip_prefix(nl.label(c)))
    return _finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def advantages_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 7: share of employees naming each advantage of home working, by role."""
    return _items_by_role(employees, ADVANTAGES, min_n)


def plot_advantages(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 7: advantages of home working.

    Bijschrift: Percentage thuiswerkers dat een voordeel van thuiswerken
    noemt, naar functie (meerdere antwoorden mogelijk).

    Alt-tekst: Horizontaal staafdiagram met per voordeel van thuiswerken (meer
    focus, meer flexibiliteit, minder reistijd, meer tijd voor
    privé-activiteiten, zelf de tijd indelen, actievere pauzes) het percentage
    leidinggevenden en niet-leidinggevenden dat dit voordeel noemt.
    """
    return _plot_bars(data, ax, title="Voordelen van thuiswerken", value_label="Percentage thuiswerkers")


def disadvantages_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 8: share of employees naming each disadvantage of home working, by role."""
    return _items_by_role(employees, DISADVANTAGES, min_n)


def plot_disadvantages(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 8: disadvantages of home working.

    Bijschrift: Percentage thuiswerkers dat een nadeel van thuiswerken noemt,
    naar functie (meerdere antwoorden mogelijk). Bij 'Anders' gaven veel
    thuiswerkers in de open vraag aan geen nadelen te ervaren.

    Alt-tekst: Horizontaal staafdiagram met per nadeel van thuiswerken (minder
    sociale contacten, onafgebroken beeldschermwerk, vervaging van werk en
    privé, moeizamere communicatie, anders) het percentage leidinggevenden en
    niet-leidinggevenden dat dit nadeel noemt.
    """
    return _plot_bars(data, ax, title="Nadelen van thuiswerken", value_label="Percentage thuiswerkers")


# Figure 9


def workspace_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 9: share of employees with a separate workspace at home, by role."""
    rows = []
    for code, role, sub in _roles(employees):
        rows += _boolean_rows(sub, ["separate_workspace"], code, role)
    return _finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def plot_workspace(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 9: separate workspace by role.

    Bijschrift: Percentage thuiswerkers met een aparte werkruimte thuis, naar
    functie.

    Alt-tekst: Staafdiagram met het percentage leidinggevenden en het
    percentage niet-leidinggevenden dat thuis een aparte werkruimte heeft.
    """
    by_role = data.copy()  # one bar per role, the role (with its n) on the category axis
    by_role["category"] = [
        g if hidden else _with_n(g, _n_text([n]))
        for g, n, hidden in zip(by_role["group"], by_role["n"], by_role["suppressed"])
    ]
    return _plot_bars(by_role, ax, title="Aparte werkruimte thuis", value_label="Percentage thuiswerkers", legend=False)


# Figures 10 and 11

FURNITURE_CUMULATIVE = {
    "hoogte_verstelbaar": ["hoogte_verstelbaar", "zit_sta"],  # at least height-adjustable
    "zit_sta": ["zit_sta"],
}


def _furniture_categories() -> dict[str, str]:
    labels = _categories("furniture_offered")
    return {code: labels[code] for code in FURNITURE_CUMULATIVE}


def furniture_financed_data(
    establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL
) -> pd.DataFrame:
    """Figure 10: furniture combinations (at least) financed, per informant.

    Employer: the combination offered (establishments); managers and
    non-managers: the combination the employer financed according to them.
    Categories are cumulative: "at least height-adjustable" includes sit-stand.
    """
    cats = _furniture_categories()
    rows = _category_rows(establishments["furniture_offered"], "werkgever", "Werkgever", cats, FURNITURE_CUMULATIVE)
    for code, role, sub in _roles(employees):
        rows += _category_rows(sub["furniture_financed"], code, role, cats, FURNITURE_CUMULATIVE)
    return _finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION, siblings=[ROLES])


def plot_furniture_financed(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 10: furniture financed, employer versus employees.

    Bijschrift: Volgens de verschillende betrokkenen minstens door de
    werkgever gefinancierde combinaties van de thuiswerkplekinrichting:
    aanbod volgens de werkgever (percentage vestigingen) en volgens de
    leidinggevende en de niet-leidinggevende (percentage thuiswerkers). Een
    combinatie bestaat uit bureau, ergonomische bureaustoel, los beeldscherm,
    losse muis en toetsenbord; 'minstens in hoogte verstelbaar' omvat ook de
    zit-sta combinatie.

    Alt-tekst: Horizontaal staafdiagram met voor twee combinaties (minstens in
    hoogte verstelbaar, zit-sta) drie staven naast elkaar: het percentage
    werkgevers dat de combinatie aanbiedt en het percentage leidinggevenden en
    niet-leidinggevenden dat zegt dat de werkgever die combinatie betaalde.
    """
    return _plot_bars(
        data,
        ax,
        title="Door de werkgever gefinancierde thuiswerkplek",
        value_label="Percentage vestigingen of thuiswerkers",
    )


def furniture_present_data(
    establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL
) -> pd.DataFrame:
    """Figure 11: furniture combinations present at home (inspector's inventory), by role and overall."""
    cats = _furniture_categories()
    rows = []
    for code, role, sub in _roles(employees):
        rows += _category_rows(sub["furniture_present"], code, role, cats, FURNITURE_CUMULATIVE)
    rows += _category_rows(employees["furniture_present"], "alle", "Alle thuiswerkers", cats, FURNITURE_CUMULATIVE)
    return _finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION, siblings=[ROLES])


def plot_furniture_present(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 11: furniture present, inspector's inventory.

    Bijschrift: De daadwerkelijke inrichting van de thuiswerkplek,
    geïnventariseerd door de inspecteur samen met de thuiswerker: percentage
    thuiswerkers met minstens een in hoogte verstelbare combinatie en met een
    zit-sta combinatie, wie die ook heeft gefinancierd.

    Alt-tekst: Horizontaal staafdiagram met voor twee combinaties (minstens in
    hoogte verstelbaar, zit-sta) het percentage thuiswerkers dat die
    combinatie thuis heeft, voor leidinggevenden, niet-leidinggevenden en alle
    thuiswerkers samen.
    """
    return _plot_bars(
        data, ax, title="Aanwezige thuiswerkplek (inventarisatie inspecteur)", value_label="Percentage thuiswerkers"
    )


# Figures 12 and 13


def _judgement_data(establishments: pd.DataFrame, risk: str, min_n: int) -> pd.DataFrame:
    before, after = f"judgement_{risk}_before", f"judgement_{risk}_after"
    paired = establishments[[before, after]].dropna()  # the same establishments before and after
    labels = _categories(before)
    rows = []
    for code, group, col in (
        ("voor_gesprek", "Voor gesprek met werknemers", before),
        ("na_gesprek", "Na gesprek met werknemers", after),
    ):
        values = paired[col].astype("int64")
        for level, text in labels.items():
            row = _share_row(code, group, level, _cap(text), values == int(level))
            row["mean"] = float(values.mean()) if len(values) else np.nan
            rows.append(row)
    return _finish(rows, min_n, SHARE_COLUMNS + ["mean"], unit=DISTRIBUTION)


def _judgement_legend_means(data: pd.DataFrame) -> pd.DataFrame:
    """Group labels with the mean judgement: 'Voor gesprek met werknemers (gemiddeld 3,9)'."""
    out = data.copy()
    for g in _group_order(out):
        mask = out["group_code"] == g
        mean = out.loc[mask, "mean"].iloc[0]
        if pd.notna(mean):
            out.loc[mask, "group"] = f"{out.loc[mask, 'group'].iloc[0]}, gemiddeld {nl.number(mean, 1)}"
    return out


def judgement_screen_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 12: inspector's judgement (1-5) of the measures for screen work, before and after talking to employees.

    Establishments with both judgements; ``mean`` is the mean judgement per group.
    """
    return _judgement_data(establishments, "screen", min_n)


def plot_judgement_screen(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 12: inspector's judgement, screen work, before and after.

    Bijschrift: Oordeel van de inspecteur over de maatregelen die genomen zijn
    voor het risico beeldschermwerk, voor en na het spreken van de werknemers.
    Percentage vestigingen per oordeel.

    Alt-tekst: Staafdiagram met per oordeel (slecht, onvoldoende, matig,
    voldoende, goed) het percentage vestigingen, met naast elkaar een staaf
    voor het oordeel voor en een voor het oordeel na het gesprek met de
    werknemers; de legenda noemt het gemiddelde oordeel.
    """
    return _plot_bars(
        _judgement_legend_means(data),
        ax,
        title="Oordeel over maatregelen voor beeldschermwerk",
        value_label="Percentage vestigingen",
        orient="v",
    )


def judgement_workload_data(
    establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL
) -> pd.DataFrame:
    """Figure 13: inspector's judgement (1-5) of the measures for workload, before and after talking to employees."""
    return _judgement_data(establishments, "workload", min_n)


def plot_judgement_workload(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 13: inspector's judgement, workload, before and after.

    Bijschrift: Oordeel van de inspecteur over de maatregelen die genomen zijn
    voor het risico werkdruk, voor en na het spreken van de werknemers.
    Percentage vestigingen per oordeel.

    Alt-tekst: Staafdiagram met per oordeel (slecht, onvoldoende, matig,
    voldoende, goed) het percentage vestigingen, met naast elkaar een staaf
    voor het oordeel voor en een voor het oordeel na het gesprek met de
    werknemers; de legenda noemt het gemiddelde oordeel.
    """
    return _plot_bars(
        _judgement_legend_means(data),
        ax,
        title="Oordeel over maatregelen voor werkdruk",
        value_label="Percentage vestigingen",
        orient="v",
    )


# Figure 14

OBSTACLES = [
    "obstacle_none",
    "obstacle_no_insight",
    "obstacle_employee_responsibility",
    "obstacle_lack_knowledge",
    "obstacle_unclear_obligations",
]


def obstacles_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 14: share of employers naming each obstacle to taking measures."""
    return _finish(_boolean_rows(establishments, OBSTACLES, "vestigingen", "Vestigingen"), min_n, SHARE_COLUMNS)


def plot_obstacles(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 14: obstacles experienced by the employer.

    Bijschrift: Door de werkgever ervaren belemmeringen om werkdruk en fysieke
    belasting als gevolg van thuiswerken te voorkomen. Percentage vestigingen
    (meerdere antwoorden mogelijk).

    Alt-tekst: Horizontaal staafdiagram met het percentage werkgevers dat geen
    belemmeringen ervaart en het percentage dat als belemmering noemt: weinig
    zicht op de thuiswerkplek, verantwoordelijkheid van de thuiswerker zelf,
    onvoldoende kennis van mogelijke maatregelen en onduidelijkheid over de
    verplichtingen.
    """
    return _plot_bars(data, ax, title="Belemmeringen volgens de werkgever", value_label="Percentage vestigingen")


# Figure 15

RIE_COLOURS = dict(zip(["geen_rie", "geen_aandacht", "een_risico", "beide_risicos"], ["#d9d9d9", *shades(3)]))
SIZE_CLASSES = ["klein", "midden", "groot"]


def rie_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 15: RI&E present and its attention to home-working risks, by size class and overall."""
    cats = _categories("rie_homeworking")
    sizes = _categories("size_class")
    rows = []
    for code in SIZE_CLASSES:
        sub = establishments[establishments["size_class"] == code]
        rows += _category_rows(sub["rie_homeworking"], code, sizes[code], cats)
    rows += _category_rows(establishments["rie_homeworking"], "alle", "Alle vestigingen", cats)
    return _finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION, siblings=[SIZE_CLASSES])


RIE_REFERENCE_LABEL = "RI&E aanwezig, landelijk (zonder uitsplitsing naar thuiswerken)"


def plot_rie(data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None) -> Figure:
    """Figure 15: RI&E and attention to home-working risks (and national RI&E presence, hatched columns).

    ``references`` (any keys, in drawing order) are drawn as national columns
    below the study's bars: the share with an RI&E hatched, the rest as "Geen RI&E".

    Bijschrift: Aanwezigheid van een RI&E en aandacht voor de risico's van
    thuiswerken (psychosociale arbeidsbelasting en ergonomie) in de RI&E, naar
    grootteklasse. Percentage vestigingen. De gearceerde staven onderaan zijn
    de landelijke percentages bedrijven met een RI&E uit Arbo in Bedrijf
    2019-2021, in de landelijke grootteklassen (minder dan 10, 10 tot 100 en
    100 of meer werknemers), die niet dezelfde zijn als die van dit onderzoek.

    Alt-tekst: Gestapeld staafdiagram met per grootteklasse (klein-, midden-
    en grootbedrijf) en voor alle vestigingen samen een staaf van 100%,
    verdeeld over: geen RI&E, RI&E zonder aandacht voor thuiswerkrisico's,
    aandacht voor psychosociale arbeidsbelasting of ergonomie, en aandacht
    voor beide. Daaronder gearceerde staven met het landelijke percentage
    bedrijven met een RI&E, voor alle bedrijven en per landelijke
    grootteklasse.
    """
    return _plot_stacked(
        data,
        ax,
        title="RI&E en aandacht voor thuiswerkrisico's",
        value_label="Percentage vestigingen (landelijk: percentage bedrijven)",
        colours=RIE_COLOURS,
        reference_bars=list((references or {}).values()),
        reference_label=RIE_REFERENCE_LABEL,
        reference_rest="geen_rie",
    )


RIE_TABLE_COLUMNS = {
    "indeling": "Indeling",
    "groep": "Groep",
    "n": "Vestigingen",
    "rie": "RI&E aanwezig",
    "thuiswerken": "Aandacht voor thuiswerkrisico's in de RI&E",
}
RIE_HOMEWORKING_CODES = ["een_risico", "beide_risicos"]


def rie_by_sector_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """RI&E present and attention to home-working risks in it, by size class, by sector and overall.

    One row per size class, per sector (codebook order) and for all
    establishments: ``dimension`` ("grootteklasse", "sector", "alle"), ``group_code``,
    ``group``, ``n`` (establishments), ``rie`` (share with an RI&E) and
    ``homeworking`` (share whose RI&E pays attention to PSA and/or ergonomics at
    home, of all establishments in the group, as in the source report), with
    ``n_rie`` and ``n_homeworking`` the establishments that answered each. A
    group with fewer than ``min_n`` answers to either is blanked and flagged;
    the size classes and the sectors are each siblings under all establishments,
    so a second group is blanked where the total minus the other groups would
    give a blank away (``secondary``, :mod:`thuiswerk.core.disclosure`).
    """
    rows = []

    def row(dimension: str, code: str, label: str, sub: pd.DataFrame) -> None:
        present = pd.to_numeric(sub["rie_present"], errors="coerce").dropna()
        attention = sub["rie_homeworking"].dropna()
        rows.append(
            {
                "dimension": dimension,
                "group_code": code,
                "group": label,
                "n": int(len(sub)),
                "n_rie": len(present),
                "n_homeworking": len(attention),
                "rie": float((present == 1).mean()) if len(present) else np.nan,
                "homeworking": float(attention.isin(RIE_HOMEWORKING_CODES).mean()) if len(attention) else np.nan,
            }
        )

    sizes = _categories("size_class")
    for code in SIZE_CLASSES:
        row("grootteklasse", code, sizes[code], establishments[establishments["size_class"] == code])
    for code, label in _categories("sector").items():
        row("sector", code, label, establishments[establishments["sector"] == code])
    row("alle", "alle", "Alle vestigingen", establishments)
    frame = pd.DataFrame(rows)
    return disclosure.protect(
        frame,
        unit="group_code",
        measures=(disclosure.Measure("rie", "n_rie"), disclosure.Measure("homeworking", "n_homeworking")),
        partitions=[SIZE_CLASSES, list(_categories("sector"))],
        size="n",
        min_n=min_n,
    )


def rie_by_sector_table(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Table (``tbl-rie-sector``): RI&E and attention to home working in it, by size class and sector.

    Formatted Dutch strings, ready for :func:`thuiswerk.reporting.summaries.markdown_table`:
    columns Indeling, Groep, Vestigingen, RI&E aanwezig, Aandacht voor
    thuiswerkrisico's in de RI&E; a percentage of fewer than ``min_n``
    establishments is "–", and so is the number of establishments of a blanked
    group, as are the groups blanked so that a blank does not follow from the
    total minus the other groups. ``attrs["footnote"]`` is the matching footnote
    ("– minder dan 10 vestigingen", with ", of af te leiden uit de overige
    cijfers" when a group is blanked for that reason) when a cell is blanked,
    else "". ``attrs["data"]`` holds :func:`rie_by_sector_data`.

    Bijschrift: Aanwezigheid van een RI&E en aandacht voor de risico's van
    thuiswerken in de RI&E, naar grootteklasse en sector. Percentage
    vestigingen; een percentage van minder dan 10 vestigingen wordt niet
    getoond.
    """
    data = rie_by_sector_data(establishments, employees, min_n)
    dimension = {"grootteklasse": "Grootteklasse", "sector": "Sector", "alle": "Totaal"}
    table = pd.DataFrame(
        {
            RIE_TABLE_COLUMNS["indeling"]: data["dimension"].map(dimension),
            RIE_TABLE_COLUMNS["groep"]: data["group"],
            RIE_TABLE_COLUMNS["n"]: data["n"].where(~data["suppressed"]).map(lambda n: nl.number(n, 0)),
            RIE_TABLE_COLUMNS["rie"]: data["rie"].map(nl.percent),
            RIE_TABLE_COLUMNS["thuiswerken"]: data["homeworking"].map(nl.percent),
        }
    )
    secondary = bool(data[disclosure.SECONDARY].any())
    table.attrs["footnote"] = (
        nl.footnote(min_n, secondary=secondary, noun="vestigingen") if data["suppressed"].any() else ""
    )
    table.attrs["data"] = data
    table.attrs["min_n"] = min_n
    return table


# Figure 16

ACTIVITY_LABELS = {
    "actief": "Aanwezig en actief met thuiswerken",
    "niet_actief": "Aanwezig, niet actief met thuiswerken",
    "geen": "Niet aanwezig",
}
ACTIVITY_COLOURS = dict(zip(ACTIVITY_LABELS, [PALETTE["blue"], PALETTE["sky_blue"], "#d9d9d9"]))


def representation_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 16: prevention worker and works council: present and active with home working."""
    rows = _category_rows(
        establishments["prevention_worker"], "preventiemedewerker", "Preventiemedewerker", ACTIVITY_LABELS
    )
    rows += _category_rows(establishments["works_council"], "or", "OR of personeelsvertegenwoordiging", ACTIVITY_LABELS)
    return _finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION)


def plot_representation(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 16: prevention worker and works council.

    Bijschrift: Is er een preventiemedewerker en een ondernemingsraad (OR) of
    personeelsvertegenwoordiging, en houdt die zich bezig met gezond en veilig
    thuiswerken? Percentage vestigingen.

    Alt-tekst: Gestapeld staafdiagram met twee staven van 100%, een voor de
    preventiemedewerker en een voor de OR of personeelsvertegenwoordiging,
    verdeeld over: aanwezig en actief met thuiswerken, aanwezig maar niet
    actief met thuiswerken, en niet aanwezig.
    """
    return _plot_stacked(
        data,
        ax,
        title="Preventiemedewerker en medezeggenschap",
        value_label="Percentage vestigingen",
        colours=ACTIVITY_COLOURS,
    )


# Figure 17


def expected_change_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 17: the inspector's expectation of the effect of the visit."""
    rows = _category_rows(
        establishments["expected_change"], "vestigingen", "Vestigingen", _categories("expected_change")
    )
    return _finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION)


def plot_expected_change(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 17: expected change after the visit (and the regular AiB monitor, dashed).

    Bijschrift: Verwachtingen van de inspecteur over het effect van het
    bedrijfsbezoek: heeft de inspecteur de indruk dat de werkgever naar
    aanleiding van het bezoek veranderingen gaat doorvoeren? Percentage
    vestigingen. De gestreepte lijn is het percentage bedrijven waar de
    inspecteur in de reguliere monitor Arbo in Bedrijf 2019-2021 veranderingen
    verwachtte.

    Alt-tekst: Horizontaal staafdiagram met het percentage vestigingen waar de
    inspecteur verwacht dat de werkgever veranderingen gaat doorvoeren, waar
    er verbeterpunten zijn maar geen actie wordt verwacht, en waar geen
    verbeterpunten zijn. Een gestreepte lijn bij de verwachte veranderingen
    geeft het percentage uit de reguliere monitor Arbo in Bedrijf.
    """
    return _plot_bars(
        data,
        ax,
        title="Verwacht effect van het bedrijfsbezoek",
        value_label="Percentage vestigingen",
        references=references,
    )


# =========================================================================== Table 1

TABLE1_COLUMNS = {
    "werkgever": "Werkgever",
    "leidinggevende": "Leidinggevende",
    "niet_leidinggevende": "Niet-leidinggevende",
}


def table1_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Table 1 in long form: one row per measure and informant with n, count, share, suppressed.

    Employer: share of establishments whose employer reports the measure
    (``employer_<m> == 1``); manager and non-manager: share of the interviewed
    employees in that role who know the measure (``knows_<m> == 1``).
    """
    cb = codebook_module.load()
    rows = []
    for m, text in cb.measures.items():
        rows.append(
            _share_row("werkgever", TABLE1_COLUMNS["werkgever"], m, text, _valid(establishments[f"employer_{m}"]) == 1)
        )
        for code, _role, sub in _roles(employees):
            rows.append(_share_row(code, TABLE1_COLUMNS[code], m, text, _valid(sub[f"knows_{m}"]) == 1))
    return _finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def table1(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Table 1: measures taken according to the employer, the manager and the non-manager.

    15 rows (Dutch measure labels, index "Maatregel") x 3 columns (Werkgever,
    Leidinggevende, Niet-leidinggevende) of shares in [0, 1]; a cell from fewer
    than ``min_n`` respondents is NaN, and so is the other role's cell of that
    measure (the text and appendix B publish the share over both roles, so one
    role's blank would follow from it). ``attrs["n"]`` holds the matching table
    of respondent numbers, ``attrs["suppressed"]`` the flags and
    ``attrs["secondary"]`` those of the complementary blanks. Format with
    :func:`thuiswerk.core.nl.percent_table`.

    Bijschrift: Genomen maatregelen volgens de werkgever, de leidinggevende en
    de niet-leidinggevende: percentage dat aangeeft dat de maatregel in de
    vestiging genomen is.

    Alt-tekst: Tabel met voor elk van de 15 maatregelen tegen de risico's van
    beeldschermwerk en werkdruk het percentage werkgevers, leidinggevenden en
    niet-leidinggevenden dat zegt dat de maatregel genomen is.
    """
    long = table1_data(establishments, employees, min_n)
    order = list(dict.fromkeys(long["category"]))
    columns = list(TABLE1_COLUMNS.values())

    def wide(value: str) -> pd.DataFrame:
        out = long.pivot(index="category", columns="group", values=value).reindex(index=order, columns=columns)
        out.index.name, out.columns.name = "Maatregel", "Maatregel genomen volgens"
        return out

    table = wide("share").astype("float64")
    table.attrs["n"] = wide("n")
    table.attrs["suppressed"] = wide("suppressed").astype(bool)
    table.attrs["secondary"] = wide(disclosure.SECONDARY).astype(bool)
    table.attrs["min_n"] = min_n
    return table


# =========================================================================== registry


@dataclass(frozen=True)
class FigureSpec:
    number: int  # "Figuur N" of the seed report
    data: Callable[..., pd.DataFrame]
    plot: Callable[..., Figure]
    #: (category_code, reference key) pairs: the national values (data/references.yaml)
    #: the source report compares this figure with; its plot function takes ``references``.
    references: tuple[tuple[Any, str], ...] = ()


FIGURES: dict[str, FigureSpec] = {
    "fig-thuiswerken": FigureSpec(1, homeworking_data, plot_homeworking),
    "fig-klachten": FigureSpec(2, complaints_data, plot_complaints, (("kans", "nea_kans"),)),
    "fig-klachten-lichaamsdeel": FigureSpec(
        3,
        complaint_regions_data,
        plot_complaint_regions,
        (("complaint_shoulders", "nea_schouders"), ("complaint_neck", "nea_nek"), ("complaint_arm", "nea_arm")),
    ),
    "fig-werkdruk": FigureSpec(4, workload_data, plot_workload, (("exhaustion", "bat_uitputting_zeer_hoog"),)),
    "fig-werkdruk-verandering": FigureSpec(5, workload_change_data, plot_workload_change),
    "fig-isolatie": FigureSpec(6, isolation_data, plot_isolation),
    "fig-voordelen": FigureSpec(7, advantages_data, plot_advantages),
    "fig-nadelen": FigureSpec(8, disadvantages_data, plot_disadvantages),
    "fig-werkruimte": FigureSpec(9, workspace_data, plot_workspace),
    "fig-meubilair-gefinancierd": FigureSpec(10, furniture_financed_data, plot_furniture_financed),
    "fig-meubilair-aanwezig": FigureSpec(11, furniture_present_data, plot_furniture_present),
    "fig-oordeel-beeldscherm": FigureSpec(12, judgement_screen_data, plot_judgement_screen),
    "fig-oordeel-werkdruk": FigureSpec(13, judgement_workload_data, plot_judgement_workload),
    "fig-belemmeringen": FigureSpec(14, obstacles_data, plot_obstacles),
    "fig-rie": FigureSpec(
        15,
        rie_data,
        plot_rie,
        (
            ("minder_dan_10", "aib_rie_minder_dan_10"),
            ("10_tot_100", "aib_rie_10_tot_100"),
            ("100_of_meer", "aib_rie_100_of_meer"),
            ("alle", "aib_rie"),
        ),
    ),
    "fig-preventie-or": FigureSpec(16, representation_data, plot_representation),
    "fig-verwachting": FigureSpec(
        17, expected_change_data, plot_expected_change, (("ja", "aib_verwachte_verandering"),)
    ),
}


def figure_references(label: str, references: Mapping[str, Reference] | None = None) -> dict[Any, Reference]:
    """The reference values of figure ``label`` by plotted category (empty for most figures).

    ``references`` defaults to the shipped ``data/references.yaml``; a key the
    figure names but ``references`` lacks is left out (pass ``{}`` for none).
    """
    spec = FIGURES[label]
    if not spec.references:
        return {}
    refs = references_module.load() if references is None else references
    return {code: refs[key] for code, key in spec.references if key in refs}


def figure(
    label: str,
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    ax: Axes | None = None,
    min_n: int = MIN_CELL,
    references: Mapping[str, Reference] | None = None,
) -> Figure:
    """Compute and draw the figure with Quarto label ``label`` (see :data:`FIGURES`).

    Figures the source report compares with a national value get it drawn
    (:func:`figure_references`; ``references`` defaults to ``data/references.yaml``,
    ``{}`` draws none).
    """
    spec = FIGURES[label]
    data = spec.data(establishments, employees, min_n=min_n)
    if not spec.references:
        return spec.plot(data, ax=ax)
    return spec.plot(data, ax=ax, references=figure_references(label, references))


def unavailable(columns: Sequence[str]) -> Figure:
    """A figure in place of one that needs ``columns``, which the survey lacks: it says so, in Dutch."""
    labels = nl.join_words([f"‘{nl.label(c)}’" for c in columns])
    noun = "het gegeven" if len(columns) == 1 else "de gegevens"
    return unavailable_text(f"Deze figuur ontbreekt: de enquête bevat {noun} {labels} niet.", gid="unavailable")


def unavailable_text(sentence: str, gid: str = "study-not-run") -> Figure:
    """A figure that is one Dutch sentence: why the figure that belongs here is missing (a study not run)."""
    text = _wrap(sentence, 90)
    fig = Figure(figsize=(FIGSIZE_WIDTH, 0.6 + 0.25 * text.count("\n")))
    ax = fig.add_subplot()  # Jupyter shows no figure without axes ("<Figure size ... with 0 Axes>")
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color=PALETTE["black"], transform=ax.transAxes)
    fig.set_gid(gid)
    return fig


def _docstring_part(func: Callable, key: str) -> str:
    """The paragraph of ``func``'s docstring that starts with ``key:``, on one line."""
    doc = inspect.cleandoc(func.__doc__ or "")
    for paragraph in re.split(r"\n\s*\n", doc):
        if paragraph.startswith(f"{key}:"):
            return " ".join(paragraph[len(key) + 1 :].split())
    raise ValueError(f"{func.__name__}: docstring has no '{key}:' paragraph")


def _captions() -> dict[str, tuple[str, str]]:
    captions = {
        label: (_docstring_part(spec.plot, "Bijschrift"), _docstring_part(spec.plot, "Alt-tekst"))
        for label, spec in FIGURES.items()
    }
    captions["tbl-maatregelen"] = (_docstring_part(table1, "Bijschrift"), _docstring_part(table1, "Alt-tekst"))
    return captions


#: Quarto label -> (Dutch caption, Dutch alt text), read from the docstrings above.
CAPTIONS: dict[str, tuple[str, str]] = _captions()


# ----------------------------------------------------------------------------- model checks


def plot_predictive_check(
    table: pd.DataFrame, value_label: str, scale: str = "share", ax: Axes | None = None
) -> Figure:
    """Posterior predictive check: observed statistic (point) against the model's interval (bar).

    ``table`` is :func:`thuiswerk.analysis.checks.predictive_table` (one row per aspect, region or
    measure, with ``observed``, ``lo`` and ``hi``). Computes nothing, never samples. A
    blanked group (``suppressed``: fewer than 10 employees) gets "–" and no bar or point,
    and the footnote under the value axis.

    Bijschrift: Posterior-predictieve controle: waargenomen waarde (punt) en het interval
    dat het model voorspelt (balk).

    Alt-tekst: Per onderdeel een horizontale balk met het voorspelde interval van het
    model en een punt voor de waargenomen waarde.
    """
    labels = [_wrap(_item_label(str(i))) for i in table.index]
    hidden = _hidden(table)
    fig, ax = _axes(ax, len(table))
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
    _style(ax, "x")
    return fig


def plot_category_check(table: pd.DataFrame, fig: Figure | None = None) -> Figure:
    """Ordinal posterior predictive check per answer category, one panel per aspect.

    ``table`` is :func:`thuiswerk.analysis.checks.category_table`.

    Bijschrift: Posterior-predictieve controle per antwoordcategorie: waargenomen aandeel
    (punt) en het interval van het model (lijn), per aspect.

    Alt-tekst: Kleine grafieken, één per aspect, met de antwoordcategorieën op de
    horizontale as en het aandeel werknemers op de verticale as.
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
        ax.set_title(_wrap(_item_label(aspect)), fontsize=8)
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


def plot_sbc(curves: pd.DataFrame, tests: pd.DataFrame, axes: Sequence[Axes] | None = None) -> Figure:
    """Simulation-based calibration: per model, the ECDF of each quantity's PIT values minus
    the uniform CDF (grey lines), the simultaneous 95% band for one quantity (shaded), and
    the quantity with the smallest p-value (blue).

    ``curves`` is :func:`thuiswerk.studies.sbc.ecdf_curves`, ``tests`` :func:`thuiswerk.studies.sbc.uniformity`.
    Computes nothing.

    Bijschrift: Kalibratie per model: verschil tussen de empirische verdelingsfunctie van
    de rangen en de uniforme verdeling, met de simultane 95%-band.
    """
    from thuiswerk.studies import sbc

    models = list(dict.fromkeys(curves["model"]))
    if axes is None:
        made = Figure(figsize=(FIGSIZE_WIDTH, 3.8), layout="constrained").subplots(1, len(models), sharey=True,
                                                                                    squeeze=False)  # fmt: skip
        axes = list(made[0])
    fig = _root_figure(axes[0])
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
        ax.set_title(_wrap(nl.model_nl(model), 30), fontsize=9)
        blue = _wrap(f"Blauw: {sbc.quantity_nl(str(worst['quantity']))}", 34)
        ax.set_xlabel(f"Rang als fractie (PIT)\n{blue}", fontsize=7)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
        ax.xaxis.set_major_formatter(nl.decimal_formatter(2))
        ax.yaxis.set_major_formatter(nl.decimal_formatter(2))
        _style(ax, "y")
    axes[0].set_ylabel("ECDF min uniform", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=7, frameon=False)
    return fig


def plot_design(table: pd.DataFrame, current: int, target: float, axes: Sequence[Axes] | None = None) -> Figure:
    """Design of the next survey: per survey size, the probability that the finding is
    'duidelijk' (points with two Monte Carlo standard errors, the target as a dashed line)
    and the mean width of its 90% interval; the current survey's size marked.

    ``table`` is :func:`thuiswerk.studies.design.power` for one finding and effect. Computes nothing.

    Bijschrift: Kans op een duidelijk verband en breedte van het interval naar het
    aantal bezochte vestigingen.
    """
    if axes is None:
        axes = list(Figure(figsize=(FIGSIZE_WIDTH, 3.0), layout="constrained").subplots(1, 2, squeeze=False)[0])
    fig = _root_figure(axes[0])
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
        _style(ax, "y")
    left.legend(loc="lower right", fontsize=7, frameon=False)
    return fig
