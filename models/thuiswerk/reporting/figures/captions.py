"""The Dutch captions and alt texts of the report's figures and tables, as data.

:data:`CAPTIONS` holds, in the source report's order (its Figures 1 to 17, then its Table 1), each Quarto
label's caption and alt text; the chapters' cell options (``fig-cap``, ``fig-alt``) state them as
:func:`caption` gives them. :data:`TABLE_CAPTIONS` holds the captions of the tables this report adds.
The figures of model checks and studies have their captions in the chapters' cells only.
"""

from __future__ import annotations

import re

#: Quarto label -> (Dutch caption, Dutch alt text) of every figure (``fig-``) and of Table 1
#: (``tbl-maatregelen``) of the source report, in its order: the k-th figure label is its Figure k.
CAPTIONS: dict[str, tuple[str, str]] = {
    "fig-thuiswerken": (
        "Werd er voor de pandemie al thuisgewerkt in de vestiging en hoeveel wordt er nu thuisgewerkt? Percentage "
        "vestigingen. Structureel thuiswerken 40-80% betekent dat werknemers in de vestiging 40 tot 80% van hun "
        "tijd thuis werken.",
        "Horizontaal staafdiagram met het percentage vestigingen per antwoord: eerst hoe vaak er voor de pandemie "
        "werd thuisgewerkt (nooit, incidenteel, structureel), daarna hoeveel thuiswerken de werkgever na de "
        "pandemie van plan is (niet of incidenteel, of structureel 20-40%, 40-80% of meer dan 80% van de tijd).",
    ),
    "fig-klachten": (
        "Percentage thuiswerkers met klachten aan arm, nek of schouders (KANS-klachten) en met rugklachten, naar "
        "functie. De gestreepte lijn is het landelijke percentage werknemers met minstens één KANS-klacht uit de "
        "Nationale Enquête Arbeidsomstandigheden (NEA).",
        "Horizontaal staafdiagram met voor leidinggevenden en niet-leidinggevenden het percentage met minstens één "
        "KANS-klacht, het percentage met rugklachten en het percentage zonder KANS- of rugklachten. Een gestreepte "
        "lijn bij de KANS-klachten geeft het landelijke percentage uit de NEA.",
    ),
    "fig-klachten-lichaamsdeel": (
        "Percentage thuiswerkers met klachten aan rug, schouders, nek en arm (inclusief hand en pols), naar "
        "functie. De gestreepte lijnen zijn de landelijke percentages werknemers met klachten aan schouders, nek en "
        "arm uit de Nationale Enquête Arbeidsomstandigheden (NEA); voor de rug geeft het oorspronkelijke rapport "
        "geen landelijk cijfer.",
        "Horizontaal staafdiagram met per lichaamsdeel (rug, schouders, nek, arm) het percentage thuiswerkers met "
        "klachten, met naast elkaar een staaf voor leidinggevenden en een voor niet-leidinggevenden. Bij schouders, "
        "nek en arm geeft een gestreepte lijn het landelijke percentage uit de NEA.",
    ),
    "fig-werkdruk": (
        "Gemiddelde scores op gemeten aspecten van werkdruk, naar functie. Thuiswerkers beantwoordden stellingen op "
        "een schaal van 1 tot 5, waarbij 1 = 'helemaal niet mee eens' of 'nooit' en 5 = 'helemaal mee eens' of "
        "'altijd'. De gestreepte lijn bij uitputting is de grens voor 'zeer hoge' uitputting volgens de Burnout "
        "Assessment Tool (BAT).",
        "Stippendiagram met voor zes aspecten van werkdruk (psychologische werkbelasting, uitputting, "
        "werk-thuisconflict, telepressure, ervaren druk van collega's en moeilijk afstand nemen van het werk) de "
        "gemiddelde score op een schaal van 1 tot 5, apart voor leidinggevenden en niet-leidinggevenden. Bij "
        "uitputting markeert een gestreepte lijn de grens voor 'zeer hoge' uitputting volgens de BAT.",
    ),
    "fig-werkdruk-verandering": (
        "Mate waarin de werkdruk gelijk is gebleven, is toegenomen of is afgenomen nadat thuiswerken is ingevoerd, "
        "naar functie.",
        "Gestapeld staafdiagram met per functie (leidinggevende, niet-leidinggevende) een staaf van 100%, verdeeld "
        "over de percentages thuiswerkers bij wie de werkdruk is afgenomen, gelijk is gebleven of is toegenomen.",
    ),
    "fig-isolatie": (
        "Gemiddelde scores op gevoelens van isolatie van collega's en van het bedrijf, naar functie (schaal van 1 = "
        "'helemaal niet mee eens' tot 5 = 'helemaal mee eens').",
        "Stippendiagram met de gemiddelde score op isolatie van collega's en isolatie van het bedrijf op een schaal "
        "van 1 tot 5, apart voor leidinggevenden en niet-leidinggevenden.",
    ),
    "fig-voordelen": (
        "Percentage thuiswerkers dat een voordeel van thuiswerken noemt, naar functie (meerdere antwoorden mogelijk).",
        "Horizontaal staafdiagram met per voordeel van thuiswerken (meer focus, meer flexibiliteit, minder "
        "reistijd, meer tijd voor privé-activiteiten, zelf de tijd indelen, actievere pauzes) het percentage "
        "leidinggevenden en niet-leidinggevenden dat dit voordeel noemt.",
    ),
    "fig-nadelen": (
        "Percentage thuiswerkers dat een nadeel van thuiswerken noemt, naar functie (meerdere antwoorden mogelijk). "
        "Bij 'Anders' gaven veel thuiswerkers in de open vraag aan geen nadelen te ervaren.",
        "Horizontaal staafdiagram met per nadeel van thuiswerken (minder sociale contacten, onafgebroken "
        "beeldschermwerk, vervaging van werk en privé, moeizamere communicatie, anders) het percentage "
        "leidinggevenden en niet-leidinggevenden dat dit nadeel noemt.",
    ),
    "fig-werkruimte": (
        "Percentage thuiswerkers met een aparte werkruimte thuis, naar functie.",
        "Staafdiagram met het percentage leidinggevenden en het percentage niet-leidinggevenden dat thuis een "
        "aparte werkruimte heeft.",
    ),
    "fig-meubilair-gefinancierd": (
        "Volgens de verschillende betrokkenen minstens door de werkgever gefinancierde combinaties van de "
        "thuiswerkplekinrichting: aanbod volgens de werkgever (percentage vestigingen) en volgens de leidinggevende "
        "en de niet-leidinggevende (percentage thuiswerkers). Een combinatie bestaat uit bureau, ergonomische "
        "bureaustoel, los beeldscherm, losse muis en toetsenbord; 'minstens in hoogte verstelbaar' omvat ook de "
        "zit-sta combinatie.",
        "Horizontaal staafdiagram met voor twee combinaties (minstens in hoogte verstelbaar, zit-sta) drie staven "
        "naast elkaar: het percentage werkgevers dat de combinatie aanbiedt en het percentage leidinggevenden en "
        "niet-leidinggevenden dat zegt dat de werkgever die combinatie betaalde.",
    ),
    "fig-meubilair-aanwezig": (
        "De daadwerkelijke inrichting van de thuiswerkplek, geïnventariseerd door de inspecteur samen met de "
        "thuiswerker: percentage thuiswerkers met minstens een in hoogte verstelbare combinatie en met een zit-sta "
        "combinatie, wie die ook heeft gefinancierd.",
        "Horizontaal staafdiagram met voor twee combinaties (minstens in hoogte verstelbaar, zit-sta) het "
        "percentage thuiswerkers dat die combinatie thuis heeft, voor leidinggevenden, niet-leidinggevenden en alle "
        "thuiswerkers samen.",
    ),
    "fig-oordeel-beeldscherm": (
        "Oordeel van de inspecteur over de maatregelen die genomen zijn voor het risico beeldschermwerk, voor en na "
        "het spreken van de werknemers. Percentage vestigingen per oordeel.",
        "Staafdiagram met per oordeel (slecht, onvoldoende, matig, voldoende, goed) het percentage vestigingen, met "
        "naast elkaar een staaf voor het oordeel voor en een voor het oordeel na het gesprek met de werknemers; de "
        "legenda noemt het gemiddelde oordeel.",
    ),
    "fig-oordeel-werkdruk": (
        "Oordeel van de inspecteur over de maatregelen die genomen zijn voor het risico werkdruk, voor en na het "
        "spreken van de werknemers. Percentage vestigingen per oordeel.",
        "Staafdiagram met per oordeel (slecht, onvoldoende, matig, voldoende, goed) het percentage vestigingen, met "
        "naast elkaar een staaf voor het oordeel voor en een voor het oordeel na het gesprek met de werknemers; de "
        "legenda noemt het gemiddelde oordeel.",
    ),
    "fig-belemmeringen": (
        "Door de werkgever ervaren belemmeringen om werkdruk en fysieke belasting als gevolg van thuiswerken te "
        "voorkomen. Percentage vestigingen (meerdere antwoorden mogelijk).",
        "Horizontaal staafdiagram met het percentage werkgevers dat geen belemmeringen ervaart en het percentage "
        "dat als belemmering noemt: weinig zicht op de thuiswerkplek, verantwoordelijkheid van de thuiswerker zelf, "
        "onvoldoende kennis van mogelijke maatregelen en onduidelijkheid over de verplichtingen.",
    ),
    "fig-rie": (
        "Aanwezigheid van een RI&E en aandacht voor de risico's van thuiswerken (psychosociale arbeidsbelasting en "
        "ergonomie) in de RI&E, naar grootteklasse. Percentage vestigingen. De gearceerde staven onderaan zijn de "
        "landelijke percentages bedrijven met een RI&E uit Arbo in Bedrijf 2019-2021, in de landelijke "
        "grootteklassen (minder dan 10, 10 tot 100 en 100 of meer werknemers), die niet dezelfde zijn als die van "
        "dit onderzoek.",
        "Gestapeld staafdiagram met per grootteklasse (klein-, midden- en grootbedrijf) en voor alle vestigingen "
        "samen een staaf van 100%, verdeeld over: geen RI&E, RI&E zonder aandacht voor thuiswerkrisico's, aandacht "
        "voor psychosociale arbeidsbelasting of ergonomie, en aandacht voor beide. Daaronder gearceerde staven met "
        "het landelijke percentage bedrijven met een RI&E, voor alle bedrijven en per landelijke grootteklasse.",
    ),
    "fig-preventie-or": (
        "Is er een preventiemedewerker en een ondernemingsraad (OR) of personeelsvertegenwoordiging, en houdt die "
        "zich bezig met gezond en veilig thuiswerken? Percentage vestigingen.",
        "Gestapeld staafdiagram met twee staven van 100%, een voor de preventiemedewerker en een voor de OR of "
        "personeelsvertegenwoordiging, verdeeld over: aanwezig en actief met thuiswerken, aanwezig maar niet actief "
        "met thuiswerken, en niet aanwezig.",
    ),
    "fig-verwachting": (
        "Verwachtingen van de inspecteur over het effect van het bedrijfsbezoek: heeft de inspecteur de indruk dat "
        "de werkgever naar aanleiding van het bezoek veranderingen gaat doorvoeren? Percentage vestigingen. De "
        "gestreepte lijn is het percentage bedrijven waar de inspecteur in de reguliere monitor Arbo in Bedrijf "
        "2019-2021 veranderingen verwachtte.",
        "Horizontaal staafdiagram met het percentage vestigingen waar de inspecteur verwacht dat de werkgever "
        "veranderingen gaat doorvoeren, waar er verbeterpunten zijn maar geen actie wordt verwacht, en waar geen "
        "verbeterpunten zijn. Een gestreepte lijn bij de verwachte veranderingen geeft het percentage uit de "
        "reguliere monitor Arbo in Bedrijf.",
    ),
    "tbl-maatregelen": (
        "Genomen maatregelen volgens de werkgever, de leidinggevende en de niet-leidinggevende: percentage dat "
        "aangeeft dat de maatregel in de vestiging genomen is.",
        "Tabel met voor elk van de 15 maatregelen tegen de risico's van beeldschermwerk en werkdruk het percentage "
        "werkgevers, leidinggevenden en niet-leidinggevenden dat zegt dat de maatregel genomen is.",
    ),
}

#: Quarto label -> Dutch caption of the tables this report adds to the source report's.
TABLE_CAPTIONS: dict[str, str] = {
    "tbl-rie-sector": (
        "Aanwezigheid van een RI&E en aandacht voor de risico's van thuiswerken in de RI&E, naar grootteklasse en "
        "sector. Percentage vestigingen; een percentage van minder dan 10 vestigingen wordt niet getoond."
    ),
}


def caption(label: str, part: int = 0) -> str:
    """Caption (part 0) or alt text (part 1) of a figure as written in the .qmd cell options.

    The text of :data:`CAPTIONS` with a number followed by a percent sign written as "N procent" (the
    report's .qmd sources never contain a literal percentage).
    """
    return re.sub(r"(\d)%", r"\1 procent", CAPTIONS[label][part])
