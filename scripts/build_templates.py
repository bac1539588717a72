"""Generate the Word templates of `templates/` (one .docx per document) and `templates/CHAMPS.md`.

The templates are the starting point advisers edit in Word; generating them from this script keeps
them consistent (A4, same header, footer and styles) and reviewable in git. A test checks that the
committed files match what this script produces, so edit the script, then run:

    python scripts/build_templates.py

Tags are docxtpl's Jinja: ``{{ field }}`` prints a value (already formatted in French by
``ccc_xl.documents``), ``{%p if … %}`` / ``{%p endif %}`` paragraphs vanish when rendered so an
empty optional field leaves no stray label, ``{%tr for … %}`` repeats a table row.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccc_xl.documents import DOCUMENT_TYPES, fields_markdown  # noqa: E402

TEMPLATES_DIR = ROOT / "templates"
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
HEADER_FILL = "DDEBF7"
# Fixed document properties so that regenerating gives identical files.
FIXED_TIME = dt.datetime(2024, 1, 1)

PROGRAMME = "100 Chances 100 Emplois en milieu carcéral"


# ---------------------------------------------------------------------------------------------
# Layout helpers
# ---------------------------------------------------------------------------------------------


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _field(paragraph, code: str, size: int = 8) -> None:
    """A Word field (PAGE, NUMPAGES) Word and LibreOffice compute when the page is laid out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(size * 2))
    props.append(sz)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def new_document(title: str, confidential: bool = False, landscape: bool = False) -> Document:
    """An A4 document with the programme's header (the sender's logos) and footer (funding mention,
    page N / M), and tidy base styles."""
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "ccc-xl", "ccc-xl"
    props.created = props.modified = FIXED_TIME
    props.revision = 1

    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 12)):
        style = doc.styles[name]
        style.font.name = "Calibri"
        style.font.size = Pt(size)
        style.font.color.rgb = ACCENT
        style.paragraph_format.keep_with_next = True

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin, section.bottom_margin = Cm(3), Cm(2.2)
    section.header_distance, section.footer_distance = Cm(0.8), Cm(0.8)

    width = (section.page_width - section.left_margin - section.right_margin)
    # First page: the sender's logos beside the programme's name; next pages: the name only.
    section.different_first_page_header_footer = True
    first = section.first_page_header
    first.paragraphs[0].text = ""
    table = first.add_table(rows=1, cols=2, width=width)
    _no_borders(table)
    table.autofit = False
    logos, name = table.rows[0].cells
    for column, cell, size in zip(table.columns, (logos, name), (Cm(9), width - Cm(9))):
        column.width = cell.width = size
    logos.paragraphs[0].add_run("{% for logo in logos %}{{ logo }}   {% endfor %}")
    _programme(name.paragraphs[0], name.add_paragraph())
    _programme(section.header.paragraphs[0], section.header.add_paragraph())
    for footer in (section.first_page_footer, section.footer):
        _footer(footer, confidential)
    return doc


def _programme(line, session) -> None:
    """The programme's name and the session, right-aligned, in the header."""
    for paragraph, text, bold in ((line, PROGRAMME, True), (session, "Vienne · Session {{ session }}", False)):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.font.size, run.font.color.rgb, run.bold = Pt(9), ACCENT, bold


def _footer(footer, confidential: bool) -> None:
    """The session's funding mention, then the organisers and « Page N / M »."""
    mention = footer.paragraphs[0]
    mention.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mention.paragraph_format.space_after = Pt(2)
    run = mention.add_run("{{ mention_financement }}")
    run.font.size, run.italic = Pt(8), True
    line = footer.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = "{{ organisateurs }}" + (" · Document confidentiel, remis par le SPIP" if confidential else "") + " · Page "
    line.add_run(note).font.size = Pt(8)
    _field(line, "PAGE")
    line.add_run(" / ").font.size = Pt(8)
    _field(line, "NUMPAGES")


def para(doc, text: str = "", bold: bool = False, align=None, size: int | None = None, style=None):
    p = doc.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    return p


def labelled(doc, label: str, value: str):
    """A "Label : value" line with the label in bold (value is a single Jinja expression run)."""
    p = doc.add_paragraph()
    p.add_run(f"{label} : ").bold = True
    p.add_run(value)
    return p


