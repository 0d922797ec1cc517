"""The descriptive figures of the seed report ("Figuur 1" to "Figuur 17"), remade from the survey data.

One figure is two functions:

* ``<name>_data(establishments, employees, min_n=MIN_CELL)`` — pure: the tidy, protected frame of
  :mod:`thuiswerk.reporting.figures.cells`, one row per plotted cell.
* ``plot_<name>(data, ax=None)`` — draws that frame into ``ax`` (or a new figure) with the engine of
  :mod:`thuiswerk.reporting.figures.bars` and returns the :class:`matplotlib.figure.Figure`.

A figure's Quarto label, number and national references are in
:data:`thuiswerk.reporting.figures.registry.FIGURES`, its Dutch caption and alt text in
:data:`thuiswerk.reporting.figures.captions.CAPTIONS`. The plot function of a figure the source report
compares with a national value takes ``references={category_code: Reference}`` and draws no reference
without it. Nothing here samples, fits or reads files; establishment-level values are only ever shown
aggregated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.core.nl import MIN_CELL
from thuiswerk.data import linked
from thuiswerk.data.describe import KANS_REGIONS
from thuiswerk.data.references import Reference
from thuiswerk.reporting.figures.bars import plot_bars, plot_means, plot_stacked
from thuiswerk.reporting.figures.cells import (
    DISTRIBUTION,
    MEAN_COLUMNS,
    SHARE_COLUMNS,
    SIZE_CLASSES,
    blank_groups,
    boolean_rows,
    capitalise,
    category_rows,
    codebook_categories,
    finish,
    mean_row,
    role_groups,
    share_row,
    strip_prefix,
    valid_answers,
)
from thuiswerk.reporting.figures.style import PALETTE, group_order, n_label, shades, with_n

# Figure 1


def homeworking_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 1: establishments by home working before the pandemic and as planned (2022)."""
    rows = category_rows(
        establishments["prepandemic_homeworking"],
        "voor_pandemie",
        "Voor de pandemie",
        codebook_categories("prepandemic_homeworking"),
    )
    rows += category_rows(
        establishments["planned_homeworking"],
        "voornemen",
        "Voornemen na de pandemie (2022)",
        codebook_categories("planned_homeworking"),
    )
    return finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION)


