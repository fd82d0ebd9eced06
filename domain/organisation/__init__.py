"""Operators, licensed locations and the zones stock lives in."""
