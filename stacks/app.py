"""Catalog in, Terraform out: every environment's stacks plus their variable files."""

from __future__ import annotations

from pathlib import Path

from cdktf import App

from stacks.environment import EnvironmentStacks, build_environment
from zeroetl.catalog import Catalog
from zeroetl.render import render_tfvars, write_tfvars


def synthesize(app: App, catalog: Catalog) -> list[EnvironmentStacks]:
    """Build every stack, synthesize, then write each stack's terraform.tfvars beside its JSON.

    The variable files are rendered before anything is synthesized, so a template error
    stops the run before a single file is written.
    """
    rendered = {}
    for env in catalog.environments:
        rendered.update(render_tfvars(catalog, env))
    environments = [build_environment(app, catalog, env) for env in catalog.environments]
    app.synth()
    write_tfvars(Path(app.outdir), rendered)
    return environments
