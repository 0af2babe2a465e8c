"""Synthesize the zero-ETL stacks of a catalog (the app cdktf.json runs for `cdktf synth`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from zeroetl.loader import CatalogError, load_catalog

DEFAULT_CATALOG = Path(__file__).resolve().parent / "catalog" / "default.yaml"


@click.command()
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_CATALOG,
    envvar="ZEROETL_CATALOG",
    show_default=True,
    help="Environment catalog to synthesize (or set ZEROETL_CATALOG, e.g. for `cdktf synth`).",
)
def main(catalog_path: Path) -> None:
    """Validate the catalog, then write cdktf.out/stacks/<stack>/{cdk.tf.json,terraform.tfvars}."""
    # Progress goes to stdout (cdktf-cli shows it with --log-level=info), errors to stderr.
    console, errors = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    try:
        catalog = load_catalog(catalog_path)
    except CatalogError as exc:
        errors.print("[bold red]error:[/] " + escape(str(exc)), highlight=False)
        sys.exit(2)
    # The AWS bindings take seconds to import: only pay for them once the catalog is valid.
    from cdktf import App

    from stacks.app import synthesize

    console.print(f"catalog {catalog_path}: {len(catalog.environments)} environment(s) valid; synthesizing", highlight=False)
    app = App()
    environments = synthesize(app, catalog)
    for env_stacks in environments:
        for stack in env_stacks.all():
            console.print(f"  {stack.node.id}  ->  {app.outdir}/stacks/{stack.node.id}", highlight=False)


if __name__ == "__main__":
    main()
