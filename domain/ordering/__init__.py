"""Ordering: what to buy, from whom and when, so the floor does not run out and cash does not
sit in slow or expiring stock (reorder suggestions, their backtest)."""
