"""The seed report's figures by Quarto label: number, data and plot function, and the national reference
values each is compared with; :func:`figure` makes one.

:data:`FIGURES` lists every figure in seed order. :func:`figure` resolves a figure's references
(``data/references.yaml``, :mod:`thuiswerk.data.references`) and passes ``references={category_code:
Reference}`` to its plot function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from thuiswerk.core.nl import MIN_CELL
from thuiswerk.data import references as references_module
from thuiswerk.data.references import Reference
from thuiswerk.reporting.figures.descriptive import (
    advantages_data,
    complaint_regions_data,
    complaints_data,
    disadvantages_data,
    expected_change_data,
    furniture_financed_data,
    furniture_present_data,
    homeworking_data,
    isolation_data,
    judgement_screen_data,
    judgement_workload_data,
    obstacles_data,
    plot_advantages,
    plot_complaint_regions,
    plot_complaints,
    plot_disadvantages,
    plot_expected_change,
    plot_furniture_financed,
    plot_furniture_present,
    plot_homeworking,
    plot_isolation,
    plot_judgement_screen,
    plot_judgement_workload,
    plot_obstacles,
    plot_representation,
    plot_rie,
    plot_workload,
    plot_workload_change,
    plot_workspace,
    representation_data,
    rie_data,
    workload_change_data,
    workload_data,
    workspace_data,
)


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
