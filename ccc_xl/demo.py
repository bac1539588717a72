"""A complete fictitious workbook: the sessions 2019, 2021, 2022, 2023, two recent ones and one in preparation.

Every name, company and date here is invented. The four past sessions reproduce the programme's
published figures exactly (30 participants, 35 distinct companies, 60 % positive exits at one year of
which 44 % training and 56 % job, 11 sentence adjustments among the 20 participants of 2019–2022,
2023 budget 14 554 € of which 6 000 € SPIP and 8 554 € FIPD), so indicator code can be checked
against them. The rest is drawn from a seeded random generator: the same demo every time.

Two recent sessions, dated from the demo's ``today``, make the follow-up alive: the one that ended
about 20 months ago still misses two situations at 1 year; the one that ended about 8 months ago is
in follow-up, with a realistic mix of alerts (a participant not met for six weeks, one not yet met
this month, a release in a month without relay, an overdue action, situations at 6 months due) and
the cases the rules must get right (released early, released outside the Vienne, re-incarcerated).
They are drawn from their own random generator, so the older sessions stay exactly as they were.

Recruitment (which information meeting each past candidate came from, whether they volunteered, their
individual interview) is drawn from its own generator, so every other value stays as it was.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from . import contract as c
from .followup import month_starts

FIRST_NAMES = (
    "Adam", "Bilal", "Cédric", "Dylan", "Enzo", "Farid", "Gaël", "Hugo", "Ilyès", "Jordan", "Kévin",
    "Lucas", "Mehdi", "Nathan", "Océane", "Pierre-Louis", "Quentin", "Rayan", "Sofiane", "Théo",
    "Ulysse", "Valentin", "Wassim", "Xavier", "Yanis", "Zoé", "Anthony", "Bryan", "Clément", "Dorian",
    "Élias", "Florian", "Gabriel", "Hamza", "Ismaël", "Jérémy", "Killian", "Loïc", "Maxime", "Noah",
    "Owen", "Paul", "Romain", "Samuel", "Tom", "Vincent", "Yohan", "Axel", "Benoît", "Corentin",
)
LAST_NAMES = (
    "Aubert", "Barreau", "Chauvet", "Delage", "Épinoux", "Fradin", "Guérin", "Héraud", "Imbert",
    "Jolivet", "Keller", "Lemaître", "Mercier", "Naudin", "O'Neil", "Pasquier", "Quéré", "Roux",
    "Sabourin", "Texier", "Urvoy", "Vallée", "Winckel", "Yvon", "Zimmer", "Brunet", "Cottin", "Dufour",
    "Ferrand", "Gautreau", "Hamon", "Jacquet", "Lamy", "Moreau", "Nicolas", "Pineau", "Renaud",
    "Savary", "Thibault", "Vrignaud",
)

# 35 invented companies: (name, type index, ROME letter). Types: 0 private, 1 interim, 2 training, 3 SIAE.
COMPANIES = (
    ("Boulangerie Martin & Fils", 0, "D"), ("Intérim Plus Poitiers", 1, "N"), ("AFPA Vienne (fictif)", 2, "F"),
    ("Chantier d'insertion Le Clain", 3, "A"), ("Transports L'Hermitte", 0, "N"), ("BTP Vienne Construction", 0, "F"),
    ("Adéquat Intérim (fictif)", 1, "F"), ("GRETA Poitou (fictif)", 2, "I"), ("Régie de quartier Les Couronneries", 3, "K"),
    ("Restaurant « Le Marronnier »", 0, "G"), ("Logistique Centre-Ouest", 0, "N"), ("Manpower Châtellerault (fictif)", 1, "H"),
    ("Espaces Verts du Haut-Poitou", 0, "A"), ("Garage Dubreuil & Cie", 0, "I"), ("Envie Poitou (fictif)", 3, "I"),
    ("Lycée pro. Réaumur — formation continue", 2, "H"), ("Supermarché Coop'Vienne", 0, "D"), ("Start People Vienne (fictif)", 1, "D"),
    ("Menuiserie Bois <Sur> Mesure", 0, "H"), ("Atelier « Tremplin » 86", 3, "F"), ("Hôtel du Futuroscope (fictif)", 0, "G"),
    ("Randstad Poitiers (fictif)", 1, "N"), ("CFA du Bâtiment 86 (fictif)", 2, "F"), ("Propreté Services Vienne", 0, "K"),
    ("Ressourcerie Le Grenier", 3, "D"), ("Plomberie Chauffage Rivière", 0, "I"), ("Maraîchage Bio de Vivonne", 0, "A"),
    ("Synergie Intérim (fictif)", 1, "H"), ("IRFREP formation (fictif)", 2, "K"), ("Cuisine centrale Grand Poitiers", 0, "G"),
    ("Électricité Générale Clain", 0, "I"), ("Entrepôt Pharma Ouest", 0, "N"), ("Peinture & Déco Naintré", 0, "F"),
    ("Association Audacie (fictif)", 3, "K"), ("Carrosserie Saint-Éloi", 0, "I"),
)

# Which companies (indexes into COMPANIES) took part each past year: 12 each, 35 distinct overall.
COMPANIES_BY_YEAR = {
    2019: list(range(0, 12)),
    2021: list(range(8, 20)),
    2022: list(range(16, 28)),
    2023: list(range(24, 35)) + [0],
}

# Outcomes of the past sessions, written out so the published figures hold by construction.
# (situation at 1 year, sentence adjustment type or None)
E, F = "Emploi de plus de 6 mois", "Formation"
SL, PE, DDSE, LC, LSC = c.ADJUSTMENT_TYPES[:5]
OUTCOMES = {
    2019: [(F, SL), (F, None), (E, DDSE), (E, LC), ("Emploi de moins de 6 mois", PE), ("Recherche d'emploi", None), ("Réincarcération", None)],
    2021: [(F, SL), (E, LSC), (F, None), (E, None), ("Recherche d'emploi", DDSE), ("Sans nouvelles", None)],
    2022: [(E, PE), (F, LC), (F, SL), (E, None), ("Emploi de moins de 6 mois", DDSE), ("Recherche d'emploi", None), ("Réincarcération", None)],
    2023: [(E, SL), (F, DDSE), (E, None), (F, LSC), (E, PE), (E, None), ("Recherche d'emploi", LC), ("Emploi de moins de 6 mois", None), ("Sans nouvelles", None), ("Réincarcération", None)],
}
FUNDING = {
    2019: (("SPIP de la Vienne", 5000), ("FIPD", 7000)),
    2021: (("SPIP de la Vienne", 5500), ("FIPD", 7700)),
    2022: (("SPIP de la Vienne", 6000), ("FIPD", 7900)),
    2023: (("SPIP de la Vienne", 6000), ("FIPD", 8554)),
}
# First day of coaching each past year (a Monday).
STARTS = {2019: dt.date(2019, 3, 18), 2021: dt.date(2021, 5, 17), 2022: dt.date(2022, 3, 14), 2023: dt.date(2023, 3, 13)}

PROJECTS = {
    "A": "Ouvrier paysagiste", "D": "Employé de libre-service", "F": "Maçon coffreur", "G": "Commis de cuisine",
    "H": "Opérateur de production", "I": "Mécanicien automobile", "K": "Agent d'entretien", "N": "Cariste / préparateur de commandes",
}
ROME = {d[0]: d for d in c.ROME_DOMAINS}
ADVISERS = {"ML du Poitou": "Claire Fontaine", "ML Nord Vienne": "Marc Giraud", "ML Sud Vienne": "Nadia Benali"}


@dataclass
class DemoData:
    """Rows per contract table, as dicts keyed by column key."""

    rows: dict[str, list[dict]]

    def table_rows(self, table: c.Table) -> list[list[object]]:
        return [[row.get(key) for key in table.keys] for row in self.rows.get(table.name, [])]


def _weekday(day: dt.date, offset: int) -> dt.date:
    return day + dt.timedelta(days=offset)


def _session(year: int, start: dt.date, budget: float) -> dict:
    return {
        "year": year, "institution": c.SESSION_DEFAULTS["institution"], "place": "Salle polyvalente, quartier socio-culturel",
        "coach": "Sylvie Marchand (coach certifiée)", "capacity": 10,
        "awareness_date": start - dt.timedelta(days=20), "info_meeting_1": start - dt.timedelta(days=62),
        "info_meeting_2": start - dt.timedelta(days=55), "cv_workshop_date": start - dt.timedelta(days=6),
        "coaching_start": start, "coaching_end": _weekday(start, 3), "interviews_date": _weekday(start, 3),
        "grand_oral_date": _weekday(start, 4), "min_age": 18, "max_age": 30, "release_horizon_months": 12,
        "priority_department": "86", "interviews_per_participant": 3, "interview_minutes": 20,
        "changeover_minutes": 5, "day_start": dt.time(9, 0), "lunch_start": dt.time(12, 0),
        "lunch_end": dt.time(13, 30), "rooms": 6, "max_consecutive": 2, "grand_oral_minutes": 10,
        "grand_oral_start": dt.time(9, 30), "budget": budget, "retention_years": 5,
        "awareness_start": dt.time(9, 0), "awareness_end": dt.time(12, 30),
        "coaching_day_start": dt.time(9, 0), "coaching_day_end": dt.time(16, 30),
        "referent_structure": "ML du Poitou", "highlights": HIGHLIGHTS.get(year),
    }


class _People:
    """Draws invented, unique names."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    @classmethod
    def sharing(cls, other: "_People", rng: random.Random) -> "_People":
        """Names drawn from another generator, still never used twice in the demo."""
        people = cls(rng)
        people.used = other.used
        return people

    def draw(self) -> tuple[str, str]:
        while True:
            pair = (self.rng.choice(LAST_NAMES), self.rng.choice(FIRST_NAMES))
            if pair not in self.used:
                self.used.add(pair)
                return pair


