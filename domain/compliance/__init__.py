"""Keeping the state's books in step with ours: the report outbox, the sync engine, per-licence
connections and three-way reconciliation."""