def optional(doc, condition: str, write) -> None:
    """Paragraphs written by ``write(doc)`` that disappear when ``condition`` is empty."""
    para(doc, f"{{%p if {condition} %}}")
    write(doc)
    para(doc, "{%p endif %}")


def bullets(doc, lines) -> None:
    for line in lines:
        doc.add_paragraph(line, style="List Bullet")


def _shade(cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _repeat_header(row) -> None:
    trPr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trPr.append(el)


def _cant_split(row) -> None:
    """A table row is never cut across two pages."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def keep_with_next(paragraphs) -> None:
    for paragraph in paragraphs:
        paragraph.paragraph_format.keep_with_next = True


def loop_table(doc, headers, cells, loop: str, widths=None, blank_rows: int = 0, row_height=None, title=None):
    """A table with a bold shaded header and one row repeated by ``{%tr for loop %}``.

    ``cells`` are the Jinja expressions of the repeated row; ``blank_rows`` adds empty rows after
    the data (attendance sheets: people who come unannounced). With ``title``, a first row spanning
    the table carries it. Header rows repeat on every page; no row is cut across two pages.
    """
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if title:
        merged = table.rows[0].cells[0].merge(table.rows[0].cells[-1])
        merged.text = ""
        run = merged.paragraphs[0].add_run(title)
        run.bold, run.font.color.rgb, run.font.size = True, ACCENT, Pt(12)
        _repeat_header(table.rows[0])
        _cant_split(table.rows[0])
        table.add_row()
    head = table.rows[-1]
    for cell, header in zip(head.cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(header).bold = True
        _shade(cell, HEADER_FILL)
    _repeat_header(head)
    _cant_split(head)
    table.add_row().cells[0].text = f"{{%tr for {loop} %}}"
    row = table.add_row()
    for cell, expr in zip(row.cells, cells):
        cell.text = expr
    if row_height:
        row.height = row_height
    _cant_split(row)
    table.add_row().cells[0].text = "{%tr endfor %}"
    for _ in range(blank_rows):
        extra = table.add_row()
        _cant_split(extra)
        if row_height:
            extra.height = row_height
    if widths:
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)
        for r in table.rows[1 if title else 0:]:
            for cell, width in zip(r.cells, widths):
                cell.width = Cm(width)
    para(doc)
    return table


def letter_head(doc, recipient: str, subject: str, attention: str | None = None) -> None:
    """Sender (the referent structure, from the workbook), recipient, place and date, subject."""
    p = para(doc, "{{ structure.nom or 'Missions Locales de la Vienne' }}", bold=True)
    p.paragraph_format.space_after = Pt(0)
    optional(doc, "structure.adresse", lambda d: _tight(para(d, "{{ structure.adresse }}")))
    optional(doc, "structure.ville", lambda d: _tight(para(d, "{{ structure.code_postal }} {{ structure.ville }}")))
    optional(doc, "structure.telephone or structure.email", lambda d: _tight(para(
        d, "{% if structure.telephone %}Tél. {{ structure.telephone }}{% endif %}"
           "{% if structure.telephone and structure.email %} · {% endif %}{{ structure.email }}", size=10)))
    p = para(doc, f"Action « {PROGRAMME} »", size=10)
    p = para(doc, recipient, bold=True)
    p.paragraph_format.left_indent = Cm(9)
    p.paragraph_format.space_before = Pt(12)
    if attention:
        optional(doc, attention, lambda d: setattr(para(d, f"{{{{ {attention} }}}}").paragraph_format, "left_indent", Cm(9)))
    p = para(doc, "{% if lieu_courrier %}{{ lieu_courrier }}, le{% else %}Le{% endif %} {{ date_courrier }}")
    p.paragraph_format.left_indent = Cm(9)
    p.paragraph_format.space_before = Pt(12)
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    p.add_run("Objet : ").bold = True
    p.add_run(subject)


def _tight(paragraph):
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def company_letter_head(doc, subject: str) -> None:
    letter_head(doc, "{{ entreprise }}", subject, attention="a_l_attention")
    para(doc, "Madame, Monsieur,")


def reply_contact(doc, text: str) -> None:
    """Who to answer, when a reply is asked: the referent structure's signatory, phone, e-mail."""
    para(doc, text + "{% if contact_reponse %} {{ contact_reponse }}{% endif %}.")


def kept_together(doc):
    """A cell (of a borderless one-row table that is never cut across two pages) for a block
    that must stay whole: keep-with-next alone is not honoured by every word processor."""
    table = doc.add_table(rows=1, cols=1)
    _no_borders(table)
    _cant_split(table.rows[0])
    return table.rows[0].cells[0]


def signature_ml(doc) -> None:
    """Closing formula and signature, never cut: the signature never sits alone on a page."""
    cell = kept_together(doc)
    closing = cell.paragraphs[0]
    closing.add_run("Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.")
    block = [cell.add_paragraph(), cell.add_paragraph("{{ structure.fonction_signataire }}"),
             cell.add_paragraph("{{ structure.nom }}")]
    block[0].add_run('{{ structure.signataire or "L\'équipe des Missions Locales de la Vienne" }}').bold = True
    for p in block:
        p.paragraph_format.left_indent = Cm(9)
        p.paragraph_format.space_after = Pt(0)
    block[0].paragraph_format.space_before = Pt(18)
    keep_with_next([doc.paragraphs[-1], closing, *block[:-1]])


def participant_head(doc, title: str) -> None:
    para(doc, title, style="Title")
    labelled(doc, "Participant", "{{ prenom }} {{ nom }}")
    para(doc, "Document remis par le SPIP — {% if lieu_courrier %}{{ lieu_courrier }}, le{% else %}Le{% endif %} "
              "{{ date_courrier }}", size=9)


def signature_blocks(doc, names, title: str = "Signatures") -> None:
    """The heading and the signature boxes, never cut across two pages."""
    cell = kept_together(doc)
    cell.paragraphs[0].style = doc.styles["Heading 1"]
    cell.paragraphs[0].add_run(title)
    table = cell.add_table(rows=2, cols=len(names))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, names):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
        cell.paragraphs[0].paragraph_format.keep_with_next = True
        _shade(cell, HEADER_FILL)
    for cell in table.rows[1].cells:
        cell.text = "Date et signature :"
    table.rows[1].height = Cm(3)
    for row in table.rows:
        _cant_split(row)


