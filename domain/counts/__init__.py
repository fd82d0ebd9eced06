"""Cycle counts: count policy, plans, sessions, lines, variance approval."""