def _candidate(rng, people, year, number, start, *, retained, eligible=True, flaw=None) -> dict:
    last, first = people.draw()
    letter = rng.choice(sorted(PROJECTS))
    ml = rng.choice(c.MISSIONS_LOCALES)
    age = rng.randint(19, 29)
    birth = dt.date(start.year - age, rng.randint(1, 12), rng.randint(1, 28))
    if birth > start.replace(year=start.year - age):
        birth = birth.replace(year=birth.year - 1)
    row = {
        "id": f"C{year}-{number:02d}", "session": year, "last_name": last, "first_name": first,
        "birth_date": birth, "ecrou": f"{rng.randint(10000, 99999)}", "institution": c.SESSION_DEFAULTS["institution"],
        "referrer": rng.choice(("SPIP", "SPIP", "SPIP", "Mission Locale", "Gepsa", "Psychologue PEP", "École")),
        "application_date": start - dt.timedelta(days=rng.randint(35, 50)), "project": PROJECTS[letter],
        "domain": ROME[letter], "project_defined": True, "motivated": True, "behaviour_ok": True,
        "adjustment_possible": rng.random() < 0.6, "expected_release": start + dt.timedelta(days=rng.randint(60, 330)),
        "project_department": rng.choice(("86", "86", "86", "86", "79", "17", "37")), "mission_locale": ml,
        "adviser": ADVISERS[ml], "retained": retained,
    }
    if not eligible:
        flaw = flaw or rng.choice(("age", "project", "release", "behaviour"))
    if flaw == "age":
        row["birth_date"] = start.replace(year=start.year - 33)
    elif flaw == "project":
        row["project_defined"], row["project"], row["domain"] = False, None, None
    elif flaw == "release":
        row["adjustment_possible"], row["expected_release"] = False, start + dt.timedelta(days=900)
    elif flaw == "behaviour":
        row["behaviour_ok"] = False
    elif flaw == "missing":
        row["motivated"], row["notes"] = None, "Entretien individuel à reprogrammer"
    elif flaw == "birthday":  # turns 31 the day before the action: not eligible
        row["birth_date"] = (start - dt.timedelta(days=1)).replace(year=start.year - 31)
    elif flaw == "young":  # turns 18 on the first day: eligible
        row["birth_date"] = start.replace(year=start.year - 18)
    return row


