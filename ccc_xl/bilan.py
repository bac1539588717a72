"""The short yearly Word report (`ccc-xl bilan`): the year's figures beside the cumulative ones, the
chart as an image and the definitions, rendered from templates/bilan-annuel.docx with docxtpl."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import indicators as ind
from .documents import FALLBACK_ORGANISERS
from .report import CommandError
from .word import TEMPLATES_DIR
from .workbook import safety

TEMPLATE = TEMPLATES_DIR / "bilan-annuel.docx"


def chart_png(results: ind.Results) -> io.BytesIO:
    """Participants and positive exits per year, as a PNG (matplotlib's Agg backend, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    frame = ind.chart_frame(results)
    fig, ax = plt.subplots(figsize=(6.5, 3.2), dpi=150)
    width = 0.38
    positions = range(len(frame))
    for offset, series in zip((-width / 2, width / 2), ind.CHART_SERIES):
        values = frame[series].astype(float)  # a year not known yet is NaN: no bar, no label
        bars = ax.bar([p + offset for p in positions], values.fillna(0), width, label=series)
        ax.bar_label(bars, labels=["" if pd.isna(v) else f"{v:.0f}" for v in values], fontsize=8)
    ax.set_xticks(list(positions), frame[ind.YEAR])
    ax.set_ylabel("Personnes")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    image = io.BytesIO()
    fig.savefig(image, format="png")
    plt.close(fig)
    image.seek(0)
    return image


# What the figures mean, in the words of the people who read the bilan (funders, partners); the
# exact rules of each line are in the Méthode sheet of the funders' export.
PLAIN_WORDS = (
    ("Session tenue", "une session compte dès que son coaching a commencé ; la session en préparation n'est "
                      "pas comptée."),
    ("Participants", "les détenus retenus par l'équipe pour suivre toute l'action, parmi les candidats repérés "
                     "puis rencontrés en entretien."),
    ("Entreprises", "les entreprises bénévoles engagées dans l'action ; une entreprise venue plusieurs années "
                    "compte une fois dans le cumul."),
    ("Propositions", "ce que les entreprises proposent à un participant au débriefing : parrainage, conseil, "
                     "mise en relation, offre d'emploi, stage ou formation."),
    ("Aménagement de peine", "semi-liberté, placement à l'extérieur, détention à domicile sous surveillance "
                             "électronique, libération conditionnelle… accordé à un participant."),
    ("Sortie positive à 1 an", "un an après l'action, le participant occupe un emploi de plus de six mois ou "
                               "suit une formation."),
    ("Taux de sorties positives", "les sorties positives rapportées aux participants dont la situation à un an "
                                  "est connue ; les situations pas encore connues sont comptées à part."),
    ("Suivi mensuel", "la part des mois, de la fin de l'action jusqu'à un an après, où le participant a été "
                      "rencontré au moins une fois par sa Mission Locale."),
    ("Relais extérieur", "la structure qui poursuit l'accompagnement après la libération, là où vit le "
                         "participant ; le taux compte les relais trouvés avant la libération."),
    ("Coût par participant", "le budget de la session, tous financements réunis, divisé par le nombre de "
                             "participants."),
)


def figure_rows(results: ind.Results, column: str) -> list[dict]:
    """The key-figures table: each section's title row (« Activité »…), then its indicators, a
    « dont » line indented under its total, as on the Indicateurs sheet."""
    rows = []
    for section in ind.SECTIONS:
        indicators = [i for i in results.indicators if i.section == section]
        if indicators:
            rows.append({"section": section, "libelle": "", "annee": "", "cumul": ""})
        rows += [{"section": "", "libelle": ("\u2003" if i.label.startswith(" ") else "") + i.label.strip(),
                  "annee": ind.formatted(i, results.value(column, i.key)),
                  "cumul": ind.formatted(i, results.value(results.cumulative, i.key))} for i in indicators]
    return rows


def context(results: ind.Results, year: int, institutions: str, highlights=(), identity: dict | None = None) -> dict:
    """The bilan's fields: figures, the « Faits marquants » typed in Sessions (one paragraph per
    line), the plain-words definitions, and the sender's identity (logos, funding mention, organisers in the footer)."""
    column = str(year)
    paragraphs = [line.strip() for text in highlights for line in str(text).splitlines() if line.strip()]
    return {
        "annee": year,
        "session": str(year),
        "etablissements": institutions,
        "date_calcul": f"{results.today:%d/%m/%Y}",
        "periode": results.cumulative,
        "regle_sortie_positive": ind.c.POSITIVE_EXIT_RULE,
        "faits_marquants": paragraphs,
        "lignes": figure_rows(results, column),
        "definitions": [{"libelle": term, "definition": text} for term, text in PLAIN_WORDS],
        "logos": [],
        "mention_financement": "",
        "organisateurs": FALLBACK_ORGANISERS,
        **(identity or {}),
    }


def render(results: ind.Results, year: int, institutions: str, output: Path, template: Path = TEMPLATE,
           highlights=(), identity: dict | None = None) -> Path | None:
    """Write the report for ``year`` to ``output`` atomically; a previous report there goes to
    « Versions précédentes » (its new place is returned), any other file is refused. ``identity``:
    the referent structure's ``logos`` (`documents.Image`), the ``organisateurs`` of the footer and the
    session's ``mention_financement``."""
    from docx.shared import Cm, Mm
    from docxtpl import DocxTemplate, InlineImage

    if year not in results.years:
        held = ", ".join(str(y) for y in results.years) or "aucune"
        raise CommandError(f"La session {year} n'est pas une session tenue à la date de calcul (sessions tenues : {held}).")
    if not template.exists():
        raise CommandError(f"Modèle introuvable : {template}. Lancez scripts/build_bilan_template.py.")
    if not output.parent.is_dir():
        raise CommandError(f"Le dossier « {output.parent} » n'existe pas.")
    doc = DocxTemplate(template)
    values = context(results, year, institutions, highlights, identity)
    values["graphique"] = InlineImage(doc, chart_png(results), width=Cm(15))
    values["logos"] = [InlineImage(doc, str(logo.path), height=Mm(logo.height_mm)) for logo in values["logos"]]
    doc.render(values, autoescape=True)
    doc.core_properties.author = safety.PRODUCER
    data = io.BytesIO()
    doc.save(data)
    return safety.write_output(output, data.getvalue())
