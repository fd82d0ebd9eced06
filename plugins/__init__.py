"""Per-state compliance plugins (pluggy): hookspecs, the plugin manager and the built-ins.

Nothing here knows GraphQL; the domain asks the registry for a location's state system.
"""
