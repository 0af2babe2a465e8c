"""Catalog in, Terraform out: every environment's stacks plus their variable files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cdktf import App

from stacks.environment import EnvironmentStacks, build_environment
from zeroetl.catalog import Catalog
from zeroetl.render import TFVARS_FILE, render_tfvars
from zeroetl.rollout import render_rollout
from zeroetl.runbook import render_runbook


def synthesize_into(outdir: Path, catalog: Catalog, catalog_path: str) -> list[EnvironmentStacks]:
    """Synthesize into a staging directory beside outdir and swap it in at the end: a run that
    fails leaves the previous output as it was, and stacks of an earlier catalog do not linger."""
    outdir = outdir.resolve()
    staging = outdir.with_name(f".{outdir.name}.staging-{os.getpid()}")
    retired = outdir.with_name(f".{outdir.name}.retired-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        environments = synthesize(App(outdir=str(staging)), catalog, catalog_path)
        if outdir.exists():
            outdir.rename(retired)
        staging.rename(outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return environments


def synthesize(app: App, catalog: Catalog, catalog_path: str) -> list[EnvironmentStacks]:
    """Build every stack, synthesize, then write each stack's terraform.tfvars beside its JSON,
    the rollout files under rollout/ and each environment's runbook under runbooks/<env>/.

    Everything is rendered before anything is synthesized, so a template error stops the run
    before a single file is written.
    """
    files: dict[str, str] = {}  # path under the output directory: text
    for env in catalog.environments:
        files.update({f"stacks/{stack}/{TFVARS_FILE}": text for stack, text in render_tfvars(catalog, env).items()})
        files.update({f"runbooks/{env.name}/{path}": text for path, text in render_runbook(catalog, env, catalog_path).items()})
    files.update({f"rollout/{name}": text for name, text in render_rollout(catalog, catalog_path).items()})
    environments = [build_environment(app, catalog, env) for env in catalog.environments]
    app.synth()
    for path, text in files.items():
        target = Path(app.outdir) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return environments
