"""One file store for every domain: plan attachments, warning feedback photos, incident
photos. Files are checked by their content, size-limited, kept in the database (so every
instance serves them) and served by the owning domain's routes, which check scope."""
