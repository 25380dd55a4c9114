"""Incidents (突发事件): intake, grading by regulation, the legal report clock, the
activity log. See docs/api.md, "Incidents"."""
