"""Yingji rosters domain (see docs/design.md)."""