def plot_homeworking(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 1: home working before the pandemic and as planned now."""
    return plot_bars(data, ax, title="Thuiswerken voor en na de pandemie", value_label="Percentage vestigingen")


# Figure 2

REGIONS = ["complaint_back", "complaint_shoulders", "complaint_neck", "complaint_arm"]


def complaints_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 2: employees with at least one KANS complaint, with back complaints, with neither.

    KANS: arm (incl. hand and wrist), neck or shoulders. Denominator: questionnaire
    respondents who answered the items involved (all three KANS items; all four
    items for "neither").
    """
    rows = []
    for code, role, sub in role_groups(employees):
        kans = sub[list(KANS_REGIONS)].dropna()
        rows.append(
            share_row(code, role, "kans", "Minstens één KANS-klacht (arm, nek of schouders)", (kans == 1).any(axis=1))
        )
        back = valid_answers(sub["complaint_back"])
        rows.append(share_row(code, role, "rug", "Rugklachten", back == 1))
        every = sub[REGIONS].dropna()
        rows.append(share_row(code, role, "geen", "Geen KANS- of rugklachten", (every == 0).all(axis=1)))
    return finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def plot_complaints(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 2: KANS and back complaints (and the national KANS share, dashed)."""
    return plot_bars(
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
    for code, role, sub in role_groups(employees):
        rows += boolean_rows(sub, REGIONS, code, role)
    return finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def plot_complaint_regions(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 3: complaints by body region and role (and the national share per region, dashed)."""
    return plot_bars(
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
    for code, role, sub in role_groups(employees):
        rows += [mean_row(code, role, col, nl.label(col), sub[col]) for col in WORKLOAD_ASPECTS]
    return finish(rows, min_n, MEAN_COLUMNS, siblings=[ROLES])


def plot_workload(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 4: mean scores of workload aspects by role (and the BAT threshold for exhaustion, dashed)."""
    return plot_means(
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
    for code, role, sub in role_groups(employees):
        rows += category_rows(sub["workload_change"], code, role, codebook_categories("workload_change"))
    return finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION, siblings=[ROLES])


def plot_workload_change(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 5: change of workload since home working was introduced."""
    return plot_stacked(
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
    for code, role, sub in role_groups(employees):
        rows += [mean_row(code, role, col, nl.label(col), sub[col]) for col in ISOLATION_ITEMS]
    return finish(rows, min_n, MEAN_COLUMNS, siblings=[ROLES])


def plot_isolation(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 6: mean isolation scores by role."""
    return plot_means(
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
    for code, role, sub in role_groups(employees):
        rows += boolean_rows(sub, columns, code, role, label=lambda c: strip_prefix(nl.label(c)))
    return finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def advantages_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 7: share of employees naming each advantage of home working, by role."""
    return _items_by_role(employees, ADVANTAGES, min_n)


def plot_advantages(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 7: advantages of home working."""
    return plot_bars(data, ax, title="Voordelen van thuiswerken", value_label="Percentage thuiswerkers")


def disadvantages_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 8: share of employees naming each disadvantage of home working, by role."""
    return _items_by_role(employees, DISADVANTAGES, min_n)


def plot_disadvantages(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 8: disadvantages of home working."""
    return plot_bars(data, ax, title="Nadelen van thuiswerken", value_label="Percentage thuiswerkers")


# Figure 9


def workspace_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 9: share of employees with a separate workspace at home, by role."""
    rows = []
    for code, role, sub in role_groups(employees):
        rows += boolean_rows(sub, ["separate_workspace"], code, role)
    return finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


def plot_workspace(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 9: separate workspace by role."""
    by_role = data.copy()  # one bar per role, the role (with its n) on the category axis
    by_role["category"] = [
        g if hidden else with_n(g, n_label([n]))
        for g, n, hidden in zip(by_role["group"], by_role["n"], by_role["suppressed"])
    ]
    return plot_bars(by_role, ax, title="Aparte werkruimte thuis", value_label="Percentage thuiswerkers", legend=False)


# Figures 10 and 11

FURNITURE_CUMULATIVE = {
    "hoogte_verstelbaar": ["hoogte_verstelbaar", "zit_sta"],  # at least height-adjustable
    "zit_sta": ["zit_sta"],
}


def _furniture_categories() -> dict[str, str]:
    labels = codebook_categories("furniture_offered")
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
    rows = category_rows(establishments["furniture_offered"], "werkgever", "Werkgever", cats, FURNITURE_CUMULATIVE)
    for code, role, sub in role_groups(employees):
        rows += category_rows(sub["furniture_financed"], code, role, cats, FURNITURE_CUMULATIVE)
    return finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION, siblings=[ROLES])


def plot_furniture_financed(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 10: furniture financed, employer versus employees."""
    return plot_bars(
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
    for code, role, sub in role_groups(employees):
        rows += category_rows(sub["furniture_present"], code, role, cats, FURNITURE_CUMULATIVE)
    rows += category_rows(employees["furniture_present"], "alle", "Alle thuiswerkers", cats, FURNITURE_CUMULATIVE)
    return finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION, siblings=[ROLES])


def plot_furniture_present(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 11: furniture present, inspector's inventory."""
    return plot_bars(
        data, ax, title="Aanwezige thuiswerkplek (inventarisatie inspecteur)", value_label="Percentage thuiswerkers"
    )


# Figures 12 and 13


def _judgement_data(establishments: pd.DataFrame, risk: str, min_n: int) -> pd.DataFrame:
    before, after = f"judgement_{risk}_before", f"judgement_{risk}_after"
    paired = establishments[[before, after]].dropna()  # the same establishments before and after
    labels = codebook_categories(before)
    rows = []
    for code, group, col in (
        ("voor_gesprek", "Voor gesprek met werknemers", before),
        ("na_gesprek", "Na gesprek met werknemers", after),
    ):
        values = paired[col].astype("int64")
        for level, text in labels.items():
            row = share_row(code, group, level, capitalise(text), values == int(level))
            row["mean"] = float(values.mean()) if len(values) else np.nan
            rows.append(row)
    return finish(rows, min_n, SHARE_COLUMNS + ["mean"], unit=DISTRIBUTION)


def _judgement_legend_means(data: pd.DataFrame) -> pd.DataFrame:
    """Group labels with the mean judgement: 'Voor gesprek met werknemers (gemiddeld 3,9)'."""
    out = data.copy()
    for g in group_order(out):
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
    """Figure 12: inspector's judgement, screen work, before and after."""
    return plot_bars(
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
    """Figure 13: inspector's judgement, workload, before and after."""
    return plot_bars(
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
    return finish(boolean_rows(establishments, OBSTACLES, "vestigingen", "Vestigingen"), min_n, SHARE_COLUMNS)


def plot_obstacles(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 14: obstacles experienced by the employer."""
    return plot_bars(data, ax, title="Belemmeringen volgens de werkgever", value_label="Percentage vestigingen")


# Figure 15

RIE_COLOURS = dict(zip(["geen_rie", "geen_aandacht", "een_risico", "beide_risicos"], ["#d9d9d9", *shades(3)]))


def rie_data(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    min_n: int = MIN_CELL,
    protection: linked.Protection | None = None,
) -> pd.DataFrame:
    """Figure 15: RI&E present and its attention to home-working risks, by size class and overall.

    The size classes are blanked as :func:`thuiswerk.data.linked.protect_groups` decides for every output
    by group (``protection``: that decision, computed here when not given)."""
    cats = codebook_categories("rie_homeworking")
    sizes = codebook_categories("size_class")
    rows = []
    for code in SIZE_CLASSES:
        sub = establishments[establishments["size_class"] == code]
        rows += category_rows(sub["rie_homeworking"], code, sizes[code], cats)
    rows += category_rows(establishments["rie_homeworking"], "alle", "Alle vestigingen", cats)
    protection = protection or linked.protect_groups(establishments, min_n=min_n)
    return blank_groups(finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION), protection, "size_class", SHARE_COLUMNS)


RIE_REFERENCE_LABEL = "RI&E aanwezig, landelijk (zonder uitsplitsing naar thuiswerken)"


def plot_rie(data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None) -> Figure:
    """Figure 15: RI&E and attention to home-working risks (and national RI&E presence, hatched columns).

    ``references`` (any keys, in drawing order) are drawn as national columns
    below the study's bars: the share with an RI&E hatched, the rest as "Geen RI&E".
    """
    return plot_stacked(
        data,
        ax,
        title="RI&E en aandacht voor thuiswerkrisico's",
        value_label="Percentage vestigingen (landelijk: percentage bedrijven)",
        colours=RIE_COLOURS,
        reference_bars=list((references or {}).values()),
        reference_label=RIE_REFERENCE_LABEL,
        reference_rest="geen_rie",
    )


# Figure 16

ACTIVITY_LABELS = {
    "actief": "Aanwezig en actief met thuiswerken",
    "niet_actief": "Aanwezig, niet actief met thuiswerken",
    "geen": "Niet aanwezig",
}
ACTIVITY_COLOURS = dict(zip(ACTIVITY_LABELS, [PALETTE["blue"], PALETTE["sky_blue"], "#d9d9d9"]))


def representation_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 16: prevention worker and works council: present and active with home working."""
    rows = category_rows(
        establishments["prevention_worker"], "preventiemedewerker", "Preventiemedewerker", ACTIVITY_LABELS
    )
    rows += category_rows(establishments["works_council"], "or", "OR of personeelsvertegenwoordiging", ACTIVITY_LABELS)
    return finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION)


def plot_representation(data: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Figure 16: prevention worker and works council."""
    return plot_stacked(
        data,
        ax,
        title="Preventiemedewerker en medezeggenschap",
        value_label="Percentage vestigingen",
        colours=ACTIVITY_COLOURS,
    )


# Figure 17


def expected_change_data(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Figure 17: the inspector's expectation of the effect of the visit."""
    rows = category_rows(
        establishments["expected_change"], "vestigingen", "Vestigingen", codebook_categories("expected_change")
    )
    return finish(rows, min_n, SHARE_COLUMNS, unit=DISTRIBUTION)


def plot_expected_change(
    data: pd.DataFrame, ax: Axes | None = None, references: Mapping[Any, Reference] | None = None
) -> Figure:
    """Figure 17: expected change after the visit (and the regular AiB monitor, dashed)."""
    return plot_bars(
        data,
        ax,
        title="Verwacht effect van het bedrijfsbezoek",
        value_label="Percentage vestigingen",
        references=references,
    )
