"""Environments in, synthesized stacks out: one cdktf App per process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from stacks.environment import build_environment
from zeroetl.catalog.model import Catalog, Environment


def synthesize(outdir: Path, catalog: Catalog, environments: Sequence[Environment], *, validate: bool = True) -> None:
    """Build every stack of `environments` and write cdktf's output (manifest.json and
    stacks/<stack>/cdk.tf.json) into outdir.

    validate=False skips cdktf's validations at synth: they do not change the output, and one of
    them runs `terraform version` once per terraform_data resource (~30 ms a process, so
    seconds across a fleet). The fast path checks the Terraform version once instead
    (zeroetl/synth/run.py); every stack has its provider by construction (stacks/base.py).
    """
    app = App(outdir=str(outdir), skip_validation=not validate)
    for env in environments:
        build_environment(app, catalog, env)
    app.synth()
