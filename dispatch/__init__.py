"""Yingji dispatch domain (see docs/design.md)."""
