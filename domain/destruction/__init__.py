"""Waste and destruction: waste held in the waste zone, then destroyed under the state's steps."""
