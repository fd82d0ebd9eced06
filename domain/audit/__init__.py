"""Audit: the ledger's verification runs, a package's history on one page, stock as of a date."""
