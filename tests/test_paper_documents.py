"""Documents as their readers get them: the sender's identity and logos, the funding mention, times in
every convocation, the visitor list for the establishment's security, French wording, the Mission
Locale's own templates."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from ccc_xl import contract as c
from ccc_xl import wording
from ccc_xl.commands import modeles_copier, modeles_verifier
from ccc_xl.demo import logo_png
from ccc_xl.documents import DOCUMENT_TYPES, plan_documents
from ccc_xl.report import CommandError
from ccc_xl.word import TEMPLATES_DIR, find_logos, generate
from ccc_xl.wording import name_key
from document_samples import sample_frames
from test_documents import TODAY, docx_text, make

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
LETTERS = ("convocation-sensibilisation", "convocation-entretiens", "invitation-grand-oral", "invitation-copil",
           "dossier-entreprises")


def _planned(frames, **kw):
    return plan_documents(frames, today=TODAY, **kw)


@pytest.mark.parametrize("key, kind", [("awareness_start", "convocation-sensibilisation"),
                                       ("coaching_day_start", "convocation-coaching"),
                                       ("awareness_date", "convocation-sensibilisation")])
def test_a_convocation_without_its_time_is_not_made_and_the_cell_to_fill_is_named(key, kind):
    frames = sample_frames(participants=2, companies=4)
    frames.sessions[key] = None
    _, docs, anomalies = _planned(frames, types=[kind])
    assert not docs
    header = c.SESSIONS.column(key).header
    assert [(a.sheet, a.row, a.column) for a in anomalies] == [("Sessions", 2, header)]


def test_a_copil_without_its_time_gets_no_invitation_and_its_row_is_named():
    frames = sample_frames(participants=2, companies=4)
    frames.copil["start"] = None
    _, docs, anomalies = _planned(frames, types=["invitation-copil"])
    assert not docs
    assert [(a.sheet, a.row, a.column) for a in anomalies] == [("COPIL", 5, "Heure")]


@pytest.mark.xdist_group("documents-exemple")
def test_every_convocation_gives_its_time(sample_documents):
    _, texts, _ = sample_documents
    for kind in ("convocation-sensibilisation", "convocation-entretiens", "invitation-grand-oral",
                 "convocation-coaching", "invitation-copil", "horaire-grand-oral", "planning-entretiens"):
        assert texts[kind] and all(re.search(r"\d{1,2} h \d{2}", t) for t in texts[kind]), kind


@pytest.mark.xdist_group("documents-exemple")
def test_every_document_of_a_funded_session_carries_its_funding_mention(sample_documents, tmp_path):
    _, texts, _ = sample_documents
    mention = "Action financée par le Fonds interministériel de prévention de la délinquance"
    assert set(texts) == set(DOCUMENT_TYPES)
    for kind, docs in texts.items():
        assert all(mention in t and "Financement : SPIP de la Vienne" in t for t in docs), kind
    frames = sample_frames(participants=2, companies=4)
    frames.funding = frames.funding.iloc[0:0]
    _, texts, _ = make(tmp_path / "sans", frames)
    assert not any("Financement : " in t or mention in t for docs in texts.values() for t in docs)


@pytest.mark.xdist_group("documents-exemple")
def test_letters_come_from_the_referent_structure_dated_without_weekday(sample_documents, tmp_path):
    _, texts, _ = sample_documents
    for kind in LETTERS:
        for text in texts[kind]:
            assert "Mission Locale Nord Vienne\n3 boulevard Blossac\n86100 Châtellerault" in text, kind
            assert "Châtellerault, le 20 février 2023" in text, kind
            assert not any(f"{day} 20 février" in text for day in WEEKDAYS), kind
            assert "Éric Blanc\nDirecteur\nMission Locale Nord Vienne" in text, kind
    # No « Date du courrier », no structures: the production day, and no town to invent.
    frames = sample_frames(participants=2, companies=4, blank_optional=True)
    frames.structures = frames.structures.iloc[0:0]
    _, texts, _ = make(tmp_path / "vierge", frames, types=["convocation-sensibilisation"])
    text = texts["convocation-sensibilisation"][0]
    assert "\nLe 1er mars 2023\n" in text and "Poitiers, le" not in text
    assert "L'équipe des Missions Locales de la Vienne" in text


def test_a_reply_asked_says_whom_to_answer(tmp_path):
    _, texts, _ = make(tmp_path, types=["invitation-grand-oral", "invitation-copil"])
    for kind, docs in texts.items():
        assert all("auprès d'Éric Blanc au 05 49 00 00 02 ou par courriel à contact@ml-nord.example" in t
                   for t in docs), kind


def test_a_named_referent_structure_that_does_not_exist_is_reported():
    frames = sample_frames(participants=2, companies=4)
    frames.sessions["referent_structure"] = "ML Inconnue"
    _, docs, anomalies = _planned(frames, types=["convocation-sensibilisation"])
    assert docs and docs[0].context["structure"]["nom"] == "Mission Locale du Poitou"
    assert any(a.column == "Structure référente" and a.value == "ML Inconnue" for a in anomalies)


@given(st.sampled_from("AEIOUaeiouÉÈÊéèêÀÂàâÎÏîïÔôÛÙûù"), st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", max_size=15))
def test_names_starting_with_a_vowel_are_introduced_by_d_apostrophe(first, rest):
    name = first + rest
    assert wording.of(name) == f"d'{name.strip()}"


@given(st.sampled_from("BCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxz"), st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", max_size=15))
def test_other_names_are_introduced_by_de(first, rest):
    name = first + rest
    assert wording.of(name) == f"de {name.strip()}"


def test_attention_line_elides_and_joins_people(tmp_path):
    frames = sample_frames(participants=2, companies=2)
    frames.companies.loc[frames.companies.index[0], "representatives"] = "Élodie Martin ; Hugo Petit ; Inès Roy"
    _, texts, _ = make(tmp_path, frames, types=["convocation-sensibilisation"])
    assert any("À l'attention d'Élodie Martin, de Hugo Petit et d'Inès Roy" in t for t in texts["convocation-sensibilisation"])


def test_words_shown_to_companies_and_participants_are_plain(tmp_path):
    frames = sample_frames(participants=2, companies=4)
    frames.candidates["domain"] = "D - Commerce, vente et grande distribution"
    frames.pathways["relay_territory"] = "79"
    _, texts, _ = make(tmp_path, frames, types=["dossier-entreprises", "plan-action"])
    pack = "\n".join(texts["dossier-entreprises"])
    assert "Commerce, vente et grande distribution" in pack and "D - Commerce" not in pack
    assert "Salle :" not in pack
    assert all("Territoire : Deux-Sèvres (79)" in t for t in texts["plan-action"])
    assert wording.departement_label("86000") == "Vienne (86)" and wording.departement_label("Niort") == "Niort"
    assert wording.letter_date(dt.date(2027, 4, 1)) == "1er avril 2027"


def test_the_visitor_list_has_one_row_per_person_in_sections_with_the_identity_asked(tmp_path):
    _, texts, anomalies = make(tmp_path, types=["liste-visiteurs"])
    assert anomalies == []
    doc = Document(next((tmp_path / "2023" / "Liste des visiteurs").glob("*.docx")))
    titles = [t.rows[0].cells[0].text for t in doc.tables if t.rows[0].cells[0].text.count("—")]
    assert [t.split(" — ")[0] for t in titles] == ["Sensibilisation des entreprises", "Coaching",
                                                  "Entretiens individuels", "Grand Oral et repas"]
    for table in doc.tables[1:]:  # the first table is the header's
        header = [cell.text for cell in table.rows[1].cells]
        assert header == ["Nom", "Prénom", "Identité", "Structure", "Qualité", "Horaire"]
        rows = [[cell.text for cell in row.cells] for row in table.rows[2:]]
        assert len({(r[0], r[1], r[3]) for r in rows}) == len(rows)  # one row per person
    coaching = next(t for t in doc.tables if t.rows[0].cells[0].text.startswith("Coaching"))
    people = {(row.cells[0].text, row.cells[4].text) for row in coaching.rows[2:]}
    assert people == {("FONTAINE", "Coach"), ("VIDAL", "Mission Locale")}
    # The establishment asks only for names and birth dates: nothing else is printed.
    frames = sample_frames(participants=2, companies=2)
    frames.sessions["visitor_identity"] = "Nom ; Prénom ; Date de naissance"
    _, texts, _ = make(tmp_path / "court", frames, types=["liste-visiteurs"])
    assert "Né(e) le 02/04/1980" in texts["liste-visiteurs"][0]
    assert "Passeport" not in texts["liste-visiteurs"][0] and "Niort" not in texts["liste-visiteurs"][0]


def test_missing_identity_elements_are_named_in_the_journal():
    frames = sample_frames(participants=2, companies=2)
    first = frames.visitors.index[0]
    frames.visitors.loc[first, "birth_place"] = None
    frames.visitors.loc[frames.visitors.index[1], "id_number"] = None
    frames.sessions["visitor_identity"] = "Nom ; Prénom ; Date de naissance ; Lieu de naissance ; Pièce d'identité ; Taille"
    _, _, anomalies = _planned(frames, types=["liste-visiteurs"])
    found = {(a.sheet, a.row, a.column) for a in anomalies}
    assert ("Visiteurs", first, "Lieu de naissance") in found
    assert ("Visiteurs", frames.visitors.index[1], "Pièce d'identité") in found
    assert any(a.column == "Identité des visiteurs" and "Taille" in a.message for a in anomalies)


@pytest.mark.xdist_group("documents-exemple")
def test_visitors_identity_is_printed_on_the_visitor_list_only(sample_documents):
    _, texts, _ = sample_documents
    frames = sample_frames()
    secrets = {f"{pd.Timestamp(d):%d/%m/%Y}" for d in frames.visitors["birth_date"]}
    secrets |= set(frames.visitors["id_number"]) | {"Angoulême", "Niort"}
    for kind, docs in texts.items():
        if kind == "liste-visiteurs":
            assert all(any(secret in t for secret in secrets) for t in docs)
            continue
        for text in docs:
            assert not [secret for secret in secrets if secret in text], kind
    for column in ("birth_date", "birth_place", "nationality", "id_type", "id_number", "last_name", "first_name"):
        assert c.VISITORS.column(column).identifying  # the purge clears them


def test_events_set_on_a_weekend_or_a_public_holiday_are_flagged():
    frames = sample_frames(participants=2, companies=2)
    frames.copil["date"] = pd.Timestamp("2022-12-10")  # a Saturday
    frames.sessions["interviews_date"] = pd.Timestamp("2023-05-29")  # Whit Monday
    _, _, anomalies = _planned(frames, types=["emargement-copil"])
    messages = {(a.sheet, a.column): a.message for a in anomalies}
    assert "un samedi" in messages[("COPIL", "Date")]
    assert "jour férié (Lundi de Pentecôte)" in messages[("Sessions", "Date des entretiens")]


def _header_images(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        headers = [n for n in package.namelist() if n.startswith("word/header")]
        return [h for h in headers if b"<pic:pic" in package.read(h)]


def test_the_referent_structure_logo_prints_in_the_header_and_a_missing_one_leaves_no_hole(tmp_path):
    logos = tmp_path / "Logos"
    logos.mkdir()
    (logos / "ml-nord.png").write_bytes(logo_png("ML", "Nord", "#2E7D32"))
    (logos / "faux.png").write_text("pas une image")
    frames = sample_frames(participants=2, companies=2)
    frames.structures.loc[frames.structures.index[1], "logo"] = "ML-Nord.png"
    frames.structures.loc[frames.structures.index[2], "logo"] = "faux.png"  # the SPIP's: unreadable
    frames.logos = find_logos(logos)
    year, docs, anomalies = plan_documents(frames, today=TODAY, types=["convocation-coaching"])
    assert [(a.sheet, a.column, a.value) for a in anomalies] == [("Structures", "Logo", "faux.png")]
    files = generate(docs, tmp_path / "out", year)
    for f in files:
        assert _header_images(tmp_path / "out" / f.path), f.path
    frames.logos = {}
    year, docs, anomalies = plan_documents(frames, today=TODAY, types=["convocation-coaching"])
    files = generate(docs, tmp_path / "sans", year)
    assert not any(_header_images(tmp_path / "sans" / f.path) for f in files)


def test_a_models_folder_replaces_shipped_templates_type_by_type(tmp_path):
    folder = tmp_path / "Modèles"
    outcome = modeles_copier(folder)
    assert (folder / "convocation-coaching.docx").is_file() and (folder / "bilan-annuel.docx").is_file()
    assert "placez ce dossier" in " ".join(outcome.lines).lower()
    own = Document(folder / "convocation-coaching.docx")
    own.add_paragraph("Modèle de la Mission Locale du Poitou")
    own.save(folder / "convocation-coaching.docx")
    again = modeles_copier(folder)
    assert "existe déjà" in " ".join(again.lines)  # an adviser's copy is never overwritten
    assert "Modèle de la Mission Locale du Poitou" in docx_text(folder / "convocation-coaching.docx")
    (folder / "convocation-entretiens.docx").unlink()  # this type keeps the shipped template
    year, docs, _ = plan_documents(sample_frames(participants=2, companies=4), today=TODAY,
                                   types=["convocation-coaching", "convocation-entretiens"])
    files = generate(docs, tmp_path / "out", year, custom_dir=folder)
    texts = {f.type: docx_text(tmp_path / "out" / f.path) for f in files}
    assert "Modèle de la Mission Locale du Poitou" in texts["convocation-coaching"]
    assert "Modèle de la Mission Locale" not in texts["convocation-entretiens"]
    checked = modeles_verifier(custom_dir=folder)
    assert "12 modèles viennent" in checked.summary  # the 13th is the shipped one
    broken = Document(folder / "convocation-coaching.docx")
    broken.add_paragraph("{{ champ_inconnu }}")
    broken.save(folder / "convocation-coaching.docx")
    with pytest.raises(CommandError) as error:
        modeles_verifier(custom_dir=folder)
    assert "Modèles/convocation-coaching.docx" in error.value.message and "champ_inconnu" in error.value.message
    assert (TEMPLATES_DIR / "convocation-coaching.docx").is_file()


def test_visitors_identity_never_leaves_in_the_funders_export(demo_workbook):
    from openpyxl import load_workbook

    from ccc_xl.commands import DEMO_FUNDERS_EXPORT

    visitors = load_workbook(demo_workbook, read_only=True)["Visiteurs"]
    rows = list(visitors.iter_rows(values_only=True))
    header = rows[0]
    secrets = {str(row[header.index("N° de pièce")]) for row in rows[1:]}
    secrets |= {f"{row[header.index('Prénom')]} {row[header.index('Nom')]}" for row in rows[1:]}
    assert len(secrets) > 20
    export = load_workbook(demo_workbook.parent / DEMO_FUNDERS_EXPORT, read_only=True)
    printed = {str(value) for ws in export.worksheets for row in ws.iter_rows(values_only=True)
               for value in row if value is not None}
    assert not [s for s in secrets if any(s in value for value in printed)]


NAMES = ["Zidane", "Élie", "Eddy", "émile", "Dupont", "de Villiers", "Œillet", "Oscar", "Durand"]
IN_ORDER = ["DE VILLIERS", "DUPONT", "DURAND", "EDDY", "ÉLIE", "ÉMILE", "ŒILLET", "OSCAR", "ZIDANE"]


@settings(max_examples=30, deadline=None)
@given(st.permutations(NAMES))
def test_attendance_sheets_list_participants_in_french_dictionary_order(names):
    frames = sample_frames(participants=len(names), companies=4)
    retained = frames.candidates["retained"].astype(bool).to_numpy()
    frames.candidates.loc[retained, "last_name"] = names
    _, docs, _ = _planned(frames, types=["emargement"])
    lists = [[s["nom"].rsplit(" ", 1)[0] for s in doc.context["signataires"] if s["structure"] == "Participant"]
             for doc in docs]
    assert lists and all(listed == IN_ORDER for listed in lists if listed)


def test_printed_attendance_sheet_follows_dictionary_order(tmp_path):
    frames = sample_frames(participants=len(NAMES), companies=4)
    frames.candidates.loc[frames.candidates["retained"].astype(bool).to_numpy(), "last_name"] = NAMES
    _, texts, _ = make(tmp_path, frames, types=["emargement"])
    text = texts["emargement"][0]
    assert sorted(IN_ORDER, key=text.index) == IN_ORDER


# --- Times with their end: each company's own hours, the Grand Oral from start to end ----------------


def _docs_of(frames, kind):
    return [d for d in _planned(frames, types=[kind])[1]]


def _hours(start: dt.time, end: dt.time) -> str:
    return f"de {start.hour} h {start.minute:02d} à {end.hour} h {end.minute:02d}"


def _visitor_rows(frames, title: str) -> list[dict]:
    (doc,) = _docs_of(frames, "liste-visiteurs")
    (event,) = [e for e in doc.context["evenements"] if e["titre"] == title]
    return event["visiteurs"]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.booleans(), min_size=4, max_size=4))
def test_on_the_interview_day_each_company_comes_and_leaves_at_its_own_hours(typed):
    """A company's « Arrivée »/« Départ » when typed, else its first and last interviews in the plan —
    the same on its convocation, its pack and the security office's list."""
    frames = sample_frames(participants=6, companies=4)
    plan = frames.interviews  # the second pair leaves at noon: each pair has its own day
    frames.interviews = plan[~(plan["company_ids"].str.contains("E003") & (plan["end"] > dt.time(12, 0)))]
    for row, keep in zip(frames.companies.index, typed):
        if not keep:
            frames.companies.loc[row, ["arrival", "departure"]] = None
    names = dict(zip(frames.companies["id"], frames.companies["name"]))
    expected = {}
    for _, company in frames.companies.iterrows():
        mine = frames.interviews[frames.interviews["company_ids"].str.contains(company["id"])]
        arrival = company["arrival"] if company["arrival"] is not None else min(mine["start"])
        departure = company["departure"] if company["departure"] is not None else max(mine["end"])
        expected[names[company["id"]]] = _hours(arrival, departure)
    assert len(set(expected.values())) > 1 or all(typed)
    listed = {}
    for person in _visitor_rows(frames, "Entretiens individuels"):
        if person["qualite"] == "Représentant d'entreprise":
            listed.setdefault(person["structure"], set()).add(person["horaire"])
    assert listed == {name: {hours} for name, hours in expected.items()}
    for kind in ("convocation-entretiens", "dossier-entreprises"):
        for doc in _docs_of(frames, kind):
            printed = f"de {doc.context['heure_arrivee']} à {doc.context['heure_depart']}"
            assert printed == expected[doc.context["entreprise"]], kind


