"""Progress of long work (documents and their PDFs, the demo, many workbooks, a long solve).

Code that loops over many items calls `report("Documents Word", done, total)`; whoever started the
command decides how to show it — a bar on a terminal, periodic lines when the output is piped, the
status bar in Excel — by installing a listener with `listening`. Without a listener, `report` does
nothing, so tests and library callers need not care. The listener lives in a context variable, so
that progress needs no extra argument through every command function.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Callable, Iterator


@dataclass(frozen=True)
class Step:
    """Where a command is: a ``label`` (French) that stays the same through a loop, ``done`` out of
    ``total`` when they are known, and a ``detail`` on the current item."""

    label: str
    done: int | None = None
    total: int | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.label} : {self.done}/{self.total}" if self.total else f"{self.label}…"
        return f"{where} — {self.detail}" if self.detail else where


Listener = Callable[[Step], None]
_listener: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("ccc_xl_progress", default=None)


def report(label: str, done: int | None = None, total: int | None = None, detail: str = "") -> None:
    """Tell the listener, if any, where the work is."""
    listener = _listener.get()
    if listener is not None:
        listener(Step(label, done, total, detail))


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every `report` made inside the block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
