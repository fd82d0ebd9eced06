"""Products (what is sold) and batches (what was produced together and lab tested)."""
