"""Catalog in, Terraform out: every environment's stacks plus their variable files."""

from __future__ import annotations

from pathlib import Path

from cdktf import App

from stacks.environment import EnvironmentStacks, build_environment
from zeroetl.catalog import Catalog
from zeroetl.render import render_tfvars, write_tfvars
from zeroetl.rollout import render_rollout


def synthesize(app: App, catalog: Catalog, catalog_path: str) -> list[EnvironmentStacks]:
    """Build every stack, synthesize, then write each stack's terraform.tfvars beside its JSON
    and the rollout files under rollout/.

    Everything is rendered before anything is synthesized, so a template error stops the run
    before a single file is written.
    """
    rendered = {}
    for env in catalog.environments:
        rendered.update(render_tfvars(catalog, env))
    rollout = render_rollout(catalog, catalog_path)
    environments = [build_environment(app, catalog, env) for env in catalog.environments]
    app.synth()
    outdir = Path(app.outdir)
    write_tfvars(outdir, rendered)
    (outdir / "rollout").mkdir(exist_ok=True)
    for name, text in rollout.items():
        (outdir / "rollout" / name).write_text(text, encoding="utf-8")
    return environments