def build(today: dt.date | None = None, seed: int = 2019) -> DemoData:
    """The demo rows; ``today`` fixes the year of the session in preparation (the coming year)."""
    today = today or dt.date.today()
    rng = random.Random(seed)
    people = _People(rng)
    rows: dict[str, list[dict]] = {t.name: [] for t in c.INPUT_TABLES}
    add = lambda table, row: rows[table.name].append(row)  # noqa: E731

    for year, start in STARTS.items():
        budget = sum(amount for _, amount in FUNDING[year])
        add(c.SESSIONS, _session(year, start, budget))
        for funder, amount in FUNDING[year]:
            add(c.FUNDING, {"session": year, "funder": funder, "amount": amount, "notes": "Subvention annuelle"})
        _past_year(rng, people, rows, year, start, COMPANIES_BY_YEAR[year], OUTCOMES[year])
        _recruitment(random.Random(seed + year), rows, year)

    coming = today.year + 1
    start = dt.date(coming, 3, 15)
    start -= dt.timedelta(days=start.weekday())
    add(c.SESSIONS, {**_session(coming, start, 15000), "notes": "Session en préparation"})
    for funder, amount in (("SPIP de la Vienne", 6000), ("FIPD", 9000)):
        add(c.FUNDING, {"session": coming, "funder": funder, "amount": amount, "notes": "Demande en cours"})
    _coming_year(rng, people, rows, coming, start)
    rows[c.PARTNERS.name] = [{**p, "copil_invited": p["role"] != "Coach"} for p in _partners()]
    recent = _recent_years(random.Random(seed + 1), people, rows, today)
    for year in recent:
        _recruitment(random.Random(seed + year), rows, year)
    for year, text in zip(recent, RECENT_HIGHLIGHTS):
        next(r for r in rows[c.SESSIONS.name] if r["year"] == year)["highlights"] = text
    rows[c.STRUCTURES.name] = [dict(s) for s in STRUCTURES]
    for funding in rows[c.FUNDING.name]:
        funding["mention"] = MENTIONS.get(funding["funder"])
    identities = random.Random(seed + 2)
    for year in recent[-1:]:
        _visitors(rows, year, identities)
    _visitors(rows, coming, identities, incomplete=True)
    rows[c.SESSIONS.name].sort(key=lambda row: row["year"])
    for table in (c.COPIL, c.INFO_MEETINGS, c.CANDIDATES, c.COMPANIES, c.DEBRIEFING, c.FUNDING):
        rows[table.name].sort(key=lambda row: row["session"])  # recent sessions in year order
    return DemoData(rows)


