"""Backups an operator can restore and prove: the database, the keys that unlock it, and a
manifest of what the books held at the instant of the dump (``leafledger backup`` / ``restore``).
"""
