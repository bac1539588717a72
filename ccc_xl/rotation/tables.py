"""The rotation results as the frames written to the generated sheets.

Columns come from the contract's declarations (``contract.BINOMES``, ``INTERVIEWS``,
``GRAND_ORAL``): frames are built with column keys, then shown with the declared French headers.
"""

from __future__ import annotations

import pandas as pd

from ccc_xl import contract
from ccc_xl.workbook.content import Block, SheetContent

from .grand_oral import Passage
from .model import Instance, Interview, to_time

YES, NO = contract.YES_NO
PLANNING_NOTE = "Une colonne par binôme d'entreprises : le prénom du participant reçu à chaque créneau."

PAIRING_RULE = ("Règle : les binômes sont des paires d'entreprises ; quand les entreprises hors binômes "
                f"imposés ({contract.COMPANIES.quoted('fixed_pair')}) sont en nombre impair, une seule "
                "d'entre elles complète une paire (un trio).")


def _displayed(table: contract.Table, records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=table.keys)
    return frame.rename(columns={c.key: c.header for c in table.columns})


def _join(values) -> str:
    return ", ".join(sorted(values))


def binomes_frame(instance: Instance, interviews: tuple[Interview, ...]) -> pd.DataFrame:
    own_room = len(instance.binomes) <= instance.params.rooms
    records = [{
        "binome": b.label,
        "companies": b.names,
        "types": _join(b.types),
        "domains": _join(b.domains),
        "fixed": YES if b.fixed else NO,
        "room": k if own_room else None,
        "interviews": sum(i.binome == b.label for i in interviews),
    } for k, b in enumerate(instance.binomes, start=1)]
    return _displayed(contract.BINOMES, records)


def interviews_frame(instance: Instance, interviews: tuple[Interview, ...]) -> pd.DataFrame:
    slots = {s.number: s for s in instance.slots}
    people = {p.id: (k, p) for k, p in enumerate(instance.participants)}
    binomes = {b.label: (k, b) for k, b in enumerate(instance.binomes)}
    records = []
    for i in sorted(interviews, key=lambda i: (i.slot, binomes[i.binome][0])):
        (p, person), (b, binome) = people[i.participant], binomes[i.binome]
        records.append({
            "slot": i.slot,
            "start": to_time(slots[i.slot].start),
            "end": to_time(slots[i.slot].end),
            "room": i.room,
            "binome": binome.label,
            "companies": binome.names,
            "company_ids": "; ".join(company.id for company in binome.companies),
            "participant": person.id,
            "first_name": person.first_name,
            "domain_match": YES if instance.relevant(p, b) else NO,
        })
    return _displayed(contract.INTERVIEWS, records)


def planning_frame(instance: Instance, interviews: tuple[Interview, ...]) -> pd.DataFrame:
    """Slots × binômes with first names in the cells, a « Pause déjeuner » row between half-days.

    Only the slots of the day actually used are listed, so the grid fits an A4 landscape page.
    """
    first_names = [p.first_name for p in instance.participants]
    shown = {p.id: p.first_name if first_names.count(p.first_name) == 1 else p.label
             for p in instance.participants}
    cell = {(i.slot, i.binome): shown[i.participant] for i in interviews}
    last = max((i.slot for i in interviews), default=0)
    slot_header, time_header = contract.INTERVIEWS.column("slot").header, "Horaire"
    rows, previous = [], None
    for slot in instance.slots[:last]:
        if previous is not None and slot.block != previous.block:
            rows.append({slot_header: None, time_header: "Pause déjeuner"})
        start, end = to_time(slot.start), to_time(slot.end)
        row = {slot_header: slot.number, time_header: f"{start:%H:%M} – {end:%H:%M}"}
        row.update({b.label: cell.get((slot.number, b.label), "") for b in instance.binomes})
        rows.append(row)
        previous = slot
    columns = [slot_header, time_header, *(b.label for b in instance.binomes)]
    return pd.DataFrame(rows, columns=columns).fillna({b.label: "" for b in instance.binomes})


def grand_oral_frame(passages: list[Passage]) -> pd.DataFrame:
    return _displayed(contract.GRAND_ORAL, [{
        "rank": p.rank,
        "start": to_time(p.start),
        "end": to_time(p.end),
        "participant": p.participant.id,
        "first_name": p.participant.first_name,
    } for p in passages])


def sheet_contents(instance: Instance, interviews: tuple[Interview, ...], passages: list[Passage],
                   notes: list[str]) -> list[SheetContent]:
    """The four generated sheets (Binômes, Entretiens, Planning, Grand Oral), replaced on each run.

    ``notes`` (objective values, proof status) head the Binômes sheet; the Planning, printed for
    the day, carries only what its readers need (the statistics are in the Journal).
    """
    planning = planning_frame(instance, interviews)
    time_header = planning.columns[1]
    legend = [f"{b.label} : {b.names}" for b in instance.binomes]
    return [
        SheetContent(contract.BINOMES_SHEET.name, "Binômes d'entreprises", [PAIRING_RULE, *notes],
                     [Block(binomes_frame(instance, interviews), table=contract.BINOMES)]),
        SheetContent(contract.INTERVIEWS_SHEET.name, "Entretiens individuels",
                     [contract.INTERVIEWS_SHEET.description,
                      "Pour modifier à la main : changez le créneau, le binôme ou la salle, puis "
                      "lancez « Rotations » avec la vérification."],
                     [Block(interviews_frame(instance, interviews), table=contract.INTERVIEWS)]),
        SheetContent(contract.PLANNING_SHEET.name, "Planning des entretiens", [PLANNING_NOTE, *legend],
                     [Block(planning, widths={time_header: 14, **{b.label: 18 for b in instance.binomes}})],
                     landscape=True),
        SheetContent(contract.GRAND_ORAL_SHEET.name, "Ordre de passage au Grand Oral",
                     [contract.GRAND_ORAL_SHEET.description],
                     [Block(grand_oral_frame(passages), table=contract.GRAND_ORAL)]),
    ]
