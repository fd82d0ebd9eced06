"""LeafLedger's domain: the rules, the tables and the transactions.

Pure rules (quantities, roles, the hash chain, variance and limit maths) are plain functions with
no I/O; services in the sub-packages open transactions and call the one ledger function.
Importing it reads no environment and touches nothing: ``api.bootstrap`` configures it.
"""