def _companies(rows, year, indexes, rng, people=None) -> list[dict]:
    """A session's companies; with ``people``, representatives never share a participant's name."""
    made = []
    for index in indexes:
        name, type_index, letter = COMPANIES[index]
        last, first = people.draw() if people else (rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES))
        row = {
            "id": f"ENT-{index + 1:03d}", "session": year, "name": name, "type": c.COMPANY_TYPES[type_index],
            "domain": ROME[letter], "representatives": f"{first} {last}", "phone": f"05 49 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            "email": f"contact{index + 1}@exemple.fr", "awareness_done": True,
        }
        rows[c.COMPANIES.name].append(row)
        made.append(row)
    return made


def _past_year(rng, people, rows, year, start, company_indexes, outcomes, distinct_names=False) -> None:
    companies, participants = _year(rng, people, rows, year, start, company_indexes, len(outcomes), distinct_names)
    for cand, (situation, adjustment) in zip(participants, outcomes):
        _follow_up(rng, rows, cand, companies, start, situation, adjustment)


def _year(rng, people, rows, year, start, company_indexes, retained, distinct_names=False) -> tuple[list[dict], list[dict]]:
    """A held session's companies, candidates (``retained`` participants first), COPIL and meetings."""
    companies = _companies(rows, year, company_indexes, rng, people if distinct_names else None)
    participants = []
    for number in range(1, retained + 1):
        cand = _candidate(rng, people, year, number, start, retained=True)
        rows[c.CANDIDATES.name].append(cand)
        participants.append(cand)
    for number in range(retained + 1, retained + 1 + rng.randint(3, 5)):
        rows[c.CANDIDATES.name].append(_candidate(rng, people, year, number, start, retained=False, eligible=False))
    rows[c.COPIL.name].append({"session": year, "date": start - dt.timedelta(days=90), "place": "CP Poitiers-Vivonne",
                               "start": dt.time(14, 0), "end": dt.time(16, 0),
                               "agenda": "Lancement de la session ; calendrier ; financements", "attendees": "ML, SPIP, direction du CP, JAP, Gepsa, France Travail"})
    for key in ("info_meeting_1", "info_meeting_2"):
        day = rows[c.SESSIONS.name][-1][key]
        rows[c.INFO_MEETINGS.name].append({"session": year, "number": len(rows[c.INFO_MEETINGS.name]) % 2 + 1,
                                           "date": day, "place": "CP Poitiers-Vivonne", "hosts": "ML du Poitou, SPIP",
                                           "attendees": rng.randint(9, 15), "volunteers": rng.randint(6, 9)})
    return companies, participants


