"""Drills (应急演练): schedule, run with exercise warnings and incidents, evaluate, follow up;
yearly compliance with the drill rules; calendars."""

from plans.drills import access as _access  # noqa: F401  (permissions and messages)
