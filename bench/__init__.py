"""Benchmarks: scripts, not tests. Figures are ratios against baselines measured in the same run."""
