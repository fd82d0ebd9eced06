"""Lab testing: lab samples sent out from the QA/testing zone, and results against a batch."""
