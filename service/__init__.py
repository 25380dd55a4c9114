"""Yingji platform: app factory, settings, database, errors, auth, orgs, audit, events."""

__version__ = "0.1.0"