ACCESS_RULES = (
    "Pièce d'identité obligatoire : présentez-vous avec une carte nationale d'identité ou un "
    "passeport en cours de validité. Sans elle, l'accès à l'établissement vous sera refusé.",
    "Votre nom est communiqué à l'avance à l'administration pénitentiaire : toute personne non "
    "inscrite ne pourra pas entrer. Prévenez-nous au plus tôt de tout changement de représentant.",
    "Présentez-vous à l'accueil de l'établissement 20 minutes avant l'heure indiquée, le temps des "
    "formalités de contrôle.",
    "Les téléphones, ordinateurs, clés USB et objets métalliques sont déposés à l'entrée ; aucun "
    "objet ne peut être remis aux personnes détenues.",
)


# ---------------------------------------------------------------------------------------------
# One function per document
# ---------------------------------------------------------------------------------------------


def convocation_sensibilisation():
    doc = new_document("Convocation à la sensibilisation des entreprises")
    company_letter_head(doc, "demi-journée de sensibilisation à l'univers carcéral")
    para(doc, "Nous vous remercions de votre engagement dans l'action « " + PROGRAMME + " ». Avant de "
              "rencontrer les participants, nous vous invitons à une demi-journée de sensibilisation "
              "à l'univers carcéral :")
    labelled(doc, "Date", "{{ date_sensibilisation }}")
    labelled(doc, "Horaire", "{{ horaire }}")
    labelled(doc, "Lieu", "{{ etablissement }}")
    para(doc, "Au programme, trois temps :", bold=True)
    bullets(doc, (
        "Formation à la sécurité : les règles à respecter en détention.",
        "Visite de l'établissement.",
        "Rôle des entreprises dans le dispositif : entretiens individuels, débriefing, Grand Oral "
        "et propositions aux participants (parrainage, conseils, mises en relation…).",
    ))
    para(doc, "Formalités d'accès", style="Heading 2")
    bullets(doc, ACCESS_RULES)
    reply_contact(doc, "Pour toute question ou tout changement de représentant, contactez-nous")
    signature_ml(doc)
    return doc


