"""Yingji plans domain (see docs/design.md)."""
