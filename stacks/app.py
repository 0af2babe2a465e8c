"""Environments in, synthesized stacks out: one cdktf App per process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from stacks.environment import build_environment
from stacks.literals import terraform_literals
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
    # The stacks read the catalog's app and state, and the environment they build: the
    # environments are escaped one by one, not the whole fleet once per environment.
    settings = terraform_literals(catalog.model_copy(update={"environments": []}))
    for env in environments:
        build_environment(app, settings, terraform_literals(env))
    app.synth()
