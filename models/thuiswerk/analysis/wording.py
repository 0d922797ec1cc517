"""The Dutch words of the findings: sentences, display tables and chapter I's headings.

Every sentence (:func:`sentence`, :func:`gap_sentence`, :func:`loss_sentence`) and table
is made only from rows of the findings table (:func:`thuiswerk.analysis.findings.compute`),
whose ``wording`` column holds the one evidence rule's word, so the report can only say
what the table says; the headings of chapter I (:func:`chapter_one_headlines`) also read
the survey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thuiswerk.analysis.estimands import BY_ID, ESTIMANDS, OUTCOME_ITEMS, SOURCE_TABLE1, UNITS
from thuiswerk.analysis.findings import (
    NO_NUMBER,
    PROB,
    WORD_CLEAR,
    WORD_HINT,
    WORD_IRRELEVANT,
    WORD_NONE,
    WORD_NOT_ESTIMABLE,
    WORD_NOT_ESTIMATED,
    WORD_OPPOSITE,
    estimable,
)
from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl

ROLE_NL = {"manager": "leidinggevenden", "non_manager": "niet-leidinggevenden", "all": "alle thuiswerkers"}
OUTCOME_NL = {
    "workload": "werkdruk (gemiddeld over de zes aspecten)",
    "isolation": "isolatie (van collega's en van het bedrijf)",
    "kans": "klachten aan arm, nek of schouders (KANS)",
    "information_loss": "informatieverlies",
}

# =========================================================================== sentences


def _odds(row: pd.Series, name: str = "odds ratio") -> str:
    return (
        f"{name} {nl.number(np.exp(row['mean']), 2)}, {nl.percent(PROB)}-interval "
        f"{nl.interval(np.exp(row['q05']), np.exp(row['q95']), 2)}"
    )


def _odds_columns(rows: pd.DataFrame, name: str) -> dict[str, list[str]]:
    """The display columns of log-odds findings: the exponentiated mean (``name``), its interval, the
    probability of the expected direction and the word; a dash where a row has no number."""
    known = [w not in NO_NUMBER for w in rows["wording"]]
    return {
        name: [nl.number(np.exp(m), 2) if k else nl.MARKER for m, k in zip(rows["mean"], known)],
        f"{nl.percent(PROB)}-interval": [
            nl.interval(np.exp(a), np.exp(b), 2) if k else nl.MARKER for a, b, k in zip(rows["q05"], rows["q95"], known)
        ],
        "Kans op de verwachte richting": [
            probability(p) if k else nl.MARKER for p, k in zip(rows["p_expected_direction"], known)
        ],
        "Oordeel": list(rows["wording"]),
    }


def probability(p: float) -> str:
    """A posterior probability in words, never rounded to 0% or 100%."""
    if p > 0.99:
        return f"meer dan {nl.percent(0.99)}"
    if p < 0.01:
        return f"minder dan {nl.percent(0.01)}"
    return nl.percent(p)


def numbers(row: pd.Series) -> str:
    """The numbers of a slope finding in words: probability, odds ratio and interval."""
    return f"kans {probability(row['p_expected_direction'])} op de verwachte richting; {_odds(row)}"


PLURAL_HEADS = {"afspraken", "ergonomische", "gesprekken", "ingeplande"}  # first words of plural subjects


def sentence(row: pd.Series, brief: bool = False, see: str = "") -> str:
    """The Dutch sentence of one slope finding, made only of the row's fields.

    "Bij leidinggevenden hangt kennis van afspraken over werktijden duidelijk samen met
    minder werk-thuisinterferentie (kans 99% op de verwachte richting; odds ratio 0,45,
    90%-interval 0,30 tot 0,68)."

    ``brief`` (a summary chapter that repeats a finding of a later chapter) gives the odds ratio alone, and
    ``see`` names where the finding is given whole: "(odds ratio 0,45; zie hoofdstuk 5)". The summary then
    says the finding in other words than the chapter (issue 29: no sentence twice in the book).
    """
    e = BY_ID[row["id"]]
    if e.kind == "contrast":
        return contrast_sentence(row)
    if e.kind != "slope":
        raise ValueError(f"{e.id} is not a slope finding; word it with its numbers")
    more = "minder" if e.direction == "negative" else "meer"
    relation = f"{more} {e.relation}"
    subject = e.subject
    prefix = "" if e.role == "all" else f"Bij {ROLE_NL[e.role]} "
    word = row["wording"]
    if word in NO_NUMBER:
        body = f"is het verband tussen {subject} en {e.relation} {word}"
        text = f"{prefix}{body}" if prefix else f"Het verband tussen {subject} en {e.relation} is {word}"
        return f"{text}: {row['reason']}."
    # "afspraken ... hangen", "kennis van afspraken ... hangt": the verb agrees with the subject's head noun
    hangt, samenhangt = ("hangen", "samenhangen") if subject.split()[0] in PLURAL_HEADS else ("hangt", "samenhangt")
    if word == WORD_CLEAR:
        body = (
            f"{hangt} {subject} duidelijk samen met {relation}"
            if prefix
            else f"{subject} {hangt} duidelijk samen met {relation}"
        )
    elif word == WORD_HINT:
        body = (
            f"is er een aanwijzing dat {subject} {samenhangt} met {relation}"
            if prefix
            else (f"er is een aanwijzing dat {subject} {samenhangt} met {relation}")
        )
    elif word == WORD_NONE:
        body = (
            f"{hangt} {subject} niet duidelijk samen met {relation}"
            if prefix
            else f"{subject} {hangt} niet duidelijk samen met {relation}"
        )
    elif word == WORD_OPPOSITE:
        other = f"{'meer' if e.direction == 'negative' else 'minder'} {e.relation}"
        body = (
            f"{hangt} {subject}, tegen de verwachting in, duidelijk samen met {other}"
            if prefix
            else f"{subject} {hangt}, tegen de verwachting in, duidelijk samen met {other}"
        )
    elif word == WORD_IRRELEVANT:
        body = (
            f"{hangt} {subject} niet relevant samen met {e.relation}"
            if prefix
            else f"{subject} {hangt} niet relevant samen met {e.relation}"
        )
        text = f"{prefix}{body}" if prefix else body[0].upper() + body[1:]
        return f"{text} ({equivalence_numbers(row)}).{items_note(row)}"
    else:
        raise ValueError(f"{e.id}: unknown wording {word!r}")
    text = f"{prefix}{body}" if prefix else body[0].upper() + body[1:]
    if brief:
        ratio = f"odds ratio {nl.number(np.exp(row['mean']), 2)}"
        return f"{text} ({ratio}; zie {see}).{items_note(row)}" if see else f"{text} ({ratio}).{items_note(row)}"
    return f"{text} ({numbers(row)}).{items_note(row)}"


def reading_guide(row: pd.Series) -> str:
    """How to read a finding's numbers, worked on one slope finding's own row (chapter 1's box).

    Every number is the row's (odds ratio, interval, probability) or a constant of the rule; the
    exposure units are :data:`thuiswerk.analysis.estimands.UNITS`. Without a number for the row
    (a survey that cannot estimate it) the explanation stands without the example.
    """
    e = BY_ID[str(row["id"])]
    units = nl.join_words(f"‘{UNITS[x]}’" for x in ("knows_working_hours", "home_share", "leading_difficulty"))
    one = nl.number(1, 0)
    worked = e.kind == "slope" and row["wording"] not in NO_NUMBER
    odds = nl.number(np.exp(row["mean"]), 2) if worked else ""
    example, times, interval, chance, word = "", "zoveel", "", "", ""
    if worked:
        who = f"bij {ROLE_NL[e.role]}" if e.role != "all" else "bij thuiswerkers"
        example = f"Een voorbeeld: {who} hangt {e.subject} samen met {e.relation} met een odds ratio van {odds}. "
        times = odds
        interval = f" ({nl.number(np.exp(row['q05']), 2)} tot {nl.number(np.exp(row['q95']), 2)})"
        chance = f" ({probability(row['p_expected_direction'])})"
        word = f" ‘{row['wording']}’"
    return (
        f"{example}Een odds ratio is een verhouding van kansverhoudingen (odds): per eenheid van de blootstelling "
        f"zijn de odds op een hoger antwoord (of op een klacht) {times} keer zo groot. Bij {one} is er geen "
        f"verband; boven {one} gaat de blootstelling samen met meer, eronder met minder. De eenheid staat bij elk "
        f"verband, bijvoorbeeld {units}. Het {nl.percent(PROB)}-interval{interval} bevat het verband met "
        f"{nl.percent(PROB)} kans, gegeven de gegevens en het model. De kans op de verwachte richting{chance} is "
        "de kans dat het verband de richting heeft die het oorspronkelijke rapport verwacht; daaruit volgt met de "
        f"vaste regel het oordeel{word}."
    )


def grouped_sentence(table: pd.DataFrame, ids: list[str]) -> str:
    """One sentence for several slope findings of the same exposure and role, grouped by their word:
    "Bij leidinggevenden hangt meer moeite met leidinggeven op afstand duidelijk samen met meer werkdruk en
    meer telepressure; er is een aanwijzing dat ze samenhangt met meer ...". The numbers stay in the table
    that lists the findings (the caller cites it), so the same parenthesis is not repeated per finding."""
    found = [BY_ID[i] for i in ids]
    if not found or {(e.kind, e.exposure, e.role) for e in found} != {("slope", found[0].exposure, found[0].role)}:
        raise ValueError("grouped_sentence() takes slope findings of one exposure and one role")
    first = found[0]
    subject = first.subject
    hangt, samenhangt = ("hangen", "samenhangen") if subject.split()[0] in PLURAL_HEADS else ("hangt", "samenhangt")

    def relation(e, word: str) -> str:
        more = "minder" if e.direction == "negative" else "meer"
        if word == WORD_OPPOSITE:
            more = "meer" if more == "minder" else "minder"
        return e.relation if word in (WORD_IRRELEVANT, *NO_NUMBER) else f"{more} {e.relation}"

    by_word: dict[str, list[str]] = {}
    for e in found:
        word = str(table.at[e.id, "wording"])
        by_word.setdefault(word, []).append(relation(e, word))
    clauses = []
    for word, relations in by_word.items():
        joined = nl.join_words(relations)
        clauses.append(
            {
                WORD_CLEAR: f"{hangt} {subject} duidelijk samen met {joined}",
                WORD_HINT: f"is er een aanwijzing dat {subject} {samenhangt} met {joined}",
                WORD_NONE: f"{hangt} {subject} niet duidelijk samen met {joined}",
                WORD_OPPOSITE: f"{hangt} {subject}, tegen de verwachting in, duidelijk samen met {joined}",
                WORD_IRRELEVANT: f"{hangt} {subject} niet relevant samen met {joined}",
            }.get(word, f"is het verband van {subject} met {joined} {word}")
        )
    prefix = "Bij alle thuiswerkers" if first.role == "all" else f"Bij {ROLE_NL[first.role]}"
    return f"{prefix} " + "; daarnaast ".join(clauses) + "."


def _pair_nl(e) -> str:
    """What a finding relates, for a list: "afspraken over werktijden volgens de werkgever met werkdruk"; a
    contrast's two parts by its subject ("het verband tussen X en Y" -> "X met Y"); the role where it is one."""
    if e.kind == "contrast":
        measure, _, outcome = e.subject.removeprefix("het verband tussen ").rpartition(" en ")
        text = f"{measure} met {outcome}"
    else:
        text = f"{e.subject} met {e.relation}"
    return text if e.role == "all" else f"{text} ({ROLE_NL[e.role]})"


def verdicts_sentence(table: pd.DataFrame, ids: list[str], about: str) -> str:
    """One sentence for a series of findings whose numbers a table beside it gives, grouped by their word:
    "Het oordeel over {about} luidt ‘duidelijk’ bij A met B; ‘geen duidelijk verband’ bij C met D en E met F".
    Without its full stop: the chapter adds the reference to the table. Instead of a sentence per finding with
    the same parenthesis of numbers (issue 29: no sentence pattern more than twice in a row)."""
    groups: dict[str, list[str]] = {}
    for i in ids:
        if i in table.index:
            groups.setdefault(str(table.at[i, "wording"]), []).append(_pair_nl(BY_ID[i]))
    if not groups:
        return f"Over {about} is er geen oordeel: {WORD_NOT_ESTIMATED}"
    order = [WORD_CLEAR, WORD_OPPOSITE, WORD_HINT, WORD_NONE, WORD_IRRELEVANT]  # the strongest word first
    ranked = sorted(groups.items(), key=lambda g: order.index(g[0]) if g[0] in order else len(order))
    parts = [f"‘{word}’ bij {nl.join_words(pairs)}" for word, pairs in ranked]
    return f"Het oordeel over {about} luidt " + "; ".join(parts)


def equivalence_numbers(row: pd.Series) -> str:
    """ "kans 96% dat de odds ratio tussen 0,80 en 1,25 ligt; odds ratio 1,02, ...": a "no relation" finding."""
    low, high = 1 / nl.EQUIVALENCE_ODDS_RATIO, nl.EQUIVALENCE_ODDS_RATIO
    return (
        f"kans {probability(row['p_practically_none'])} dat de odds ratio tussen {nl.number(low, 2)} en "
        f"{nl.number(high, 2)} ligt; {_odds(row)}"
    )


RATIO_OF_ODDS = "verhouding van de odds ratio's"  # a contrast of two log-odds slopes, exponentiated


def contrast_numbers(row: pd.Series) -> str:
    """A contrast's numbers: probability of the expected direction, the ratio of the two odds ratios."""
    return f"kans {probability(row['p_expected_direction'])} op de verwachte richting; {_odds(row, RATIO_OF_ODDS)}"


def contrast_sentence(row: pd.Series) -> str:
    """The Dutch sentence of a contrast finding (the difference of two slopes), from the row's fields only.

    "Het verband tussen ingeplande momenten voor sociaal contact en isolatie is duidelijk sterker als de
    werknemer de maatregel kent dan als alleen de werkgever hem noemt (kans 98% op de verwachte richting;
    verhouding van de odds ratio's 0,52, 90%-interval 0,31 tot 0,89)."
    """
    e = BY_ID[row["id"]]
    subject, relation, word = e.subject, e.relation, row["wording"]
    if word in NO_NUMBER:
        return f"Of {subject} {relation} is, is {word}: {row['reason']}."
    if word == WORD_CLEAR:
        text = f"{nl.capitalize_first(subject)} is duidelijk {relation}"
    elif word == WORD_HINT:
        comparative, than = relation.split(" ", 1)  # "sterker" | "bij leidinggevenden dan ...": the verb between
        text = f"Er is een aanwijzing dat {subject} {comparative} is {than}"
    elif word == WORD_NONE:
        text = f"{nl.capitalize_first(subject)} is niet duidelijk {relation}"
    elif word == WORD_OPPOSITE:
        comparative, than = relation.split(" ", 1)
        other = {"sterker": "zwakker", "zwakker": "sterker"}.get(comparative, f"niet {comparative}")
        text = f"{nl.capitalize_first(subject)} is, tegen de verwachting in, duidelijk {other} {than}"
    else:
        raise ValueError(f"{e.id}: unknown wording {word!r}")
    return f"{text} ({contrast_numbers(row)}).{items_note(row)}"


def contrast_table_nl(table: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Contrast findings for display: the relation, what is compared (when the rows differ in it), the ratio
    of the odds ratios, interval, probability, word."""
    rows = table.loc[[i for i in ids if i in table.index]]
    relations = [BY_ID[i].relation for i in rows["id"]]
    out = pd.DataFrame(
        {
            "Verband": [nl.capitalize_first(BY_ID[i].subject.removeprefix("het verband tussen ")) for i in rows["id"]],
            "Vergelijking": relations,
        }
        | _odds_columns(rows, "Verhouding van de odds ratio's")
    )
    # one comparison for every row (the caption says which): not repeated in each
    return out.drop(columns="Vergelijking") if len(set(relations)) == 1 else out


def marginal_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """The complaint findings on the source report's scale (kind ``marginal``): the exposure as the unit of the
    change, outcome, who, the change in the percentage with a complaint in percentage points with its interval,
    probability and word."""
    ids = [e.id for e in ESTIMANDS if e.kind == "marginal" and e.id in table.index]
    rows = table.loc[ids]
    known = [w not in NO_NUMBER for w in rows["wording"]]
    out = described([BY_ID[i].exposure for i in ids])
    # the exposure as the unit the change is per ("50 procentpunt meer thuiswerken"): one column for both
    out["Verband"] = [(lambda u: u[:1].upper() + u[1:])(UNITS[BY_ID[i].base.exposure]) for i in ids]
    out["Verandering (procentpunt)"] = [nl.number(100 * m, 1) if k else nl.MARKER for m, k in zip(rows["mean"], known)]
    out[f"{nl.percent(PROB)}-interval"] = [
        nl.interval(100 * a, 100 * b, 1) if k else nl.MARKER for a, b, k in zip(rows["q05"], rows["q95"], known)
    ]
    out["Kans op de verwachte richting"] = [
        probability(p) if k else nl.MARKER for p, k in zip(rows["p_expected_direction"], known)
    ]
    out["Oordeel"] = list(rows["wording"])
    return out


def items_note(row: pd.Series) -> str:
    """ " Op deze gegevens gaat dat over ...": the items a finding stands for when the survey lacks some ('' otherwise)."""
    used = [i for i in str(row.get("items") or "").split(",") if i]
    if not used:
        return ""
    full = OUTCOME_ITEMS.get(str(row["outcome"]), (str(row["outcome"]),))
    absent = [i for i in full if i not in used]
    labels = nl.join_words([f"‘{nl.label(i)}’" for i in used])
    gone = nl.join_words([f"‘{nl.label(i)}’" for i in absent])
    verb = "zit" if len(absent) == 1 else "zitten"
    return f" Op deze gegevens gaat dat over {labels}; {gone} {verb} niet in de enquête."


def headline(row: pd.Series) -> str:
    """Short form for chapter I: the sentence without the role prefix's numbers in brackets."""
    return sentence(row)


def table_nl(table: pd.DataFrame, ids: list[str] | None = None) -> pd.DataFrame:
    """Slope findings for display: who, outcome, exposure, odds ratio, interval, probability, word."""
    slopes = table["id"].map(lambda i: BY_ID[i].kind == "slope" if i in BY_ID else False)
    if ids is not None:  # on the log-odds scale only: marginal rows have their own table (marginal_table_nl)
        ids = [i for i in ids if i not in BY_ID or BY_ID[i].kind != "marginal"]
    rows = table.loc[ids] if ids is not None else table[slopes & table["direction"].notna()]
    out = described(list(rows["id"])).assign(**_odds_columns(rows, "Odds ratio"))
    if "items" in rows:  # an outcome the survey holds only some items of says which
        out["Uitkomst"] = [
            f"{u} ({_items_short(r)})" if r["items"] else u for u, (_, r) in zip(out["Uitkomst"], rows.iterrows())
        ]
    return out


def _items_short(row: pd.Series) -> str:
    used = [i for i in str(row["items"]).split(",") if i]
    full = OUTCOME_ITEMS.get(str(row["outcome"]), ())
    return f"hier {nl.count_of(len(used), len(full))} items: zonder " + nl.join_words(
        [nl.label(i).lower() for i in full if i not in used]
    )


def _expected_outcome(e) -> str:
    """ "minder isolatie": the outcome in the expected direction; a contrast's comparison as it stands; a marginal
    effect's as its slope's, in percentage points."""
    if e.kind == "contrast":
        return e.relation
    if e.kind == "marginal":
        return f"{_expected_outcome(e.base)} (procentpunt)"
    return ("minder " if e.direction == "negative" else "meer ") + e.relation


def described(ids: list[str]) -> pd.DataFrame:
    """What each finding is about, in Dutch: exposure (Verband), expected outcome (Uitkomst), who (Wie)."""
    subjects = [(BY_ID[i].base if BY_ID[i].kind == "marginal" else BY_ID[i]).subject for i in ids]
    return pd.DataFrame(
        {
            "Verband": [nl.capitalize_first(s) for s in subjects],
            "Uitkomst": [_expected_outcome(BY_ID[i]) for i in ids],
            "Wie": [ROLE_NL[BY_ID[i].role] for i in ids],
        }
    )


def finding_clause(finding_id: str) -> tuple[str, str]:
    """A finding as the subject of a Dutch clause, and the outcome its respondents could differ in.

    ("het verband van een aparte werkruimte met rugklachten", "rugklachten"); a contrast: ("dat het verband
    tussen ... en isolatie sterker is als ... dan ...", "isolatie"); a marginal effect as its slope, in
    percentage points.
    """
    e = BY_ID[finding_id]
    if e.kind == "marginal":
        what, outcome = finding_clause(e.base.id)
        return f"{what} (in procentpunten)", outcome
    if e.kind == "contrast":
        comparative, than = e.relation.split(" ", 1)
        return f"dat {e.subject} {comparative} is {than}", BY_ID[e.parts[0]].relation
    return f"het verband van {e.subject} met {e.relation}", e.relation


def loss_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """The information-loss rows per role: the seed's loss (headline), the expected count, the conditional loss."""
    rows = []
    for role, suffix in (("manager", "lg"), ("non_manager", "nlg")):
        loss = table.loc[f"informatieverlies_{suffix}"]
        count = table.loc[f"niet_bekend_aantal_{suffix}"]
        cond = table.loc[f"verlies_als_gemeld_{suffix}"]
        rows.append(
            {
                "Functie": ROLE_NL[role].capitalize(),
                "Informatieverlies (van de 15 maatregelen)": f"{nl.percent(loss['mean'])} ({nl.percent_interval(loss['q05'], loss['q95'])})",
                "Genoemd maar niet bekend (aantal)": f"{nl.number(count['mean'], 1)} ({nl.interval(count['q05'], count['q95'], 1)})",
                "Niet bekend als de werkgever de maatregel noemt": f"{nl.percent(cond['mean'])} ({nl.percent_interval(cond['q05'], cond['q95'])})",
            }
        )
    return pd.DataFrame(rows)


def per_measure_table_nl(table: pd.DataFrame) -> pd.DataFrame:
    """Per measure and role: P(not known | the employer reports it), mean and 90% interval."""
    out = []
    for m, label in codebook_module.load().measures.items():
        row = {"Maatregel": label}
        for role, suffix in (("manager", "lg"), ("non_manager", "nlg")):
            r = table.loc[f"niet_bekend_{m}_{suffix}"]
            row[ROLE_NL[role].capitalize()] = f"{nl.percent(r['mean'])} ({nl.percent_interval(r['q05'], r['q95'])})"
        out.append(row)
    return pd.DataFrame(out)


def gap_sentence(row: pd.Series, brief: bool = False) -> str:
    """The role difference of the information loss, worded by the one rule from its row; ``brief`` (chapter 1):
    the difference alone in the parenthesis."""
    statement = "niet-leidinggevenden meer informatie over maatregelen missen dan leidinggevenden"
    points = f"{nl.number(row['mean'] * 100, 0)} procentpunt"
    interval = f"{nl.number(row['q05'] * 100, 0)} {nl.RANGE_WORD} {nl.number(row['q95'] * 100, 0)} procentpunt"
    numbers = (
        f"(verschil {points})"
        if brief
        else (
            f"(verschil {points}, {nl.percent(PROB)}-interval {interval}; "
            f"kans {probability(row['p_expected_direction'])} op de verwachte richting)"
        )
    )
    if row["wording"] in NO_NUMBER:
        return f"Of {statement}, is {row['wording']}: {row['reason']}."
    if row["wording"] == WORD_NONE:
        return f"Of {statement}, is niet duidelijk {numbers}."
    if row["wording"] == WORD_OPPOSITE:
        other = "leidinggevenden meer informatie over maatregelen missen dan niet-leidinggevenden"
        return f"Het is, tegen de verwachting in, duidelijk dat {other} {numbers}."
    lead = {WORD_CLEAR: "Het is duidelijk dat", WORD_HINT: "Er is een aanwijzing dat"}[row["wording"]]
    return f"{lead} {statement} {numbers}."


def loss_sentence(table: pd.DataFrame, brief: bool = False) -> str:
    """The source report's information loss per role, from the findings rows.

    "Volgens het kennismodel noemt de werkgever van de 15 maatregelen er gemiddeld 3,8
    (90%-interval 3,6 tot 4,0) die een leidinggevende niet kent, een informatieverlies van
    25% (24% tot 27%); bij niet-leidinggevenden zijn dat er ..."; ``brief`` (chapter 1): the loss per role
    alone ("Volgens het kennismodel gaat bij leidinggevenden 25% van de informatie over de 15 maatregelen
    verloren, bij niet-leidinggevenden 33%.").
    """

    def numbers(suffix: str) -> tuple[str, str]:
        count, loss = table.loc[f"niet_bekend_aantal_{suffix}"], table.loc[f"informatieverlies_{suffix}"]
        return (
            f"{nl.number(count['mean'], 1)} ({nl.percent(PROB)}-interval {nl.interval(count['q05'], count['q95'], 1)})",
            f"een informatieverlies van {nl.percent(loss['mean'])} ({nl.percent_interval(loss['q05'], loss['q95'])})",
        )

    n = len(codebook_module.load().measures)
    row = table.loc["informatieverlies_lg"]
    if row["wording"] in NO_NUMBER:
        return f"Het informatieverlies is {row['wording']}: {row['reason']}."
    if brief:
        lg, nlg = table.loc["informatieverlies_lg"], table.loc["informatieverlies_nlg"]
        return (
            f"Volgens het kennismodel gaat bij leidinggevenden {nl.percent(lg['mean'])} van de informatie over de "
            f"{nl.number(n, 0)} maatregelen verloren, bij {ROLE_NL['non_manager']} {nl.percent(nlg['mean'])}."
        )
    manager, non_manager = numbers("lg"), numbers("nlg")
    return (
        f"Volgens het kennismodel noemt de werkgever van de {nl.number(n, 0)} maatregelen er gemiddeld "
        f"{manager[0]} die een leidinggevende niet kent, {manager[1]}; bij {ROLE_NL['non_manager']} zijn dat "
        f"er {non_manager[0]}, {non_manager[1]}."
    )


def count_clear(table: pd.DataFrame, ids: list[str]) -> str:
    """ "twee van de vier" findings among ``ids`` that are 'duidelijk'."""
    rows = table.loc[[i for i in ids if i in table.index]]
    known = estimable(rows)
    text = nl.count_of(int((known["wording"] == WORD_CLEAR).sum()), len(known))
    missing = len(ids) - len(known)
    if missing and not len(known):
        return f"geen van de {nl.number_word(len(ids))} (zonder getal: {WORD_NOT_ESTIMABLE} of {WORD_NOT_ESTIMATED})"
    return f"{text} (nog {nl.number_word(missing)} zonder getal)" if missing else text


_OUTCOME_WORDS = {
    "workload": "werkdruk (zes aspecten)",
    "isolation": "isolatie (beide vragen)",
    "kans": "KANS-klachten (nek, schouders, arm)",
    "information_loss": "informatieverlies",
}
_DIRECTION_NL = {"negative": "negatief", "positive": "positief", None: "beschrijvend"}


def estimand_table_nl() -> pd.DataFrame:
    """The estimand table for appendix A, in Dutch (per-measure information-loss rows in one line)."""
    from thuiswerk.core import nl as _nl

    measures = codebook_module.load().measures
    rows = []
    for e in ESTIMANDS:
        if e.kind != "slope" and e.exposure in measures:
            continue
        if e.kind == "slope":
            what = f"{e.subject}; {UNITS[e.exposure]}"
        elif e.kind == "contrast":
            first, second = e.parts
            what = f"{e.subject}, {e.relation}: {first} min {second}"
        elif e.kind == "marginal":
            what = f"verandering in {e.relation} (procentpunt) bij {UNITS[e.base.exposure]}: {e.exposure}"
        else:
            what = {
                "information_loss": "verwacht aantal genoemd maar niet bekend, gedeeld door het aantal maatregelen",
                "reported_not_known": "verwacht aantal genoemd maar niet bekend",
                "loss_if_reported": "aandeel niet bekend van de door de werkgever genoemde maatregelen",
                "loss_gap": "verschil in informatieverlies (niet-leidinggevenden min leidinggevenden)",
            }[e.exposure]
        outcome = _OUTCOME_WORDS.get(e.outcome) or _nl.label(e.outcome).lower()
        rows.append(
            {
                "Bevinding": e.id,
                "Zin uit het oorspronkelijke rapport": f"{e.source} ({e.chapter})",
                "Uitkomst": outcome,
                "Wie": ROLE_NL[e.role],
                "Grootheid": what,
                "Verwachte richting": _DIRECTION_NL[e.direction],
            }
        )
    rows.append(
        {
            "Bevinding": "niet_bekend_<maatregel>_lg/nlg",
            "Zin uit het oorspronkelijke rapport": f"{SOURCE_TABLE1} (VI)",
            "Uitkomst": "informatieverlies",
            "Wie": "leidinggevenden, niet-leidinggevenden",
            "Grootheid": "per maatregel: P(niet bekend | werkgever noemt de maatregel)",
            "Verwachte richting": "beschrijvend",
        }
    )
    return pd.DataFrame(rows)


# =========================================================================== chapter I headings
#
# The seven headings of chapter I are conclusions, as in the source report ("Informatie
# over maatregelen bereikt in ongeveer 1/3e van de gevallen de werknemer niet"), worded
# at render time from the findings table and the survey: a heading changes when the
# posterior or the data change. Relations are worded by the one evidence rule (only
# 'duidelijk' counts as a relation; 'aanwijzing' and 'geen duidelijk verband' are "niet
# duidelijk"). Headings avoid the phrases the report test reserves for the findings
# sentences ("samen met", "samenhangt", "informatieverlies"): they say "gaat gepaard met".

EMPLOYER_IDS = (
    "werkdruk_werkgever_werktijden",
    "isolatie_werkgever_sociale_momenten",
    "isolatie_werkgever_gesprekken",
    "kans_werkgever_ergonomisch",
)
JOINT_KNOWN_IDS = (
    "werkdruk_kennis_bij_melding",
    "isolatie_kennis_bij_melding_sociale_momenten",
    "isolatie_kennis_bij_melding_gesprekken",
    "kans_kennis_bij_melding_ergonomisch",
)
JOINT_CONTRAST_IDS = (
    "werkdruk_kennis_min_melding",
    "isolatie_kennis_min_melding_sociale_momenten",
    "isolatie_kennis_min_melding_gesprekken",
    "kans_kennis_min_melding_ergonomisch",
)
JOINT_EMPLOYER_IDS = (
    "werkdruk_melding_zonder_kennis",
    "isolatie_melding_zonder_kennis_sociale_momenten",
    "isolatie_melding_zonder_kennis_gesprekken",
    "kans_melding_zonder_kennis_ergonomisch",
)
ISOLATION_IDS = {
    "isolatie_thuiswerkpercentage": ("veel thuiswerken", "veel thuiswerkt"),
    "isolatie_alleenwonend": ("alleen wonen", "alleen woont"),
}
STRUCTURAL = ("structureel_20_40", "structureel_40_80", "structureel_80_plus")  # planned_homeworking codes
RIE_HOMEWORKING = ("een_risico", "beide_risicos")  # rie_homeworking codes: attention to homeworking risks
OFTEN = 4  # "vaak" on the frequency scale, "mee eens" on the agreement scale (1-5)

# The topic of each finding: the heading when the data cannot carry a conclusion
# (a share blanked by disclosure control, or a finding missing from the table).
TOPICS = {
    1: "Klachten, uitputting en werkdruk",
    2: "Informatie over maatregelen",
    3: "Maatregelen die werknemers kennen en hun gezondheid",
    4: "Thuiswerken na de pandemie",
    5: "Voorlichting, instructie en toezicht",
    6: "Isolatie",
    7: "De RI&E en thuiswerken",
}
_HEALTH = {"werkdruk": "werkdruk", "isolatie": "isolatie", "KANS-klachten": "klachten aan arm, nek of schouders"}


def _missing(*values: float) -> bool:
    return any(v is None or not np.isfinite(float(v)) for v in values)


def _clear(table: pd.DataFrame, ids) -> tuple[list[str], list[str]]:
    """The ids of ``ids`` in ``table`` whose wording is 'duidelijk', and the others."""
    present = [i for i in ids if i in table.index]
    clear = [i for i in present if table.loc[i, "wording"] == WORD_CLEAR]
    return clear, [i for i in present if i not in clear]


def _health(ids: list[str]) -> str:
    """ "werkdruk en isolatie": the outcomes of findings, in words, each once."""
    outcomes = list(dict.fromkeys(_HEALTH.get(BY_ID[i].relation, BY_ID[i].relation) for i in ids))
    return nl.join_words(outcomes)


def _share_of(values: pd.Series) -> float:
    from thuiswerk.data import describe as S

    return S.share(values.dropna())


def headline_complaints(employees: pd.DataFrame) -> str:
    """Finding 1: complaints of arm, neck or shoulders and exhaustion among the questionnaire's respondents.

    "De meeste thuiswerkers hebben geen klachten aan arm, nek of schouders en voelen zich
    niet vaak uitgeput" when most have no KANS complaint and most are exhausted less
    than "vaak"; the other combinations are worded the other way.
    """
    from thuiswerk.data import describe as S

    complaint = S.share(S.any_complaint(employees).dropna())
    q = S.questionnaire(employees)
    often = _share_of(q["exhaustion"].astype("Float64").dropna() >= OFTEN)
    if _missing(complaint, often):
        return TOPICS[1]
    rested = often < 0.5
    if complaint < 0.5:
        head = "De meeste thuiswerkers hebben geen klachten aan arm, nek of schouders"
        return head + (" en voelen zich niet vaak uitgeput" if rested else ", maar voelen zich wel vaak uitgeput")
    subject, plural = nl.share_phrase(complaint, "thuiswerkers")
    head = f"{nl.capitalize_first(subject)} {nl.verb(2 if plural else 1, 'heeft', 'hebben')} klachten aan arm, nek of schouders"
    return head + (
        ", maar de meesten voelen zich niet vaak uitgeput" if rested else " en de meesten voelen zich vaak uitgeput"
    )


def headline_information(table: pd.DataFrame) -> str:
    """Finding 2: the information loss (the mean of both roles' posterior means) as a fraction in words.

    "Informatie over maatregelen bereikt in ongeveer een derde van de gevallen de werknemer niet."
    """
    ids = ("informatieverlies_lg", "informatieverlies_nlg")
    if not all(i in table.index for i in ids):
        return TOPICS[2]
    loss = float(np.mean([table.loc[i, "mean"] for i in ids]))
    return f"Informatie over maatregelen bereikt in {nl.fraction_phrase(loss)} van de gevallen de werknemer niet"


def headline_known_measures(table: pd.DataFrame) -> str:
    """Finding 3: from the joint models, the contrast of knowing a measure the employer reports against the
    employer reporting it unknown (:data:`JOINT_CONTRAST_IDS`), never the two verdicts side by side.

    "Maatregelen die werknemers kennen, gaan duidelijk sterker samen met minder isolatie dan maatregelen
    die alleen de werkgever noemt" (the outcomes of the clear contrasts); without a clear contrast, that
    knowing makes no clear difference.
    """
    present = [i for i in JOINT_CONTRAST_IDS if i in table.index and table.loc[i, "wording"] not in NO_NUMBER]
    if not present:
        return TOPICS[3]
    clear, _ = _clear(table, present)
    if clear:
        health = nl.join_words(list(dict.fromkeys(_outcome_nl(i) for i in clear)))
        return (
            f"Maatregelen die werknemers kennen, gaan duidelijk sterker samen met minder {health} dan "
            "maatregelen die alleen de werkgever noemt"
        )
    return "Of werknemers een maatregel kennen, maakt voor het verband met hun gezondheid geen duidelijk verschil"


def _outcome_nl(finding_id: str) -> str:
    """A contrast's outcome in words, from its first slope finding ("isolatie", "werkdruk")."""
    first = BY_ID[BY_ID[finding_id].parts[0]]
    return _HEALTH.get(first.relation, first.relation)


def headline_homeworking(establishments: pd.DataFrame) -> str:
    """Finding 4: the share of employers that plan structural homeworking, and their larger obstacle.

    "De meeste werkgevers willen thuiswerken structureel mogelijk maken, maar ongeveer een
    kwart vindt onduidelijk wat hun verplichtingen zijn."
    """
    from thuiswerk.data import describe as S

    planned = S.establishment_share(establishments, "planned_homeworking", list(STRUCTURAL))
    unclear = S.share(establishments["obstacle_unclear_obligations"])
    knowledge = S.share(establishments["obstacle_lack_knowledge"])
    if _missing(planned, unclear, knowledge):
        return TOPICS[4]
    subject, plural = nl.share_phrase(planned, "werkgevers")
    head = f"{nl.capitalize_first(subject)} {'willen' if plural else 'wil'} thuiswerken structureel mogelijk maken"
    if unclear >= knowledge:
        share, singular, plural_verb, rest = unclear, "vindt", "vinden", "onduidelijk wat hun verplichtingen zijn"
    else:
        share, singular, plural_verb, rest = knowledge, "mist", "missen", "kennis van mogelijke maatregelen"
    who, many = nl.share_phrase(share)
    conjunction = "maar" if planned >= 0.5 else "en"
    return f"{head}, {conjunction} {who} {plural_verb if many else singular} {rest}"


def headline_supervision(table: pd.DataFrame, establishments: pd.DataFrame) -> str:
    """Finding 5: information or instruction and active supervision by employers, and the employer's measures.

    "Ruim de helft van de werkgevers geeft voorlichting of instructie, ongeveer een kwart houdt
    toezicht, en hun maatregelen gaan niet duidelijk gepaard met de gezondheid van werknemers"
    (the last part from the four findings of the models with the employer's reports).
    """
    from thuiswerk.data import describe as S

    instruction = S.share(establishments["information_instruction"])
    supervision = S.share(establishments["active_supervision"])
    clear, other = _clear(table, EMPLOYER_IDS)
    if _missing(instruction, supervision) or not (clear or other):
        return TOPICS[5]
    who, plural = nl.share_phrase(instruction, "werkgevers")
    first = f"{nl.capitalize_first(who)} {'geven' if plural else 'geeft'} voorlichting of instructie"
    who, plural = nl.share_phrase(supervision)
    second = f"{who} {'houden' if plural else 'houdt'} toezicht"
    n, k = len(clear) + len(other), len(clear)
    if k == 0:
        third = "hun maatregelen gaan niet duidelijk gepaard met de gezondheid van werknemers"
    elif k == n:
        third = "hun maatregelen gaan gepaard met een betere gezondheid van werknemers"
    else:
        third = (
            f"hun maatregelen gaan in {nl.count_of(k, n)} onderzochte verbanden gepaard met een betere "
            "gezondheid van werknemers"
        )
    return f"{first}, {second}, en {third}"


def headline_isolation(table: pd.DataFrame, employees: pd.DataFrame) -> str:
    """Finding 6: the share that feels isolated (agrees with either isolation item), and who feels it more.

    "De meeste thuiswerkers voelen zich niet geïsoleerd; veel thuiswerken of alleen wonen
    maakt daarbij geen duidelijk verschil" (from the two isolation findings).
    """
    from thuiswerk.data import describe as S

    q = S.questionnaire(employees)
    items = q[["isolation_colleagues", "isolation_company"]].astype("Float64").dropna()
    isolated = _share_of((items >= OFTEN).any(axis=1))
    clear, other = _clear(table, ISOLATION_IDS)
    if _missing(isolated):
        return TOPICS[6]
    if isolated < 0.075:
        head, few = "Bijna geen thuiswerker voelt zich geïsoleerd", True
    elif isolated < 0.5:
        head, few = "De meeste thuiswerkers voelen zich niet geïsoleerd", True
    else:
        who, plural = nl.share_phrase(isolated, "thuiswerkers")
        head, few = f"{nl.capitalize_first(who)} {'voelen' if plural else 'voelt'} zich geïsoleerd", False
    if not clear and not other:
        return head
    no_difference = f"{nl.join_words([ISOLATION_IDS[i][0] for i in other], 'of')} maakt daarbij geen duidelijk verschil"
    if not clear:
        return f"{head}; {no_difference}"
    who = f"wie {nl.join_words([ISOLATION_IDS[i][1] for i in clear], 'of')}, voelt zich {'wel ' if few else ''}vaker geïsoleerd"
    return f"{head}; {who}" + (f", maar {no_difference.replace(' daarbij', '')}" if other else "")


def headline_rie(establishments: pd.DataFrame) -> str:
    """Finding 7: the share of employers whose RI&E pays attention to the risks of homeworking."""
    from thuiswerk.data import describe as S

    share = S.establishment_share(establishments, "rie_homeworking", list(RIE_HOMEWORKING))
    if _missing(share):
        return TOPICS[7]
    who, plural = nl.share_phrase(share, "werkgevers")
    return (
        f"{nl.capitalize_first(who)} {'besteden' if plural else 'besteedt'} in de risico-inventarisatie en "
        "-evaluatie (RI&E) aandacht aan thuiswerken"
    )


def chapter_one_headlines(table: pd.DataFrame, establishments: pd.DataFrame, employees: pd.DataFrame) -> dict[int, str]:
    """The seven headings of chapter I (1 to 7), each a conclusion worded from the findings table and the survey.

    A finding these data cannot answer counts as absent: a heading that needs it falls back to its topic.
    """
    table = estimable(table)
    return {
        1: headline_complaints(employees),
        2: headline_information(table),
        3: headline_known_measures(table),
        4: headline_homeworking(establishments),
        5: headline_supervision(table, establishments),
        6: headline_isolation(table, employees),
        7: headline_rie(establishments),
    }
