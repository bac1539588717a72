"""The short yearly Word report (`ccc-xl bilan`): the year's figures beside the cumulative ones, the
chart as an image and the definitions, rendered from templates/bilan-annuel.docx with docxtpl."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import indicators as ind
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


def context(results: ind.Results, year: int, institutions: str) -> dict:
    column = str(year)
    return {
        "annee": year,
        "etablissements": institutions,
        "date_calcul": f"{results.today:%d/%m/%Y}",
        "periode": results.cumulative,
        "regle_sortie_positive": ind.c.POSITIVE_EXIT_RULE,
        "lignes": [{"libelle": i.label.strip(), "annee": ind.formatted(i, results.value(column, i.key)),
                    "cumul": ind.formatted(i, results.value(results.cumulative, i.key))} for i in results.indicators],
        "definitions": [{"libelle": i.label.strip(), "definition": i.definition} for i in results.indicators],
    }


def render(results: ind.Results, year: int, institutions: str, output: Path, template: Path = TEMPLATE) -> Path | None:
    """Write the report for ``year`` to ``output`` atomically; a previous report there goes to
    « Versions précédentes » (its new place is returned), any other file is refused."""
    from docx.shared import Cm
    from docxtpl import DocxTemplate, InlineImage

    if year not in results.years:
        held = ", ".join(str(y) for y in results.years) or "aucune"
        raise CommandError(f"La session {year} n'est pas une session tenue à la date de calcul (sessions tenues : {held}).")
    if not template.exists():
        raise CommandError(f"Modèle introuvable : {template}. Lancez scripts/build_bilan_template.py.")
    if not output.parent.is_dir():
        raise CommandError(f"Le dossier « {output.parent} » n'existe pas.")
    doc = DocxTemplate(template)
    values = context(results, year, institutions)
    values["graphique"] = InlineImage(doc, chart_png(results), width=Cm(15))
    doc.render(values, autoescape=True)
    doc.core_properties.author = safety.PRODUCER
    data = io.BytesIO()
    doc.save(data)
    return safety.write_output(output, data.getvalue())
