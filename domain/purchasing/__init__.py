"""Purchasing: vendors, what they sell us and on what terms, and purchase orders from draft to
closed (received against through the receiving flow)."""
