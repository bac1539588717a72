"""How large a session the rotation planner accepts, checked before any model is built.

The limits are the largest size ``scripts/bench_rotation.py`` measured planning within the default
10 s (plus 20 % for the pairing and the models' building) on a shared 2-core machine, in three room
layouts, the shortest day proven, in about 200 MB, in every run (it prints the table these figures
come from; 120 participants and 240 companies took 10.1 s in one run and 12.9 s in another under
heavier load, 160 and 320 up to 21 s).
Memory stays bounded beyond the solver's own models too: the whole model is only built when the
time left can pay for it (``schedule._Clock.allows``). Beyond the limits a run could take minutes
or gigabytes (1 000 companies once grew to 24 GB before the system killed it): the adviser is
told, in French, what is supported and what to do instead.
"""

from __future__ import annotations

from ccc_xl.contract import SESSIONS

from .model import RotationError, day_slots
from ..wording import count

MAX_PARTICIPANTS = 80
MAX_COMPANIES = 160
MAX_SLOTS = 48  # e.g. 10-minute interviews with no changeover over 8 hours


def check_size(n_participants: int, n_companies: int, params) -> None:
    """RotationError when the session is beyond what the planner supports; nothing when it fits."""
    reasons = []
    if n_participants > MAX_PARTICIPANTS or n_companies > MAX_COMPANIES:
        reasons.append(
            f"Session trop grande pour une seule journée d'entretiens : {count(n_participants, 'participant')} "
            f"et {count(n_companies, 'entreprise')}. ccc-xl planifie au plus {MAX_PARTICIPANTS} participants et "
            f"{MAX_COMPANIES} entreprises à la fois (au-delà, le calcul dépasserait le temps et la "
            "mémoire d'un ordinateur portable courant). Partagez la session en plusieurs journées "
            f"d'au plus {MAX_PARTICIPANTS} participants et {MAX_COMPANIES} entreprises et planifiez "
            "chacune à part.")
    slots = len(day_slots(params))
    if slots > MAX_SLOTS:
        reasons.append(
            f"La journée compte {slots} créneaux d'entretien ; ccc-xl en planifie au plus {MAX_SLOTS}. "
            f"Allongez la durée d'un entretien ({SESSIONS.quoted('interview_minutes')}) ou le battement "
            f"({SESSIONS.quoted('changeover_minutes')}), ou raccourcissez la journée "
            f"({SESSIONS.quoted('day_start')}, {SESSIONS.quoted('day_end')}).")
    if reasons:
        raise RotationError(reasons)
