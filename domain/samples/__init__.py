"""Samples: display jars, trade and employee samples, taken from a package and rotated out."""
