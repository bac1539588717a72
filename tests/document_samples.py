"""Workbook-shaped frames for the documents tests and benchmark (as the gateway returns them:
contract keys as columns, Excel row numbers as index, dates as datetime64, yes/no as "boolean",
times as datetime.time)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ccc_xl.documents import SessionFrames

FIRST = ["Karim", "Lucas", "Mehdi", "Enzo", "Yanis", "Théo", "Nathan", "Bilal", "Kévin", "Jordan"]
LAST = ["Benali", "Martin", "Durand", "Lefèvre", "Moreau", "Girard", "Roux", "Faure", "Blanc", "Petit"]
COMPANY = ["Boulangerie Dupont", "Intérim 86", "AFPA Poitiers", "Jardins de Vivonne",
           "Transports Marchand", "Garage Central", "Bâti Vienne", "Restaurant Le Clain",
           "Logistique Ouest", "Menuiserie Roy", "Propreté 86", "Chantier d'insertion Envol"]


def _frame(rows: list[dict], start: int = 5) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = range(start, start + len(frame))
    return frame


def sample_frames(participants: int = 10, companies: int = 12, text: str | None = None,
                  blank_optional: bool = False) -> SessionFrames:
    """A 2023 session; ``text`` replaces every free-text value (hostile data), ``blank_optional``
    empties every optional cell (no stray label may remain)."""

    def t(value):
        return text if text is not None else value

    def opt(value):
        return None if blank_optional else t(value)

    sessions = _frame([{
        "year": 2023, "institution": "Centre Pénitentiaire de Poitiers-Vivonne", "place": opt("Salle polyvalente"),
        "coach": opt("Claire Fontaine"), "capacity": 10,
        "awareness_date": pd.Timestamp("2023-02-28"), "coaching_start": pd.Timestamp("2023-03-13"),
        "coaching_end": pd.Timestamp("2023-03-16"), "interviews_date": pd.Timestamp("2023-03-16"),
        "grand_oral_date": pd.Timestamp("2023-03-17"),
        "grand_oral_start": None if blank_optional else dt.time(14, 0), "budget": 14554.0,
        "awareness_start": dt.time(9, 0), "awareness_end": None if blank_optional else dt.time(12, 0),
        "coaching_day_start": dt.time(9, 0), "coaching_day_end": None if blank_optional else dt.time(16, 30),
        "referent_structure": None if blank_optional else "ML Nord Vienne",
        "letter_date": None if blank_optional else pd.Timestamp("2023-02-20"),
    }], start=2)
    sessions["year"] = sessions["year"].astype("Int64")
    candidates = _frame([{
        "id": f"C2023-{i + 1:02d}", "session": 2023, "last_name": t(LAST[i % 10]) if text is None else f"{text}{i}",
        "first_name": t(FIRST[i % 10]) if text is None else f"{text}{i}",
        "birth_date": pd.Timestamp("2000-05-17"), "ecrou": f"4{i:05d}", "project": opt("Boulanger"),
        "mission_locale": None if blank_optional else "ML du Poitou", "adviser": opt("Sophie Vidal"),
        "expected_release": pd.Timestamp("2023-11-30"), "retained": True, "notes": "Confidentiel écrou",
    } for i in range(participants)] + [{
        "id": "C2023-99", "session": 2023, "last_name": "Écarté", "first_name": "Non-retenu",
        "retained": False,
    }])
    candidates["retained"] = candidates["retained"].astype("boolean")
    company_rows = _frame([{
        "id": f"E{i + 1:03d}", "session": 2023,
        "name": (COMPANY[i % 12] if i < 12 else f"{COMPANY[i % 12]} {i}") if text is None else f"{text}{i}",
        "representatives": opt(f"Marie Durand ; Paul Lenoir {i}"),
        "arrival": None if blank_optional else dt.time(8, 30),
        "departure": None if blank_optional else dt.time(17, 0),
    } for i in range(companies)])
    interviews, slot = [], 0
    pairs = [(company_rows.iloc[k]["id"], company_rows.iloc[k + 1]["id"]) for k in range(0, companies - 1, 2)]
    names = dict(zip(company_rows["id"], company_rows["name"]))
    for p in range(participants):
        for round_ in range(3):
            pair = pairs[(p + round_) % len(pairs)]
            start = dt.datetime(2023, 3, 16, 9, 0) + dt.timedelta(minutes=25 * (round_ * 4 + p % 4))
            interviews.append({
                "slot": slot, "start": start.time(), "end": (start + dt.timedelta(minutes=20)).time(),
                "room": opt(f"Salle {1 + (p + round_) % len(pairs)}"),
                "binome": f"B{1 + (p + round_) % len(pairs)}",
                "companies": " & ".join(names[c] for c in pair), "company_ids": " ; ".join(pair),
                "participant": f"C2023-{p + 1:02d}", "first_name": candidates.iloc[p]["first_name"]})
            slot += 1
    grand_oral = pd.DataFrame([{
        "rank": p + 1, "start": (dt.datetime(2023, 3, 17, 14) + dt.timedelta(minutes=10 * p)).time(),
        "participant": f"C2023-{p + 1:02d}", "first_name": candidates.iloc[p]["first_name"]}
        for p in range(participants)])
    debriefing = _frame([{
        "session": 2023, "participant": f"C2023-{p + 1:02d}", "company": company_rows.iloc[p % companies]["id"],
        "type": "Parrainage", "detail": t("Parrainage par le chef boulanger, visite du fournil"),
        "outcome": "En cours", "notes": "Note interne"} for p in range(participants)])
    plans = _frame([{
        "participant": f"C2023-{p + 1:02d}", "sphere": sphere, "objective": t("Obtenir un CAP"),
        "action": t("Inscription au GRETA"), "owner": "Mission Locale",
        "deadline": pd.Timestamp("2023-06-30"), "status": "En cours", "notes": "Note interne"}
        for p in range(participants) for sphere in ("Formation", "Logement")])
    pathways = _frame([{
        "participant": f"C2023-{p + 1:02d}", "relay": opt("Mission Locale de Châtellerault"),
        "relay_territory": opt("Nord Vienne"),
        "relay_contact_date": None if blank_optional else pd.Timestamp("2023-04-12"),
        "release_date": pd.Timestamp("2023-12-01")} for p in range(participants)])
    partners = _frame([
        {"organisation": t("SPIP de la Vienne"), "role": "SPIP", "contact": opt("Jean Moreau"),
         "position": opt("Directeur"), "copil_invited": True},
        {"organisation": t("FIPD"), "role": "Financeur", "contact": opt("Service prévention"), "copil_invited": True},
        {"organisation": t("Région"), "role": "Financeur", "session": 2023, "copil_invited": True},
        {"organisation": "Coach", "role": "Coach", "contact": "Claire Fontaine", "copil_invited": False},
    ])
    partners["copil_invited"] = partners["copil_invited"].astype("boolean")
    copil = _frame([{"session": 2023, "date": pd.Timestamp("2022-12-06"), "place": opt("Salle du conseil"),
                     "agenda": opt("Lancement ; calendrier"), "start": None if blank_optional else dt.time(14, 0)}])
    funding = _frame([{"session": 2023, "funder": t("SPIP de la Vienne"), "amount": 6000.0},
                      {"session": 2023, "funder": t("FIPD"), "amount": 8554.0,
                       "mention": opt("Action financée par le Fonds interministériel de prévention de la délinquance")}])
    structures = _frame([
        {"name": t("Mission Locale du Poitou"), "kind": "Mission Locale", "short_name": "ML du Poitou",
         "address": opt("12 rue des Carmes"), "postcode": opt("86000"), "town": opt("Poitiers"),
         "phone": opt("05 49 00 00 01"), "email": opt("contact@ml-poitou.example"), "signatory": opt("Anne Roux"),
         "signatory_title": opt("Directrice")},
        {"name": t("Mission Locale Nord Vienne"), "kind": "Mission Locale", "short_name": "ML Nord Vienne",
         "address": opt("3 boulevard Blossac"), "postcode": opt("86100"), "town": opt("Châtellerault"),
         "phone": opt("05 49 00 00 02"), "email": opt("contact@ml-nord.example"), "signatory": opt("Éric Blanc"),
         "signatory_title": opt("Directeur")},
        {"name": t("SPIP de la Vienne"), "kind": "SPIP", "short_name": "SPIP", "town": "Poitiers"},
    ])
    visitors = _frame([
        {"session": 2023, "last_name": "Durand", "first_name": "Marie", "role": "Représentant d'entreprise",
         "company": f"E{i + 1:03d}", "birth_date": pd.Timestamp("1980-04-02"), "birth_place": opt("Niort"),
         "id_type": "Carte nationale d'identité", "id_number": f"CNI{i:05d}"} for i in range(companies)] + [
        {"session": 2023, "last_name": f"Lenoir {i}", "first_name": "Paul", "role": "Représentant d'entreprise",
         "company": f"E{i + 1:03d}", "birth_date": pd.Timestamp("1979-11-21"), "birth_place": opt("Angoulême"),
         "nationality": "française", "id_type": "Passeport", "id_number": f"PA{i:05d}"} for i in range(companies)] + [
        {"session": 2023, "last_name": "Fontaine", "first_name": "Claire", "role": "Coach",
         "structure": "Coach certifiée", "birth_date": pd.Timestamp("1975-01-09"), "birth_place": "Tours",
         "id_type": "Passeport", "id_number": "PA12345"},
        {"session": 2023, "last_name": "Vidal", "first_name": "Sophie", "role": "Mission Locale",
         "structure": "Mission Locale du Poitou", "birth_date": pd.Timestamp("1988-06-30"), "birth_place": "Poitiers",
         "id_type": "Carte nationale d'identité", "id_number": "CNI99999"},
    ])
    # CVs as PDFs: listed in the pack, never opened, so the frames stay free of files.
    cvs = {f"C2023-{p + 1:02d}": Path(f"C2023-{p + 1:02d}.pdf") for p in range(participants)}
    return SessionFrames(sessions, candidates, company_rows, debriefing, plans, pathways,
                         pd.DataFrame(interviews), grand_oral, partners, copil, funding, cvs,
                         structures=structures, visitors=visitors)
