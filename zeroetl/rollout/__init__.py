"""Stage 2, the rollout: a `Catalog` in, the order stacks deploy in out: the dependency waves
(`waves.py`), rendered as a human listing and as a GitHub Actions workflow."""
