"""Users, role grants scoped to org subtrees, login, API tokens."""
