"""Users, per-location role grants, passwords and bearer tokens."""