def convocation_entretiens():
    doc = new_document("Convocation aux entretiens individuels")
    company_letter_head(doc, "journée des entretiens individuels — {{ date_entretiens }}")
    para(doc, "Les participants ont préparé leur projet professionnel avec le coach ; ils vont vous le "
              "présenter au cours d'entretiens individuels. Voici votre organisation de la journée.")
    labelled(doc, "Date", "{{ date_entretiens }}")
    labelled(doc, "Heure d'arrivée", "{{ heure_convocation }}")
    labelled(doc, "Lieu", "{{ etablissement }}")
    optional(doc, "heure_depart", lambda d: labelled(d, "Départ prévu", "{{ heure_depart }}"))
    optional(doc, "binome", lambda d: labelled(d, "Votre binôme", "{{ binome }}"))
    optional(doc, "partenaires",
             lambda d: labelled(d, "Vous menez les entretiens avec", "{{ partenaires }}"))
    para(doc, "Votre planning", style="Heading 2")
    loop_table(doc, ("Horaire", "Salle", "Participant"),
               ("{{ c.horaire }}", "{{ c.salle }}", "{{ c.participant }}"), "c in creneaux",
               widths=(5, 4, 8))
    para(doc, "Seuls les prénoms des participants vous sont communiqués. À l'issue des entretiens, "
              "nous nous réunirons pour le débriefing : vos propositions (parrainage, conseils, mises "
              "en relation, offres, stages…) construiront leur plan d'action.")
    para(doc, "Formalités d'accès", style="Heading 2")
    bullets(doc, ACCESS_RULES)
    reply_contact(doc, "Pour toute question ou tout empêchement, contactez-nous")
    signature_ml(doc)
    return doc


def invitation_grand_oral():
    doc = new_document("Invitation au Grand Oral")
    company_letter_head(doc, "invitation au Grand Oral et au repas de clôture")
    para(doc, "Chaque participant présentera individuellement son projet devant l'ensemble des "
              "entreprises, en tenant compte des préconisations que vous lui avez apportées. Nous avons "
              "le plaisir de vous y inviter :")
    labelled(doc, "Date", "{{ date_grand_oral }}")
    labelled(doc, "Horaire", "{{ horaire_grand_oral }}, repas compris")
    labelled(doc, "Lieu", "{{ etablissement }}")
    para(doc, "L'action se terminera par un repas commun avec les participants, les entreprises, les "
              "organisateurs, l'établissement pénitentiaire et le magistrat : un moment d'échanges "
              "informels et conviviaux.")
    reply_contact(doc, "Merci de nous confirmer votre présence au Grand Oral et au repas")
    para(doc, "Formalités d'accès", style="Heading 2")
    bullets(doc, ACCESS_RULES)
    signature_ml(doc)
    return doc


def convocation_coaching():
    doc = new_document("Convocation au coaching", confidential=True)
    participant_head(doc, "Convocation au coaching")
    para(doc, "Bonjour {{ prenom }},")
    para(doc, "Vous avez été retenu(e) pour participer à l'action « " + PROGRAMME + " ». Vous êtes "
              "convoqué(e) aux journées de coaching collectif :")
    labelled(doc, "Du", "{{ date_debut_coaching }}")
    optional(doc, "date_fin_coaching", lambda d: labelled(d, "Au", "{{ date_fin_coaching }}"))
    labelled(doc, "Horaire", "chaque jour {{ horaire }}")
    optional(doc, "lieu", lambda d: labelled(d, "Lieu", "{{ lieu }}"))
    optional(doc, "coach", lambda d: labelled(d, "Coach", "{{ coach }}"))
    para(doc, "Avec le coach, vous clarifierez votre projet professionnel, apprendrez à mieux vous "
              "connaître pour mieux communiquer et découvrirez les entreprises et leurs codes.")
    optional(doc, "date_entretiens",
             lambda d: labelled(d, "Entretiens avec les entreprises", "{{ date_entretiens }}"))
    optional(doc, "date_grand_oral", lambda d: labelled(d, "Grand Oral", "{{ date_grand_oral }}"))
    para(doc, "Votre présence est indispensable à chaque demi-journée.")
    return doc


def planning_entretiens():
    doc = new_document("Planning individuel des entretiens", confidential=True)
    participant_head(doc, "Vos entretiens avec les entreprises")
    para(doc, "Bonjour {{ prenom }},")
    para(doc, "Le {{ date_entretiens }}, vous présenterez votre projet professionnel à des binômes "
              "d'entreprises. Voici votre planning :")
    loop_table(doc, ("Horaire", "Salle", "Binôme", "Entreprises"),
               ("{{ e.horaire }}", "{{ e.salle }}", "{{ e.binome }}", "{{ e.entreprises }}"),
               "e in entretiens", widths=(4, 2.5, 2.5, 8))
    para(doc, "Soyez prêt(e) quelques minutes avant chaque entretien. Bonne préparation !")
    return doc