def _follow_up(rng, rows, cand, companies, start, situation, adjustment) -> None:
    pid = cand["id"]
    end = start + dt.timedelta(days=4)
    _proposals(rng, rows, cand, companies)
    for sphere in rng.sample(c.LIFE_SPHERES[:9], 4):
        rows[c.PLANS.name].append({"participant": pid, "sphere": sphere, "objective": f"Avancer sur : {sphere.lower()}",
                                   "action": "Rendez-vous et démarches avec le partenaire", "owner": rng.choice(c.ACTION_OWNERS),
                                   "deadline": end + dt.timedelta(days=rng.randint(30, 200)), "status": rng.choice(("Réalisée", "Réalisée", "Abandonnée", "En cours"))})
    for month in range(12):
        if rng.random() < 0.9:
            rows[c.FOLLOWUP.name].append({"participant": pid, "date": end + dt.timedelta(days=30 * month + rng.randint(3, 20)),
                                          "type": rng.choice(("Entretien ML", "Entretien ML", "Entretien ML + SPIP", "Contact relais")),
                                          "adviser": cand["adviser"], "notes": "Point sur le plan d'action"})
    release = end + dt.timedelta(days=rng.randint(40, 200))
    six = situation if situation in c.POSITIVE_SITUATIONS and rng.random() < 0.6 else rng.choice(
        ("Recherche d'emploi", "Formation", "Emploi de moins de 6 mois", "Toujours en détention"))
    rows[c.PATHWAYS.name].append({
        "participant": pid, "adjustment_granted": adjustment is not None, "adjustment_type": adjustment,
        "adjustment_date": release - dt.timedelta(days=10) if adjustment else None, "release_date": release,
        "relay": "Mission Locale du territoire" if cand["project_department"] != "86" else "ML référente",
        "relay_territory": cand["project_department"], "relay_contact_date": release - dt.timedelta(days=rng.randint(15, 45)),
        "situation_6m": six, "situation_1y": situation,
    })


def _recruitment(rng, rows, year) -> None:
    """Attach a past session's candidates to its information meetings and individual interviews.

    Each meeting's volunteers fill its typed count in turn (some volunteers withdrew before being
    recorded); the candidates left over were referred directly, without a meeting.
    """
    meetings = [m for m in rows[c.INFO_MEETINGS.name] if m["session"] == year]
    places = [m["number"] for m in meetings for _ in range(m["volunteers"] - rng.randint(0, 2))]
    for cand in (r for r in rows[c.CANDIDATES.name] if r["session"] == year):
        number = places.pop(0) if places else None
        cand.update({"info_meeting": number, "volunteer": number is not None,
                     "interview_date": cand["application_date"] + dt.timedelta(days=rng.randint(2, 9)),
                     "interview_adviser": cand["adviser"],
                     "interview_outcome": "Favorable" if cand["retained"] else rng.choice(c.INTERVIEW_OUTCOMES[:3])})


def _proposals(rng, rows, cand, companies) -> list[str]:
    """The companies' proposals to a participant at the debriefing; returns their references."""
    refs = []
    for number, company in enumerate(rng.sample(companies, rng.randint(1, 3)), start=1):
        kind = rng.choice(c.PROPOSAL_TYPES[:6])
        refs.append(f"{cand['id']}-P{number}")
        rows[c.DEBRIEFING.name].append({"session": cand["session"], "participant": cand["id"], "company": company["id"], "type": kind,
                                        "detail": f"{kind} proposé(e) par {company['name']}", "outcome": rng.choice(c.PROPOSAL_OUTCOMES),
                                        "id": refs[-1]})
    return refs


def _monday_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _recent_years(rng, people, rows, today) -> list[int]:
    """The session that ended about 20 months ago and the one in follow-up (about 8 months ago)."""
    people = _People.sharing(people, rng)
    previous, followed = (_monday_before(today - relativedelta(months=m)) for m in (20, 8))
    if previous.year <= max(STARTS):  # a demo dated before the published years end has no recent session
        return []
    for start, funding in ((previous, (("SPIP de la Vienne", 6000), ("FIPD", 8700))), (followed, (("SPIP de la Vienne", 6000), ("FIPD", 8800)))):
        rows[c.SESSIONS.name].append(_session(start.year, start, sum(amount for _, amount in funding)))
        for funder, amount in funding:
            rows[c.FUNDING.name].append({"session": start.year, "funder": funder, "amount": amount, "notes": "Subvention annuelle"})
    # Two participants of the previous session have no situation at 1 year yet.
    outcomes = [(E, SL), (F, None), (E, None), ("Emploi de moins de 6 mois", DDSE), ("Recherche d'emploi", None), (F, LC), (None, None), (None, PE)]
    _past_year(rng, people, rows, previous.year, previous, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 30], outcomes, True)
    _followed_year(rng, people, rows, followed.year, followed, today)
    return [previous.year, followed.year]


