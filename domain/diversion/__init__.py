"""Diversion signals: access events from door and badge systems, shifts, and the rules that
raise flags on movements and access events that look like product leaving by the back door.

``model`` holds the facts and thresholds, ``rules`` the pure rules (no I/O, tests/unit),
``access`` records access events, badges and shifts, ``evaluate`` runs the rules over the ledger
(incrementally as events arrive, and in the nightly sweep) and saves each flag once per
evidence, ``flags`` lets a manager acknowledge, dismiss or escalate them.
"""