def horaire_grand_oral():
    doc = new_document("Horaire du Grand Oral", confidential=True)
    participant_head(doc, "Votre passage au Grand Oral")
    para(doc, "Bonjour {{ prenom }},")
    para(doc, "Vous présenterez votre projet devant l'ensemble des entreprises, en tenant compte des "
              "conseils reçus lors des entretiens.")
    labelled(doc, "Date", "{{ date_grand_oral }}")
    labelled(doc, "Heure de passage", "{{ heure_passage }}")
    labelled(doc, "Ordre de passage", "{{ ordre }}")
    optional(doc, "lieu", lambda d: labelled(d, "Lieu", "{{ lieu }}"))
    para(doc, "Le Grand Oral sera suivi d'un repas commun avec les entreprises et les organisateurs.")
    return doc


def plan_action():
    doc = new_document("Plan d'action individuel", confidential=True)
    para(doc, "Plan d'action individuel", style="Title")
    labelled(doc, "Participant", "{{ prenom }} {{ nom }}")
    optional(doc, "mission_locale", lambda d: labelled(d, "Mission Locale référente", "{{ mission_locale }}"))
    optional(doc, "conseiller", lambda d: labelled(d, "Conseiller", "{{ conseiller }}"))
    optional(doc, "projet", lambda d: labelled(d, "Projet professionnel", "{{ projet }}"))
    labelled(doc, "Établi le", "{{ date_courrier }}")
    para(doc, "Plan co-construit entre le participant, la Mission Locale et le SPIP ; il balaie toutes "
              "les sphères de vie et s'appuie sur les solutions apportées par les entreprises.", size=9)

    para(doc, "Actions par sphère de vie", style="Heading 1")
    para(doc, "{%p for s in spheres %}")
    para(doc, "{{ s.nom }}", style="Heading 2")
    para(doc, "{%p if s.actions %}")
    loop_table(doc, ("Objectif", "Action", "Qui", "Pour quand", "Statut"),
               ("{{ a.objectif }}", "{{ a.action }}", "{{ a.responsable }}", "{{ a.echeance }}",
                "{{ a.statut }}"), "a in s.actions", widths=(4, 5.5, 2.5, 2.5, 2.5))
    para(doc, "{%p else %}")
    para(doc, "Aucune action prévue pour l'instant.")
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")

    para(doc, "Propositions des entreprises au débriefing", style="Heading 1")
    para(doc, "{%p if propositions %}")
    loop_table(doc, ("Entreprise", "Proposition", "Détail", "Suite donnée"),
               ("{{ p.entreprise }}", "{{ p.type }}", "{{ p.detail }}", "{{ p.suite }}"),
               "p in propositions", widths=(4, 3, 7, 3))
    para(doc, "{%p else %}")
    para(doc, "Aucune proposition enregistrée.")
    para(doc, "{%p endif %}")

    para(doc, "Relais extérieur", style="Heading 1")
    para(doc, "{%p if relais %}")
    labelled(doc, "Relais", "{{ relais }}")
    optional(doc, "territoire_relais", lambda d: labelled(d, "Territoire", "{{ territoire_relais }}"))
    optional(doc, "date_contact_relais",
             lambda d: labelled(d, "Premier contact", "{{ date_contact_relais }}"))
    para(doc, "{%p else %}")
    para(doc, "Relais à rechercher sur le territoire de destination.")
    para(doc, "{%p endif %}")

    signature_blocks(doc, ("Le participant", "La Mission Locale", "Le SPIP"))
    return doc