@pytest.mark.parametrize("planned", [True, False])
def test_the_grand_oral_is_announced_from_its_start_to_its_end(tmp_path, planned):
    """Start, then the last passage's end (plan, else one passage per participant) and the meal, as long
    as the session's lunch break: the same on the invitation and on the security office's list."""
    frames = sample_frames(participants=7, companies=4)
    frames.sessions["grand_oral_minutes"] = 12
    frames.sessions["lunch_start"], frames.sessions["lunch_end"] = dt.time(12, 15), dt.time(13, 30)
    start = dt.datetime(2023, 3, 17, 14, 0)
    if planned:
        frames.grand_oral["start"] = [(start + dt.timedelta(minutes=15 * k)).time() for k in range(7)]
        passages_end = start + dt.timedelta(minutes=15 * 6 + 12)
    else:
        frames.grand_oral = frames.grand_oral.iloc[0:0]
        passages_end = start + dt.timedelta(minutes=7 * 12)
    expected = _hours(start.time(), (passages_end + dt.timedelta(minutes=75)).time())
    for person in _visitor_rows(frames, "Grand Oral et repas"):
        assert person["horaire"] == expected
    _, texts, _ = make(tmp_path, frames, types=["invitation-grand-oral", "liste-visiteurs"])
    assert all(f"Horaire : {expected}, repas compris" in text for text in texts["invitation-grand-oral"])
    assert f"Grand Oral et repas — vendredi 17 mars 2023, {expected}" in texts["liste-visiteurs"][0]