def _followed_year(rng, people, rows, year, start, today) -> None:
    """Eight participants in follow-up on ``today``, each showing one case of the follow-up rules."""
    companies, participants = _year(rng, people, rows, year, start, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23], 8, True)
    end = start + dt.timedelta(days=4)  # Grand Oral: the collective phase's last day
    this_month = max(d for d in month_starts(end) if d <= today)  # the follow-up month in progress
    away = "Mission Locale du Niortais (fictif)"
    # (release date or None if still detained, relay, territory, situation at 6 months, Suivi until)
    cases = [
        (None, None, None, None, today - dt.timedelta(days=75)),  # a follow-up month passed without meeting
        (None, None, None, None, this_month - dt.timedelta(days=1)),  # not yet met this follow-up month
        (None, None, None, "Toujours en détention", today),  # release in 30 days, no relay yet
        (today - dt.timedelta(days=70), "ML référente", "86", "Emploi de moins de 6 mois", today),  # released early
        (today - dt.timedelta(days=100), away, "79", "Formation", today),  # released outside the Vienne
        (today - dt.timedelta(days=150), "ML référente", "86", "Recherche d'emploi", today - dt.timedelta(days=40)),  # re-incarcerated
        (None, None, None, None, today),  # an overdue action
        (None, "ML référente", "86", "Toujours en détention", today),  # everything in order
    ]
    for index, (cand, (release, relay, territory, six, until)) in enumerate(zip(participants, cases)):
        cand["mission_locale"] = c.MISSIONS_LOCALES[index % 3]
        cand["adviser"] = ADVISERS[cand["mission_locale"]]
        cand["adjustment_possible"] = True
        cand["expected_release"] = today + dt.timedelta(days=30 if index == 2 else rng.randint(90, 200))
        refs = _proposals(rng, rows, cand, companies)
        _plan(rng, rows, cand, refs[0], end, today, overdue=index == 6)
        _meetings(rng, rows, cand, end, until, release, outside=territory not in (None, "86"))
        if index == 5:
            rows[c.FOLLOWUP.name].append({"participant": cand["id"], "date": until, "type": c.REINCARCERATION,
                                          "adviser": cand["adviser"], "notes": "Réincarcéré : suivi repris par le SPIP"})
        adjustment = None if release is None else rng.choice((PE, LC, SL))
        rows[c.PATHWAYS.name].append({
            "participant": cand["id"], "adjustment_granted": adjustment is not None, "adjustment_type": adjustment,
            "adjustment_date": release - dt.timedelta(days=7) if release else None, "release_date": release,
            "relay": relay, "relay_territory": territory,
            "relay_contact_date": (release or today) - dt.timedelta(days=rng.randint(10, 30)) if relay else None,
            "situation_6m": six,
        })


def _plan(rng, rows, cand, proposal, end, today, overdue) -> None:
    """Four actions: past ones closed, coming ones open; ``overdue`` leaves one past action open."""
    for number, sphere in enumerate(rng.sample(c.LIFE_SPHERES[:9], 4)):
        deadline = end + dt.timedelta(days=rng.randint(30, 200)) if number < 2 else today + dt.timedelta(days=rng.randint(10, 90))
        status = rng.choice(("Réalisée", "Réalisée", "Abandonnée")) if deadline < today else rng.choice(("À faire", "En cours"))
        if overdue and number == 0:
            deadline, status = today - dt.timedelta(days=12), "En cours"
        rows[c.PLANS.name].append({"participant": cand["id"], "sphere": sphere, "objective": f"Avancer sur : {sphere.lower()}",
                                   "action": "Rendez-vous et démarches avec le partenaire", "owner": rng.choice(c.ACTION_OWNERS),
                                   "deadline": deadline, "status": status, "proposal": proposal if number == 0 else None})


def _meetings(rng, rows, cand, end, until, release, outside) -> None:
    """A meeting in each follow-up month after the collective phase, the last one on ``until``; after
    a release outside the Vienne, the relay's contact instead; the release itself as an event."""
    days = [day for month in month_starts(end) if (day := month + dt.timedelta(days=rng.randint(2, 24))) < until]
    for day in (*days, until):
        relayed = outside and release is not None and day >= release
        rows[c.FOLLOWUP.name].append({"participant": cand["id"], "date": day,
                                      "type": c.RELAY_CONTACT_TYPE if relayed else rng.choice(c.MEETING_TYPES),
                                      "adviser": cand["adviser"], "notes": "Point sur le plan d'action"})
    if release is not None:
        rows[c.FOLLOWUP.name].append({"participant": cand["id"], "date": release, "type": "Libération", "adviser": cand["adviser"]})


