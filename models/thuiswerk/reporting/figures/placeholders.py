"""The figure that stands in for one that cannot be drawn: one Dutch sentence saying why (a column the
survey lacks, a study not run, a model not in this report)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from thuiswerk.core import nl
from thuiswerk.reporting.figures.style import FIGSIZE_WIDTH, PALETTE, wrap


def unavailable(columns: Sequence[str]) -> Figure:
    """A figure in place of one that needs ``columns``, which the survey lacks: it says so, in Dutch."""
    labels = nl.join_words([f"‘{nl.label(c)}’" for c in columns])
    noun = "het gegeven" if len(columns) == 1 else "de gegevens"
    return unavailable_text(f"Deze figuur ontbreekt: de enquête bevat {noun} {labels} niet.", gid="unavailable")


def unavailable_text(sentence: str, gid: str = "study-not-run") -> Figure:
    """A figure that is one Dutch sentence: why the figure that belongs here is missing (a study not run)."""
    text = wrap(sentence, 90)
    fig = Figure(figsize=(FIGSIZE_WIDTH, 0.6 + 0.25 * text.count("\n")))
    ax = fig.add_subplot()  # Jupyter shows no figure without axes ("<Figure size ... with 0 Axes>")
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color=PALETTE["black"], transform=ax.transAxes)
    fig.set_gid(gid)
    return fig
