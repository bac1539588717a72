"""The naive cyclic rotation an adviser would draw by hand, kept as a yardstick.

Participant *p* meets binômes p, p+1, p+2… (modulo the number of binômes), each interview in the
earliest slot where everyone is free. It respects every rule but optimises nothing; the run reports
the solver's schedule beside it, objective by objective, and keeps it should the solver find
nothing in time.
"""

from __future__ import annotations

from .model import Instance, Interview, assign_rooms


def cyclic_schedule(instance: Instance) -> tuple[Interview, ...] | None:
    """The cyclic rotation, or None when it cannot place every interview within the day."""
    n_binomes, n_slots = len(instance.binomes), len(instance.slots)
    if n_binomes < instance.required:
        return None
    taken: set[tuple[str, int, int]] = set()
    per_slot = [0] * n_slots
    windows = instance.consecutive_windows()
    placed = []

    def fits(p: int, b: int, s: int) -> bool:
        if not instance.meets(p, b, s) or ("p", p, s) in taken or ("b", b, s) in taken:
            return False
        if per_slot[s] >= instance.params.rooms:
            return False
        return all(sum(("p", p, t) in taken or t == s for t in w) <= instance.params.max_consecutive
                   for w in windows if s in w)

    for round_ in range(instance.required):
        for p in range(len(instance.participants)):
            b = (p + round_) % n_binomes
            slot = next((s for s in range(n_slots) if fits(p, b, s)), None)
            if slot is None:
                return None
            taken |= {("p", p, slot), ("b", b, slot)}
            per_slot[slot] += 1
            placed.append((p, b, slot))
    return assign_rooms(instance, placed)