def _coming_year(rng, people, rows, year, start) -> None:
    _companies(rows, year, [0, 1, 2, 3, 5, 9, 13, 21, 24, 29, 33], rng)  # 11 returning companies: one trio
    flaws = ["age", "project", "release", "behaviour", "missing", "birthday", "young"]
    number = 0
    for index in range(16):
        number += 1
        flaw = flaws[index - 9] if index >= 9 else None
        cand = _candidate(rng, people, year, number, start, retained=flaw is None or flaw == "young", flaw=flaw)
        if index in (2, 6):
            cand["unavailability"] = "10:00-10:45" if index == 2 else "14:00-15:00"
        rows[c.CANDIDATES.name].append(cand)
    # A Tuesday, fourteen weeks before the coaching.
    rows[c.COPIL.name].append({"session": year, "date": start - dt.timedelta(days=97), "place": "CP Poitiers-Vivonne",
                               "agenda": "Préparation de la session ; choix des entreprises", "start": dt.time(14, 0),
                               "end": dt.time(16, 0)})


def _partners() -> list[dict]:
    return [
        {"organisation": "Mission Locale d'Insertion du Poitou", "role": "Mission Locale", "contact": "Claire Fontaine", "position": "Chargée de projets", "email": "c.fontaine@exemple.fr", "phone": "05 49 00 00 01"},
        {"organisation": "Mission Locale Nord Vienne", "role": "Mission Locale", "contact": "Marc Giraud", "position": "Conseiller", "email": "m.giraud@exemple.fr", "phone": "05 49 00 00 02"},
        {"organisation": "Mission Locale Sud Vienne", "role": "Mission Locale", "contact": "Nadia Benali", "position": "Conseillère", "email": "n.benali@exemple.fr", "phone": "05 49 00 00 03"},
        {"organisation": "SPIP de la Vienne", "role": "SPIP", "contact": "Jean Moreau", "position": "Directeur pénitentiaire d'insertion et de probation", "email": "spip86@exemple.fr"},
        {"organisation": "Centre Pénitentiaire de Poitiers-Vivonne", "role": "Administration pénitentiaire", "contact": "Isabelle Roy", "position": "Directrice adjointe", "email": "cp-vivonne@exemple.fr"},
        {"organisation": "Tribunal judiciaire de Poitiers", "role": "Magistrat", "contact": "Hélène Dubois", "position": "Juge de l'application des peines"},
        {"organisation": "Préfecture de la Vienne (FIPD)", "role": "Financeur", "contact": "Laurent Petit", "position": "Chargé de mission prévention de la délinquance"},
        {"organisation": "Gepsa", "role": "Gepsa", "contact": "Karine Simon", "position": "Responsable formation"},
        {"organisation": "France Travail Poitiers", "role": "France Travail", "contact": "Olivier Lambert", "position": "Conseiller justice"},
        {"organisation": "Sylvie Marchand Coaching", "role": "Coach", "contact": "Sylvie Marchand", "position": "Coach certifiée"},
    ]


