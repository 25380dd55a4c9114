"""The roster's settings for code that runs outside a request (clock handlers, jobs)."""

from __future__ import annotations

from dataclasses import dataclass

from service.settings import Settings


@dataclass
class RosterConfig:
    horizon_days: int = 120
    checkin_grace_s: int = 15 * 60
    gap_check_days: int = 14

    def configure(self, settings: Settings) -> None:
        self.horizon_days = settings.roster_horizon_days
        self.checkin_grace_s = settings.duty_checkin_grace_s
        self.gap_check_days = settings.duty_gap_check_days


CONFIG = RosterConfig()
