"""The floor display: what a TV on the sales floor shows customers (products on the floor by
category, with price, low-stock and sold-out marks, expiring stock flagged or hidden)."""