def retour_entretiens():
    doc = new_document("Retour individuel après les entretiens", confidential=True)
    participant_head(doc, "Retour sur vos entretiens")
    para(doc, "Bonjour {{ prenom }},")
    para(doc, "Après les entretiens du {{ date_entretiens }}, les entreprises se sont réunies pour faire "
              "le point sur votre projet. Voici leur retour, base de votre plan d'action.")
    para(doc, "{%p if entretiens %}")
    para(doc, "Les binômes rencontrés", style="Heading 2")
    loop_table(doc, ("Horaire", "Binôme", "Entreprises"),
               ("{{ e.horaire }}", "{{ e.binome }}", "{{ e.entreprises }}"), "e in entretiens",
               widths=(4, 3, 10))
    para(doc, "{%p endif %}")
    para(doc, "Ce que les entreprises vous proposent", style="Heading 2")
    para(doc, "{%p if propositions %}")
    loop_table(doc, ("Entreprise", "Proposition", "Détail"),
               ("{{ p.entreprise }}", "{{ p.type }}", "{{ p.detail }}"), "p in propositions",
               widths=(4.5, 3.5, 9))
    para(doc, "{%p else %}")
    para(doc, "Votre conseiller vous présentera les retours des entreprises lors de votre prochain "
              "rendez-vous.")
    para(doc, "{%p endif %}")
    para(doc, "Nous construirons ensemble, avec le SPIP, votre plan d'action à partir de ces propositions.")
    return doc


def emargement():
    doc = new_document("Feuille d'émargement")
    para(doc, "Feuille d'émargement", style="Title")
    labelled(doc, "Action", PROGRAMME)
    labelled(doc, "Temps", "{{ evenement }}")
    labelled(doc, "Date", "{{ date }}")
    optional(doc, "demi_journee", lambda d: labelled(d, "Demi-journée", "{{ demi_journee }}"))
    labelled(doc, "Lieu", "{{ etablissement }}")
    loop_table(doc, ("Nom et prénom", "Structure / qualité", "Signature"),
               ("{{ s.nom }}", "{{ s.structure }}", ""), "s in signataires",
               widths=(6.5, 5.5, 5), blank_rows=3, row_height=Cm(1.1))
    para(doc, "Feuille à conserver : elle justifie la réalisation de l'action auprès des financeurs.",
         size=9)
    return doc


def copil_details(doc) -> None:
    labelled(doc, "Date", "{{ date_copil }}")
    labelled(doc, "Horaire", "{{ horaire_copil }}")
    labelled(doc, "Lieu", "{{ lieu_copil }}")
    optional(doc, "ordre_du_jour", lambda d: labelled(d, "Ordre du jour", "{{ ordre_du_jour }}"))


def invitation_copil():
    doc = new_document("Invitation au comité de pilotage")
    letter_head(doc, "{{ organisation }}", "comité de pilotage de la session {{ session }}",
                attention="a_l_attention")
    para(doc, "Madame, Monsieur,")
    para(doc, "Nous avons le plaisir de vous inviter au comité de pilotage de l'action « " + PROGRAMME
              + " », qui réunit les Missions Locales, le SPIP, l'administration pénitentiaire, les "
              "magistrats, les financeurs et les partenaires de l'action :")
    copil_details(doc)
    para(doc, "{%p if financeurs %}")
    para(doc, "Financement de la session", style="Heading 2")
    loop_table(doc, ("Financeur", "Montant"), ("{{ f.nom }}", "{{ f.montant }}"), "f in financeurs",
               widths=(11, 6))
    optional(doc, "budget", lambda d: labelled(d, "Budget total", "{{ budget }}"))
    para(doc, "{%p endif %}")
    reply_contact(doc, "Merci de nous confirmer votre présence ou de vous faire représenter")
    signature_ml(doc)
    return doc


def emargement_copil():
    doc = new_document("Feuille d'émargement du comité de pilotage")
    para(doc, "Comité de pilotage — feuille d'émargement", style="Title")
    labelled(doc, "Action", PROGRAMME)
    copil_details(doc)
    loop_table(doc, ("Nom et prénom", "Organisation", "Fonction", "Signature"),
               ("{{ i.nom }}", "{{ i.organisation }}", "{{ i.fonction }}", ""), "i in invites",
               widths=(4.5, 5, 4, 3.5), blank_rows=5, row_height=Cm(1.1))
    para(doc, "Feuille à conserver avec le compte rendu du comité de pilotage.", size=9)
    return doc


