"""Shrinkage: how much stock left the books other than by sale, why, where and through whom."""
