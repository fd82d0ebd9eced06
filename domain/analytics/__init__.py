"""Analytics: margins, turnover, GMROI, sell-through, aging, expiry and shrink, read from daily
roll-ups of the ledger that a worker keeps (see ``rollup``)."""