# The structures that sign the documents (fictitious addresses, phones, e-mails and logos).
STRUCTURES = (
    {"name": "Mission Locale d'Insertion du Poitou", "kind": "Mission Locale", "short_name": "ML du Poitou",
     "address": "12 rue des Carmes", "postcode": "86000", "town": "Poitiers", "phone": "05 49 00 00 01",
     "email": "contact@ml-poitou.exemple.fr", "signatory": "Claire Fontaine",
     "signatory_title": "Chargée de projets « 100 Chances »", "logo": "ml-poitou.png"},
    {"name": "Mission Locale Nord Vienne", "kind": "Mission Locale", "short_name": "ML Nord Vienne",
     "address": "3 boulevard Blossac", "postcode": "86100", "town": "Châtellerault", "phone": "05 49 00 00 02",
     "email": "contact@ml-nord-vienne.exemple.fr", "signatory": "Marc Giraud", "signatory_title": "Conseiller",
     "logo": "ml-nord-vienne.png"},
    {"name": "Mission Locale Sud Vienne", "kind": "Mission Locale", "short_name": "ML Sud Vienne",
     "address": "5 place du Marché", "postcode": "86400", "town": "Civray", "phone": "05 49 00 00 03",
     "email": "contact@ml-sud-vienne.exemple.fr", "signatory": "Nadia Benali", "signatory_title": "Conseillère",
     "logo": "ml-sud-vienne.png"},
    {"name": "Service pénitentiaire d'insertion et de probation de la Vienne", "kind": "SPIP", "short_name": "SPIP",
     "address": "1 rue de la Providence", "postcode": "86000", "town": "Poitiers", "phone": "05 49 00 00 10",
     "email": "spip86@exemple.fr", "signatory": "Jean Moreau",
     "signatory_title": "Directeur pénitentiaire d'insertion et de probation", "logo": "spip-vienne.png"},
)
# Logo files of the demo's « Logos » folder: (file, initials, caption, colour).
LOGOS = (
    ("ml-poitou.png", "ML", "Mission Locale\ndu Poitou", "#1F4E79"),
    ("ml-nord-vienne.png", "ML", "Mission Locale\nNord Vienne", "#2E7D32"),
    ("ml-sud-vienne.png", "ML", "Mission Locale\nSud Vienne", "#B23A48"),
    ("spip-vienne.png", "SPIP", "SPIP\nde la Vienne", "#37474F"),
)
MENTIONS = {
    "FIPD": "Action financée par le Fonds interministériel de prévention de la délinquance (FIPD)",
    "SPIP de la Vienne": "Avec le soutien du SPIP de la Vienne",
}
HIGHLIGHTS = {
    2023: "Quatrième session : onze entreprises, dont quatre nouvelles, et un Grand Oral ouvert au juge de "
          "l'application des peines.\nDeux participants ont obtenu une semi-liberté pour commencer leur formation.",
}
# « Faits marquants » of the two recent sessions (the bilan of the first one is the demo's).
RECENT_HIGHLIGHTS = (
    "Douze entreprises bénévoles, dont trois venues pour la première fois, ont rencontré huit participants. "
    "Le Grand Oral s'est tenu en présence du juge de l'application des peines et de la direction du Centre "
    "Pénitentiaire.\nSix mois après l'action, deux participants avaient obtenu un aménagement de peine pour "
    "suivre une formation ou commencer un emploi ; un relais a été trouvé hors de la Vienne pour un participant "
    "libéré dans les Deux-Sèvres.",
    "Session en cours de suivi : huit participants rencontrés chaque mois par leur Mission Locale, en lien avec le "
    "SPIP.",
)
ML_STAFF = (("Fontaine", "Claire", "Mission Locale d'Insertion du Poitou"),
            ("Giraud", "Marc", "Mission Locale Nord Vienne"))
BIRTH_PLACES = ("Angers", "Châtellerault", "Niort", "Angoulême", "Tours", "La Rochelle", "Limoges", "Nantes")


def logo_png(initials: str, caption: str, colour: str) -> bytes:
    """A fictitious logo: initials in a coloured disc beside a two-line caption (PNG, transparent)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Circle

    fig = plt.figure(figsize=(2.6, 0.9), dpi=150)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 2.6)
    ax.set_ylim(0, 0.9)
    ax.axis("off")
    ax.add_patch(Circle((0.45, 0.45), 0.4, color=colour))
    ax.text(0.45, 0.45, initials, color="white", ha="center", va="center", fontsize=13, fontweight="bold")
    ax.text(0.95, 0.45, caption, color=colour, ha="left", va="center", fontsize=10, fontweight="bold", linespacing=1.1)
    image = io.BytesIO()
    fig.savefig(image, format="png", transparent=True)
    plt.close(fig)
    return image.getvalue()


def _visitors(rows, year: int, rng: random.Random, incomplete: bool = False) -> None:
    """A session's « Visiteurs »: every company representative, the coach and two Mission Locale
    advisers, with the identity the establishment asks for; ``incomplete`` leaves one birth place
    out (the Journal names the cell)."""
    people = []
    for company in (r for r in rows[c.COMPANIES.name] if r["session"] == year):
        first, _, last = company["representatives"].partition(" ")
        people.append({"last_name": last, "first_name": first, "role": c.COMPANY_VISITOR, "company": company["id"]})
    people.append({"last_name": "Marchand", "first_name": "Sylvie", "role": c.COACH_VISITOR,
                   "structure": "Sylvie Marchand Coaching"})
    people += [{"last_name": last, "first_name": first, "role": "Mission Locale", "structure": structure}
               for last, first, structure in ML_STAFF]
    for number, person in enumerate(people):
        kind = rng.choice(c.ID_DOCUMENTS[:2])
        rows[c.VISITORS.name].append({
            **person, "session": year,
            "birth_date": dt.date(rng.randint(1962, 1998), rng.randint(1, 12), rng.randint(1, 28)),
            "birth_place": None if incomplete and number == 2 else rng.choice(BIRTH_PLACES),
            "nationality": "française", "id_type": kind,
            "id_number": f"{'P' if kind == 'Passeport' else ''}{rng.randint(10**8, 10**9 - 1)}",
        })
