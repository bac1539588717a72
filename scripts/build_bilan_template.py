"""Build templates/bilan-annuel.docx, the Word template of `ccc-xl bilan` (docxtpl tags).

Run after changing the layout below; the Missions Locales may then restyle the .docx in Word as long
as the {{ … }} and {% … %} tags are kept.
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "bilan-annuel.docx"


def build(path: Path = TEMPLATE) -> Path:
    doc = Document()
    doc.core_properties.author = "ccc-xl"
    doc.core_properties.title = "Bilan annuel — 100 Chances 100 Emplois en milieu carcéral"
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)
    doc.add_heading("Bilan {{ annee }} — 100 Chances 100 Emplois en milieu carcéral", level=0)
    doc.add_paragraph("{{ etablissements }} — action menée par les Missions Locales de la Vienne et le SPIP.")
    intro = doc.add_paragraph("Chiffres calculés le {{ date_calcul }} à partir du classeur de suivi ; la colonne "
                              "« {{ periode }} » cumule les sessions tenues jusqu'à {{ annee }}.")
    intro.runs[0].italic = True
    doc.add_heading("Chiffres clés", level=1)
    table = doc.add_table(rows=4, cols=3)
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, ("Indicateur", "Session {{ annee }}", "{{ periode }}")):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for ligne in lignes %}"
    for cell, text in zip(table.rows[2].cells, ("{{ ligne.libelle }}", "{{ ligne.annee }}", "{{ ligne.cumul }}")):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    doc.add_heading("Participants et sorties positives par année", level=1)
    chart = doc.add_paragraph("{{ graphique }}")
    chart.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("Définitions", level=1)
    doc.add_paragraph("{{ regle_sortie_positive }}")
    doc.add_paragraph("{%p for d in definitions %}")
    item = doc.add_paragraph(style="List Bullet")
    item.add_run("{{ d.libelle }}").bold = True
    item.add_run(" : {{ d.definition }}")
    doc.add_paragraph("{%p endfor %}")
    note = doc.add_paragraph("Document sans donnée nominative : effectifs et taux uniquement.")
    note.runs[0].font.size = Pt(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(f"Modèle construit : {build()}")
