"""Repackaging and assembly: packages made from packages, with lineage and packaging loss."""
