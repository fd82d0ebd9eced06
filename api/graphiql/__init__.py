"""GraphiQL without the internet: its scripts and styles served by LeafLedger itself."""
