"""Rescue teams, experts, material depots with a stock ledger, nearest-resource search."""

from plans.resources import messages as _messages  # noqa: F401  (permissions and messages)
