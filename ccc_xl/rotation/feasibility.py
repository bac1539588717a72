"""Counting arguments that prove a session cannot be planned, said in French.

These run before any solver: when one applies, the adviser reads a precise figure (« il faut au
moins 6 créneaux… ») instead of a vague refusal. What to change is not said here: every remedy the
adviser is offered is checked by re-running the feasibility test with that change
(``remedies.explain_infeasible``).
"""

from __future__ import annotations

from ccc_xl.contract import CANDIDATES, SESSIONS

from .model import Instance, hhmm, lower_bound_slots
from ..wording import count


def max_interviews(instance: Instance, p: int) -> int:
    """Most interviews participant ``p`` could have: free slots, at most ``max_consecutive`` in a row."""
    limit = instance.params.max_consecutive
    total, run, previous = 0, 0, None
    for s, slot in enumerate(instance.slots):
        usable = instance.usable[p][s]
        if usable and previous is not None and previous.block == slot.block and run:
            run += 1
        else:
            total += run - run // (limit + 1)
            run = 1 if usable else 0
        previous = slot
    return total + run - run // (limit + 1)


def day_text(instance: Instance) -> str:
    """« entre 09:00 et 17:30 », and why the day ends early when a Grand Oral cuts it short."""
    params = instance.params
    text = f"entre {hhmm(params.day_start)} et {hhmm(params.interviews_end)}"
    if params.interviews_end < params.day_end:
        text += (f" (le Grand Oral a lieu le même jour à {hhmm(params.grand_oral_start)}, "
                 f"{SESSIONS.quoted('grand_oral_start')} : les entretiens doivent être finis "
                 f"{params.changeover_minutes} min avant)")
    return text


def no_participant(instance: Instance) -> list[str]:
    """The one refusal no remedy but the adviser's own choice of participants can lift."""
    if instance.participants:
        return []
    return [f"Aucun participant retenu : cochez {CANDIDATES.quoted('retained')} pour les participants de "
            "la session."]


def precheck(instance: Instance) -> list[str]:
    """Reasons the instance is infeasible that counting proves; empty when none applies."""
    if no_participant(instance):
        return no_participant(instance)
    need, params = instance.required, instance.params
    n_people, n_binomes, n_slots = len(instance.participants), len(instance.binomes), len(instance.slots)
    if n_binomes < need:
        companies = sum(len(b.companies) for b in instance.binomes)
        return [f"Il n'y a que {count(n_binomes, 'binôme')} ({count(companies, 'entreprise')}) pour {need} entretiens "
                f"par participant ({SESSIONS.quoted('interviews_per_participant')}) : il faut au moins "
                f"{need} binômes."]
    if params.rooms < 1:
        return [f"Aucune salle n'est prévue ({SESSIONS.quoted('rooms')})."]
    if n_slots < need:
        return [f"La journée ne compte que {count(n_slots, 'créneau', 'créneaux')} de {params.interview_minutes} min "
                f"{day_text(instance)} : il faut au moins {need} créneaux pour {need} entretiens par "
                "participant."]
    lower = lower_bound_slots(instance)
    if lower > n_slots:
        total, parallel = n_people * need, min(params.rooms, n_binomes)
        return [f"Il faut au moins {lower} créneaux pour {total} entretiens avec {count(parallel, 'entretien')} "
                f"en parallèle ; la journée n'en compte que {n_slots} {day_text(instance)}."]
    reasons = []
    for p, person in enumerate(instance.participants):
        reachable = sum(any(instance.meets(p, b, s) for s in range(n_slots)) for b in range(n_binomes))
        if reachable < need:
            reasons.append(f"{person.label} ne peut rencontrer que {count(reachable, 'binôme')} compte tenu de "
                           f"ses indisponibilités et des horaires des entreprises ; il en faut {need}.")
            continue
        most = max_interviews(instance, p)
        if most < need:
            reasons.append(f"{person.label} ne peut passer que {count(most, 'entretien')} dans la journée "
                           f"(indisponibilités, au plus {count(params.max_consecutive, 'entretien')} "
                           f"d'affilée) ; il en faut {need}.")
    return reasons

