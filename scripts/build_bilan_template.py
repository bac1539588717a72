"""Build templates/bilan-annuel.docx, the Word template of `ccc-xl bilan` (docxtpl tags).

Run after changing the layout below; the Missions Locales may then restyle the .docx in Word (or
keep their own copy in a « Modèles » folder beside the workbook) as long as the {{ … }} and
{% … %} tags are kept. Same A4 page, header (logos) and footer (funding mention, page N / M) as
the other documents (scripts/build_templates.py).
"""

import io
import sys
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_templates import (  # noqa: E402
    ACCENT, HEADER_FILL, _cant_split, _repeat_header, _shade, keep_with_next, new_document, para, same_package,
)

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "bilan-annuel.docx"


def document():
    doc = new_document("Bilan annuel — 100 Chances 100 Emplois en milieu carcéral")
    para(doc, "Bilan {{ annee }} — 100 Chances 100 Emplois en milieu carcéral", style="Title")
    para(doc, "{{ etablissements }} — action menée par les Missions Locales de la Vienne et le SPIP.")
    intro = para(doc, "Chiffres calculés le {{ date_calcul }} à partir du classeur de suivi ; la colonne "
                      "« {{ periode }} » cumule les sessions tenues jusqu'à {{ annee }}.", size=9)
    intro.runs[0].italic = True
    para(doc, "{%p if faits_marquants %}")
    para(doc, "Faits marquants", style="Heading 1")
    para(doc, "{%p for texte in faits_marquants %}")
    para(doc, "{{ texte }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "Chiffres clés", style="Heading 1")
    table = doc.add_table(rows=8, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Indicateur", "Session {{ annee }}", "{{ periode }}")):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.color.rgb = True, ACCENT
        _shade(cell, HEADER_FILL)
    _repeat_header(table.rows[0])
    # A section's own row (« Activité », « Sorties à un an »…) shows its title in bold, no figures,
    # and stays on the page of its first indicator; an indicator's row its label and figures.
    tags = {1: "{%tr for ligne in lignes %}", 2: "{%tr if ligne.section %}", 4: "{%tr else %}",
            6: "{%tr endif %}", 7: "{%tr endfor %}"}
    for index, tag in tags.items():
        table.rows[index].cells[0].text = tag
    section = table.rows[3].cells[0].paragraphs[0]
    title = section.add_run("{{ ligne.section }}")
    title.bold, title.font.color.rgb = True, ACCENT
    keep_with_next(cell.paragraphs[0] for cell in table.rows[3].cells)
    for cell, text in zip(table.rows[5].cells, ("{{ ligne.libelle }}", "{{ ligne.annee }}", "{{ ligne.cumul }}")):
        cell.text = text
    for cell in table.rows[5].cells[1:]:
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in table.rows:
        _cant_split(row)
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
    for column, width in zip(table.columns, (10.5, 3.2, 3.3)):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    para(doc)
    heading = para(doc, "Participants et sorties positives par année", style="Heading 1")
    chart = para(doc, "{{ graphique }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    keep_with_next([heading])
    chart.paragraph_format.keep_together = True
    para(doc, "Ce que disent ces chiffres", style="Heading 1")
    para(doc, "{{ regle_sortie_positive }}")
    para(doc, "{%p for d in definitions %}")
    item = doc.add_paragraph(style="List Bullet")
    item.add_run("{{ d.libelle }}").bold = True
    item.add_run(" : {{ d.definition }}")
    para(doc, "{%p endfor %}")
    para(doc, "Document sans donnée nominative : effectifs et taux uniquement. Le détail des calculs figure "
              "dans l'onglet Méthode de l'export pour les financeurs.", size=9)
    return doc


def build(path: Path = TEMPLATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    document().save(buffer)
    if not (path.exists() and same_package(buffer, path)):
        path.write_bytes(buffer.getvalue())
    return path


if __name__ == "__main__":
    print(f"Modèle construit : {build()}")
