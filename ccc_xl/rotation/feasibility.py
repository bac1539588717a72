"""Counting arguments that prove a session cannot be planned, with the exact fix in French.

These run before the solver: when one applies, the adviser gets a precise figure ("il faut au moins
5 créneaux") instead of a vague refusal. What counting cannot see is explained afterwards by
relaxing one rule at a time (see ``schedule.explain_infeasible``).
"""

from __future__ import annotations

import math

from ccc_xl.contract import CANDIDATES, SESSIONS

from .model import LATEST_ADVISED_END, Instance, hhmm, lower_bound_slots


def max_interviews(instance: Instance, p: int) -> int:
    """Most interviews participant ``p`` could have: free slots, at most ``max_consecutive`` in a row."""
    limit = instance.params.max_consecutive
    total, run, previous = 0, 0, None
    for s, slot in enumerate(instance.slots):
        usable = any(instance.can_meet[p, b, s] for b in range(len(instance.binomes)))
        if usable and previous is not None and previous.block == slot.block and run:
            run += 1
        else:
            total += run - run // (limit + 1)
            run = 1 if usable else 0
        previous = slot
    return total + run - run // (limit + 1)


def precheck(instance: Instance) -> list[str]:
    """Reasons the instance is infeasible that counting proves; empty when none applies."""
    need, params = instance.required, instance.params
    n_people, n_binomes, n_slots = len(instance.participants), len(instance.binomes), len(instance.slots)
    if not n_people:
        return [f"Aucun participant retenu : cochez {CANDIDATES.quoted('retained')} pour les participants de "
                "la session."]
    if n_binomes < need:
        companies = sum(len(b.companies) for b in instance.binomes)
        return [f"Il n'y a que {n_binomes} binôme(s) ({companies} entreprise(s)) pour {need} entretiens "
                f"par participant : il faut au moins {need} binômes, soit au moins {2 * need} "
                "entreprises ; inscrivez d'autres entreprises ou baissez "
                f"{SESSIONS.quoted('interviews_per_participant')}."]
    if params.rooms < 1:
        return [f"Aucune salle n'est prévue : indiquez au moins 1 salle dans {SESSIONS.quoted('rooms')}."]
    if n_slots < need:
        return [f"La journée ne compte que {n_slots} créneau(x) de {params.interview_minutes} min entre "
                f"{hhmm(params.day_start)} et {hhmm(params.day_end)} : il faut au moins {need} "
                f"créneaux ; commencez plus tôt, finissez plus tard ({SESSIONS.quoted('day_end')}), "
                "raccourcissez les entretiens, le battement ou la pause déjeuner."]
    lower = lower_bound_slots(instance)
    if lower > n_slots:
        total, parallel = n_people * need, min(params.rooms, n_binomes)
        advice = []
        rooms_needed = math.ceil(total / n_slots)
        if params.rooms < n_binomes:
            if rooms_needed <= n_binomes:
                advice.append(f"ajoutez {rooms_needed - params.rooms} salle(s) (il en faut "
                              f"{rooms_needed})")
            else:
                advice.append(f"ajoutez {n_binomes - params.rooms} salle(s)")
        if rooms_needed > n_binomes:
            advice.append(f"formez au moins {rooms_needed} binômes")
        longest = instance.with_params(day_end=LATEST_ADVISED_END).slots
        if len(longest) >= lower:
            advice.append(f"indiquez {hhmm(longest[lower - 1].end)} ou plus tard dans "
                          f"{SESSIONS.quoted('day_end')}")
        return [f"Il faut au moins {lower} créneaux pour {total} entretiens avec {parallel} entretiens "
                f"en parallèle ; la journée n'en compte que {n_slots} : " + ", ou ".join(advice) + "."]
    reasons = []
    for p, person in enumerate(instance.participants):
        reachable = sum(any(instance.can_meet[p, b, s] for s in range(n_slots))
                        for b in range(n_binomes))
        if reachable < need:
            reasons.append(f"{person.label} ne peut rencontrer que {reachable} binôme(s) compte tenu de "
                           f"ses indisponibilités et des horaires des entreprises ; il en faut {need}.")
            continue
        most = max_interviews(instance, p)
        if most < need:
            reasons.append(f"{person.label} ne peut passer que {most} entretien(s) dans la journée "
                           f"(indisponibilités, au plus {params.max_consecutive} entretien(s) "
                           f"d'affilée) ; il en faut {need}.")
    return reasons
