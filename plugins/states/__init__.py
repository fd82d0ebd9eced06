"""Per-state rules as plugins: the rulebook contract (base) and one built-in module per state."""
