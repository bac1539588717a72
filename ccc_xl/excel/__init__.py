"""What Excel calls: the ribbon buttons of the ccc-xl add-in (see `buttons`)."""

from .buttons import BUTTONS, press, run_button

__all__ = ["BUTTONS", "press", "run_button"]
