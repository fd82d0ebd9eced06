"""The change log: an append-only, hash-chained record of every change that is not stock.

Stock has its own chain (``domain.inventory.ledger``); everything else an auditor asks "who
changed that, and when?" about (catalogue, prices, lab status, users and grants, location
policies, state connections, webhooks, integrations, discrepancy resolutions, count approvals,
sign-ins and permission denials) is one row here, written in the same transaction as the change.
"""
