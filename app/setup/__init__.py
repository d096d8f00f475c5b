"""First-run set-up of a site PC (the wizard's logic, no Qt).

Each step is a small object with `prepare(state) -> view` (what its page shows: defaults taken from
the settings already on this PC, choices) and `apply(state, answers) -> state` (checks the answers
and returns the new `SetupState`; `SetupError` carries a plain-Chinese reason). Nothing is written
until `finish.finish(state)`, which writes the settings atomically, the secrets into the 0600
secrets file, the hall's windows and first administrator, and the autostart entry; re-running
keeps everything already there. `ui/wizard` puts a QWizard page on each step.
"""

from __future__ import annotations

from app.setup.state import Role, SetupError, SetupState

__all__ = ["Role", "SetupError", "SetupState"]
