"""The audit packet: a licence's records for a period, as CSVs and a PDF summary in one ZIP."""
