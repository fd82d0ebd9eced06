"""Receiving inbound shipments against the state manifest: checklist, scans, completion."""
