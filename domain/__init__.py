"""LeafLedger's domain: the rules, the tables and the transactions.

Pure rules (quantities, roles, the hash chain, variance and limit maths) are plain functions with
no I/O; services in the sub-packages open transactions and call the one ledger function.
"""

import os

# Piccolo finds its engine and apps through this module; set it before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "domain.piccolo_conf")