def dossier_entreprises():
    doc = new_document("Dossier des participants pour les entreprises")
    company_letter_head(doc, "présentation des participants avant les entretiens")
    para(doc, "Voici les participants que vous rencontrerez lors des entretiens individuels, avec le "
              "projet professionnel qu'ils ont préparé et le CV construit à l'atelier CV. Ces informations "
              "vous sont confiées pour préparer les entretiens : merci de ne pas les diffuser.")
    para(doc, "Informations pratiques", style="Heading 2")
    optional(doc, "date_entretiens", lambda d: labelled(d, "Entretiens", "{{ date_entretiens }}"))
    optional(doc, "heure_arrivee", lambda d: labelled(
        d, "Votre arrivée", "{{ heure_arrivee }}{% if heure_depart %}, départ prévu à {{ heure_depart }}{% endif %}"))
    optional(doc, "date_grand_oral", lambda d: labelled(d, "Grand Oral", "{{ date_grand_oral }}"))
    labelled(doc, "Lieu", "{{ etablissement }}{% if lieu %} — {{ lieu }}{% endif %}")
    bullets(doc, ACCESS_RULES)
    para(doc, "Les participants", style="Heading 2")
    loop_table(doc, ("Prénom", "Projet professionnel", "Domaine visé", "CV"),
               ("{{ p.prenom }}", "{{ p.projet }}", "{{ p.domaine }}", "{{ p.cv }}"), "p in participants",
               widths=(3, 5, 5.5, 3.5))
    para(doc, "{%p if cv_pdf %}")
    para(doc, "CV joints séparément (PDF)", style="Heading 2")
    para(doc, "{%p for f in cv_pdf %}")
    para(doc, "{{ f }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    reply_contact(doc, "Pour toute question sur les participants ou sur la journée, contactez-nous")
    signature_ml(doc)
    return doc


def liste_visiteurs():
    doc = new_document("Liste des visiteurs", landscape=True)
    para(doc, "Liste des visiteurs extérieurs", style="Title")
    labelled(doc, "Destinataire", "Service de sécurité — {{ etablissement }}")
    labelled(doc, "Établie le", "{{ date_courrier }}{% if structure.nom %}, par {{ structure.nom }}{% endif %}")
    para(doc, "Personnes extérieures attendues pour l'action « " + PROGRAMME + " », pour habilitation "
              "d'accès, avec les éléments d'identité demandés par l'établissement ({{ identite_demandee }}). "
              "Chaque visiteur présentera la pièce d'identité indiquée. Document confidentiel : il ne "
              "circule qu'entre la Mission Locale et l'établissement.")
    reply_contact(doc, "Pour toute question")
    para(doc, "{%p for ev in evenements %}")
    loop_table(doc, ("Nom", "Prénom", "Identité", "Structure", "Qualité", "Horaire"),
               ("{{ v.nom }}", "{{ v.prenom }}", "{{ v.identite }}", "{{ v.structure }}", "{{ v.qualite }}",
                "{{ v.horaire }}"), "v in ev.visiteurs", widths=(3.6, 3.2, 6.4, 5, 3.8, 3.7),
               title="{{ ev.titre }} — {{ ev.date }}{% if ev.horaire %}, {{ ev.horaire }}{% endif %}")
    para(doc, "{%p endfor %}")
    return doc


BUILDERS = {
    "convocation-sensibilisation": convocation_sensibilisation,
    "convocation-entretiens": convocation_entretiens,
    "invitation-grand-oral": invitation_grand_oral,
    "convocation-coaching": convocation_coaching,
    "planning-entretiens": planning_entretiens,
    "horaire-grand-oral": horaire_grand_oral,
    "plan-action": plan_action,
    "retour-entretiens": retour_entretiens,
    "emargement": emargement,
    "invitation-copil": invitation_copil,
    "emargement-copil": emargement_copil,
    "dossier-entreprises": dossier_entreprises,
    "liste-visiteurs": liste_visiteurs,
}


def same_package(a, b) -> bool:
    """Same .docx content, whatever the zip timestamps (python-docx stamps the current time)."""
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        names = sorted(za.namelist())
        return names == sorted(zb.namelist()) and all(za.read(n) == zb.read(n) for n in names)


def build(out_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """Write every template and the field reference into ``out_dir``; return their paths.

    A template whose content did not change is left as it is, so git shows no binary churn.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc_type in DOCUMENT_TYPES.values():
        path = out_dir / doc_type.template
        buffer = io.BytesIO()
        BUILDERS[doc_type.key]().save(buffer)
        if not (path.exists() and same_package(buffer, path)):
            path.write_bytes(buffer.getvalue())
        written.append(path)
    champs = out_dir / "CHAMPS.md"
    champs.write_text(fields_markdown(), encoding="utf-8")
    written.append(champs)
    return written


if __name__ == "__main__":
    for written_path in build():
        print(written_path.relative_to(ROOT))
