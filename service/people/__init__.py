"""People of the org tree: names, phones, titles, superiors, tags."""
