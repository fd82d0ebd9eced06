"""Selling from the floor, per-state purchase limits, and reservations that hold stock."""
