"""Cycle counts over GraphQL."""
