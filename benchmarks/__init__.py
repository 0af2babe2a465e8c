"""The fleet-scale benchmark (python -m benchmarks; README, Performance)."""
