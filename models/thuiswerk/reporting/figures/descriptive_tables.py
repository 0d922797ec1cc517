"""The seed report's tables from the survey data: Table 1 (measures by informant, ``tbl-maatregelen``) and
the RI&E by sector and size class (``tbl-rie-sector``, which the source report gives in its text only).

Both are protected like the figures (:mod:`thuiswerk.reporting.figures.cells`); their captions are in
:mod:`thuiswerk.reporting.figures.captions`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import disclosure, nl
from thuiswerk.core.codebook import ROLES
from thuiswerk.core.nl import MIN_CELL
from thuiswerk.data import linked
from thuiswerk.reporting.figures.cells import (
    SHARE_COLUMNS,
    SIZE_CLASSES,
    blank_groups,
    codebook_categories,
    finish,
    role_groups,
    share_row,
    valid_answers,
)

# =========================================================================== RI&E by sector and size class

RIE_TABLE_COLUMNS = {
    "indeling": "Indeling",
    "groep": "Groep",
    "n": "Vestigingen",
    "rie": "RI&E aanwezig",
    "thuiswerken": "Aandacht voor thuiswerkrisico's in de RI&E",
}
RIE_HOMEWORKING_CODES = ["een_risico", "beide_risicos"]


def rie_by_sector_data(
    establishments: pd.DataFrame,
    employees: pd.DataFrame,
    min_n: int = MIN_CELL,
    protection: linked.Protection | None = None,
) -> pd.DataFrame:
    """RI&E present and attention to home-working risks in it, by size class, by sector and overall.

    One row per size class, per sector (codebook order) and for all
    establishments: ``dimension`` ("grootteklasse", "sector", "alle"), ``group_code``,
    ``group``, ``n`` (establishments), ``rie`` (share with an RI&E) and
    ``homeworking`` (share whose RI&E pays attention to PSA and/or ergonomics at
    home, of all establishments in the group, as in the source report), with
    ``n_rie`` and ``n_homeworking`` the establishments that answered each. A
    group is blanked and flagged as :func:`thuiswerk.data.linked.protect_groups` decides for every output
    by group (``protection``: that decision, computed here when not given; ``secondary``: blanked so that
    no other blank can be worked out from the published numbers).
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

    sizes = codebook_categories("size_class")
    for code in SIZE_CLASSES:
        row("grootteklasse", code, sizes[code], establishments[establishments["size_class"] == code])
    for code, label in codebook_categories("sector").items():
        row("sector", code, label, establishments[establishments["sector"] == code])
    row("alle", "alle", "Alle vestigingen", establishments)
    frame = pd.DataFrame(rows)
    measures = (disclosure.Measure("rie", "n_rie"), disclosure.Measure("homeworking", "n_homeworking"))
    frame = disclosure.protect(frame, unit="group_code", measures=measures, min_n=min_n)  # "alle" below min_n
    protection = protection or linked.protect_groups(establishments, min_n=min_n)
    for dimension, column in (("grootteklasse", "size_class"), ("sector", "sector")):
        part = frame["dimension"] == dimension
        frame.loc[part] = blank_groups(frame.loc[part], protection, column, ["rie", "homeworking"])
    return frame


def rie_by_sector_table(establishments: pd.DataFrame, employees: pd.DataFrame, min_n: int = MIN_CELL) -> pd.DataFrame:
    """Table (``tbl-rie-sector``): RI&E and attention to home working in it, by size class and sector.

    Formatted Dutch strings, ready for :func:`thuiswerk.reporting.tables.markdown_table`:
    columns Indeling, Groep, Vestigingen, RI&E aanwezig, Aandacht voor
    thuiswerkrisico's in de RI&E; a percentage of fewer than ``min_n``
    establishments is "–", and so is the number of establishments of a blanked
    group, as are the groups blanked so that a blank does not follow from the
    total minus the other groups. ``attrs["footnote"]`` is the matching footnote
    ("– minder dan 10 vestigingen", with ", of af te leiden uit de overige
    cijfers" when a group is blanked for that reason) when a cell is blanked,
    else "". ``attrs["data"]`` holds :func:`rie_by_sector_data`.
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
            share_row(
                "werkgever", TABLE1_COLUMNS["werkgever"], m, text, valid_answers(establishments[f"employer_{m}"]) == 1
            )
        )
        for code, _role, sub in role_groups(employees):
            rows.append(share_row(code, TABLE1_COLUMNS[code], m, text, valid_answers(sub[f"knows_{m}"]) == 1))
    return finish(rows, min_n, SHARE_COLUMNS, siblings=[ROLES])


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
