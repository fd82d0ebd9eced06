"""Packages, per-zone balances and the append-only movement ledger."""
