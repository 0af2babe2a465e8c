"""Environments in, synthesized stacks out: one cdktf App per process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from stacks.base import CREDENTIALS_CONTEXT
from stacks.environment import build_environment
from stacks.literals import terraform_literals
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.rollout.accounts import account_plans


def synthesize(
    outdir: Path,
    catalog: Catalog,
    environments: Sequence[Environment],
    *,
    validate: bool = True,
    credentials: str = "assume-role",
    bootstrap: bool = False,
) -> None:
    """Build every stack of `environments` and write cdktf's output (manifest.json and
    stacks/<stack>/cdk.tf.json) into outdir.

    validate=False skips cdktf's validations at synth: they do not change the output, and one of
    them runs `terraform version` once per terraform_data resource (~30 ms a process, so
    seconds across a fleet). The fast path checks the Terraform version once instead
    (zeroetl/synth/run.py); every stack has its provider by construction (stacks/base.py).
    credentials: "assume-role" (each stack assumes its account's role_arn) or "ambient" (the
    caller's credentials are the account's role: stacks/base.py). bootstrap: also build the
    bootstrap stack of every account of the catalog (stacks/bootstrap.py); `catalog` is then
    the whole catalog, whatever `environments` holds.
    """
    app = App(outdir=str(outdir), skip_validation=not validate, context={CREDENTIALS_CONTEXT: credentials})
    # The stacks read the catalog's app and state, and the environment they build: the
    # environments are escaped one by one, not the whole fleet once per environment.
    settings = terraform_literals(catalog.model_copy(update={"environments": []}))
    for env in environments:
        build_environment(app, settings, terraform_literals(env))
    if bootstrap:
        from stacks.bootstrap import BootstrapStack

        whole = terraform_literals(catalog)
        for plan in account_plans(whole):
            BootstrapStack(app, whole, plan)
    app.synth()