def test_no_visitor_list_time_lacks_its_end(tmp_path):
    """Every section and every person of the list for security says when they leave."""
    frames = sample_frames(participants=5, companies=4)
    frames.companies[["arrival", "departure"]] = None
    (doc,) = _docs_of(frames, "liste-visiteurs")
    shown = [e["horaire"] for e in doc.context["evenements"]]
    shown += [v["horaire"] for e in doc.context["evenements"] for v in e["visiteurs"]]
    assert shown and all(re.fullmatch(r"de \d{1,2} h \d{2} à \d{1,2} h \d{2}", h) for h in shown), shown


# --- Names: « NOM Prénom » on every list, by last name; « Prénom Nom » in a letter's sentences -------

PEOPLE = [("Zoé", "Abadie"), ("Élodie", "Martin"), ("Paul", "de Villiers"), ("Éric", "Œillet"),
          ("Anne-Marie", "Durand"), ("Jean", "Eddy"), ("Inès", "Édouard"), ("Hugo", "Martin")]
TYPED = (lambda first, last: f"{first} {last}", lambda first, last: f"{last.upper()} {first}",
         lambda first, last: f"{first} {last.upper()}")


def _name_lists(value, field=""):
    """Every printed list of people in a document's context, whatever the document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _name_lists(item, key)
    elif isinstance(value, list):
        if value and field in ("signataires", "invites", "visiteurs"):
            yield value
        for item in value:
            yield from _name_lists(item)


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.permutations(range(len(PEOPLE))), st.lists(st.sampled_from(range(len(TYPED))), min_size=12, max_size=12))
def test_every_list_of_people_prints_last_name_first_in_last_name_order(order, forms):
    people = [PEOPLE[k] for k in order]
    frames = sample_frames(participants=4, companies=4)
    typed = iter(TYPED[f](*people[(k + 2) % len(people)]) for k, f in enumerate(forms))
    retained = frames.candidates["retained"].astype(bool).to_numpy()
    frames.candidates.loc[retained, "first_name"] = [first for first, _ in people[:4]]
    frames.candidates.loc[retained, "last_name"] = [last for _, last in people[:4]]
    frames.companies["representatives"] = [f"{next(typed)} ; {next(typed)}" for _ in range(4)]
    frames.partners["contact"] = [next(typed), "Service prévention", next(typed), next(typed)]
    frames.sessions["coach"] = f"{next(typed)} (coach certifiée)"
    frames.visitors["first_name"] = [people[k % len(people)][0] for k in range(len(frames.visitors))]
    frames.visitors["last_name"] = [people[k % len(people)][1] for k in range(len(frames.visitors))]
    parts = {f"{last.upper()} {first}": (last, first) for first, last in PEOPLE}
    _, docs, _ = _planned(frames)
    seen = set()
    for doc in docs:
        for listed in _name_lists(doc.context):
            for group in (True, False):  # attendance sheets list the participants, then the others
                names = [" ".join(p for p in (item["nom"], item.get("prenom", "")) if p) for item in listed
                         if (item.get("structure") == "Participant") is group]
                names = [n.removesuffix(" (coach certifiée)") for n in names if n and n != "Service prévention"]
                assert all(n in parts for n in names), (doc.type, names)
                keys = [(name_key(parts[n][0].casefold()), name_key(parts[n][1].casefold())) for n in names]
                assert keys == sorted(keys), (doc.type, names)
                seen.add(doc.type) if names else None
        for field in ("representants", "a_l_attention"):
            spoken = doc.context.get(field, "")
            for first, last in PEOPLE:
                assert f"{last} {first}".upper() not in spoken.upper(), (doc.type, spoken)
            assert not spoken or "Service prévention" in spoken or any(f"{first} {last}".upper() in spoken.upper() for first, last in PEOPLE)
    assert seen == {"emargement", "emargement-copil", "liste-visiteurs"}


def _footer_lines(path: Path) -> list[str]:
    return [p.text for section in Document(path).sections for p in section.footer.paragraphs if "Page" in p.text]


SPIP = {"name": "Service pénitentiaire d'insertion et de probation de la Vienne", "kind": "SPIP"}


@pytest.mark.parametrize("structures, organisers", [
    ([{"name": "Mission Locale Sud Vienne", "kind": "Mission Locale"}, SPIP],
     "Mission Locale Sud Vienne · SPIP de la Vienne"),
    ([{"name": "Mission Locale du Poitou", "kind": "Mission Locale"},
      {"name": "Mission Locale Nord Vienne", "kind": "Mission Locale"},
      {"name": "Mission Locale Sud Vienne", "kind": "Mission Locale"}, SPIP],
     "Missions Locales du Poitou, Nord Vienne et Sud Vienne · SPIP de la Vienne"),
    ([{"name": "Mission Locale du Poitou", "kind": "Mission Locale"},
      {"name": "Rebonds & <Cie> « 86 »", "kind": "Mission Locale"},
      {"name": "Association Relais", "kind": "Autre"}],
     "Mission Locale du Poitou et Rebonds & <Cie> « 86 »"),
    ([{"name": "SPIP de la Vienne", "kind": "SPIP"}], "SPIP de la Vienne"),
    ([], "100 Chances 100 Emplois en milieu carcéral"),
])
def test_every_page_footer_credits_the_structures_of_the_sheet_and_none_other(tmp_path, structures, organisers):
    frames = sample_frames(participants=2, companies=4)
    frames.structures = pd.DataFrame(structures, columns=c.STRUCTURES.keys)
    files, _, _ = make(tmp_path, frames)
    footers = {f.type: _footer_lines(tmp_path / f.path) for f in files if f.path.suffix == ".docx"}
    assert set(footers) == set(DOCUMENT_TYPES)
    for kind, lines in footers.items():
        assert lines and all(line.startswith(organisers + " · ") for line in lines), (kind, lines)
