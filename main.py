"""The zero-ETL app: `python main.py` synthesizes a catalog (what cdktf.json runs for
`cdktf synth`); `python main.py rollout` lists the rollout waves; `github-environments` makes
the waves' GitHub environments; `changed`, `verify` and `guard` check what was synthesized and
planned."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from zeroetl.catalog.loader import CatalogError, load_catalog
from zeroetl.catalog.model import Catalog

DEFAULT_CATALOG = Path(__file__).resolve().parent / "catalog" / "default.yaml"
# Progress goes to stdout (cdktf-cli shows it with --log-level=info), errors to stderr.
# emoji=False: ARNs hold ":secret:", which rich would print as an emoji.
console, errors = Console(soft_wrap=True, emoji=False), Console(stderr=True, soft_wrap=True, emoji=False)


def _load(path: Path) -> Catalog:
    try:
        return load_catalog(path)
    except CatalogError as exc:
        errors.print("[bold red]error:[/] " + escape(str(exc)), highlight=False)
        sys.exit(2)


@click.group(invoke_without_command=True)
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_CATALOG,
    envvar="ZEROETL_CATALOG",
    show_default=True,
    help="Environment catalog (or set ZEROETL_CATALOG, e.g. for `cdktf synth`).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    envvar="ZEROETL_JOBS",
    help="Synthesis worker processes at a time (or ZEROETL_JOBS). Default: one per core, at most 8.",
)
@click.option(
    "--plain",
    is_flag=True,
    envvar="ZEROETL_PLAIN",
    help="Synthesize in this one process with the bindings' type checks and cdktf's validations on: "
    "slower, same output; the reference the fast path is tested against (or ZEROETL_PLAIN=1).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="ZEROETL_NO_CACHE",
    help="Synthesize every environment, ignoring the synthesis cache in .cache/synth/ (or ZEROETL_NO_CACHE=1).",
)
@click.option(
    "--credentials",
    type=click.Choice(["assume-role", "ambient"]),
    default="assume-role",
    envvar="ZEROETL_CREDENTIALS",
    show_default=True,
    help="assume-role: each stack's provider and state backend assume its account's role_arn. ambient: the caller's "
    "credentials already are the account's role (the rollout's jobs, which take it straight from GitHub's token), so "
    "nothing is assumed (or ZEROETL_CREDENTIALS).",
)
@click.pass_context
def main(ctx: click.Context, catalog_path: Path, jobs: int | None, plain: bool, no_cache: bool, credentials: str) -> None:
    """Validate the catalog, then write cdktf.out/stacks/<stack>/{cdk.tf.json,terraform.tfvars},
    the rollout workflow and listing under cdktf.out/rollout/ and the runbooks under
    cdktf.out/runbooks/."""
    ctx.obj = catalog_path
    if ctx.invoked_subcommand is not None:
        return
    catalog = _load(catalog_path)
    from zeroetl.synth.cache import SynthCache
    from zeroetl.synth.run import SynthError, synthesize_into
    from zeroetl.synth.toolchain import ToolchainError

    console.print(f"catalog {catalog_path}: {len(catalog.environments)} environment(s) valid; synthesizing", highlight=False)
    # cdktf-cli names the output directory in CDKTF_OUTDIR; cdktf's own default otherwise.
    outdir = Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    progress = lambda line: console.print(f"  {line}", highlight=False, markup=False)  # noqa: E731
    try:
        cache = None if no_cache else SynthCache()
        stacks = synthesize_into(outdir, catalog, _display(catalog_path), plain=plain, jobs=jobs, progress=progress, cache=cache, credentials=credentials)
    except SynthError as exc:
        # The catalog passed validation, yet a stack could not be built from it: one line that
        # names the catalog and environments, the whole output kept in a file for the report.
        with tempfile.NamedTemporaryFile("w", prefix="zeroetl-synth-", suffix=".log", delete=False) as log:
            log.write(str(exc))
        errors.print(
            f"[bold red]error:[/] {escape(str(catalog_path))}: synthesizing environment(s) {escape(exc.names)} failed: "
            f"{escape(exc.reason[:200])} (full output: {log.name}); the previous output is unchanged",
            highlight=False,
        )
        sys.exit(2)
    except ToolchainError as exc:
        errors.print("[bold red]error:[/] " + escape(str(exc)), highlight=False)
        sys.exit(1)
    for stack in stacks:
        console.print(f"  {stack}  ->  {outdir}/stacks/{stack}", highlight=False)
    from zeroetl.catalog.notices import notices

    for notice in notices(catalog):
        errors.print(f"[yellow]warning:[/] {escape(str(catalog_path))}: {escape(notice)}", highlight=False)


@main.command()
@click.pass_obj
def rollout(catalog_path: Path) -> None:
    """List every stack in the order to deploy it."""
    from zeroetl.rollout.waves import waves

    table = Table("wave", "stack", "account", "region", title=f"rollout of {_display(catalog_path)}")
    for wave in waves(_load(catalog_path)):
        for job in wave.jobs:
            table.add_row(wave.title, job.stack, job.account_id, job.region)
    console.print(table)


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--allow", "allowed", multiple=True, metavar="ADDRESS", help="A resource address this run may delete or replace (repeatable).")
@click.option(
    "--outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("cdktf.out"), show_default=True,
    help="Synthesized output whose rollout/guard.json lists the deprecated engine versions no cluster may be created with.",
)
def guard(plans: tuple[Path, ...], allowed: tuple[str, ...], outdir: Path) -> None:
    """Refuse plans (terraform show -json output) that delete or replace stateful resources
    or integrations, or create a cluster on a deprecated engine version. Exit 1 listing them;
    0 when every plan is safe."""
    from zeroetl.checks.plan_guard import check_files, deprecated_versions

    findings = check_files(list(plans), frozenset(allowed), deprecated_versions(outdir))
    for finding in findings:
        errors.print(f"[bold red]refused:[/] {escape(str(finding))}", highlight=False)
    if findings:
        errors.print("Re-run with --allow ADDRESS for each change that is intended.", highlight=False)
        sys.exit(1)
    console.print(f"{len(plans)} plan(s): no stateful resource or integration is deleted or replaced", highlight=False)


@main.command("verify")
@click.option("--outdir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=Path("cdktf.out"), show_default=True, help="Synthesized output to check.")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), help="Where to build the combined root (kept); default: a temporary directory, removed after.")
@click.option(
    "--since",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="An earlier output (say, a copy of cdktf.out before an edit): check only the stacks whose JSON or variable file differs from it, and the stacks that read them.",
)
def verify_command(outdir: Path, workdir: Path | None, since: Path | None) -> None:
    """Check every synthesized stack offline: each stack a module of a root of at most 200,
    its variable file and realistic upstream outputs included, two roots planned at a time.
    Exit 1 listing problems."""
    from zeroetl.checks.verify import VerifyError, changed_stacks, verify

    progress = lambda line: console.print(line, highlight=False, markup=False)  # noqa: E731
    only = None
    if since is not None:
        only = changed_stacks(outdir, since)
        if not only:
            console.print(f"no stack differs from {since}: nothing to verify", highlight=False)
            return
        progress(f"{len(only)} stack(s) differ from {since} or read one that does")
    with tempfile.TemporaryDirectory(prefix="zeroetl-verify-") as scratch:
        try:
            result = verify(outdir, workdir or Path(scratch) / "root", progress, only)
        except VerifyError as exc:
            errors.print("[bold red]error:[/] " + escape(str(exc)), highlight=False)
            sys.exit(1)
    for warning in result.warnings:
        errors.print("[yellow]warning:[/] " + escape(warning), highlight=False)
    console.print(
        f"{result.stacks} stacks verified offline: {result.resources} resources planned "
        f"(plan {result.seconds['plan']:.1f} s)",
        highlight=False,
    )


@main.command()
@click.option("--base", metavar="REF", help="The commit to compare with (a branch, tag or sha). Without it, every stack.")
@click.option("--outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("cdktf.out"), show_default=True, help="The current synthesized output.")
@click.option("--json", "as_json", is_flag=True, help="Print {base, stacks, waves, removed} as JSON.")
@click.option("--github-output", type=click.Path(path_type=Path, dir_okay=False), envvar="ZEROETL_GITHUB_OUTPUT", help="Append each wave's changed stacks to this file (the workflow passes $GITHUB_OUTPUT).")
@click.pass_obj
def changed(catalog_path: Path, base: str | None, outdir: Path, as_json: bool, github_output: Path | None) -> None:
    """List the stacks whose synthesized JSON or variable file differs from the base commit's,
    and every stack reading their state, in wave order. Synthesize the current catalog first."""
    import json

    from zeroetl.checks.changes import ChangesError, changes, github_outputs

    catalog = _load(catalog_path)
    relative = _display(catalog_path)
    if base is not None and Path(relative).is_absolute():
        errors.print(f"[bold red]error:[/] {escape(relative)}: --base reads the catalog from git, so it must be inside {Path(__file__).resolve().parent}", highlight=False)
        sys.exit(2)
    try:
        found = changes(catalog, outdir, base, relative, Path(__file__).resolve().parent)
    except ChangesError as exc:
        errors.print("[bold red]error:[/] " + escape(str(exc)), highlight=False)
        sys.exit(2)
    if github_output is not None:
        with github_output.open("a", encoding="utf-8") as out:
            out.write(github_outputs(found))
    if as_json:
        click.echo(json.dumps(found.document(), indent=2))
        return
    against = f"differ from {base}" if base else "in the catalog (no --base)"
    errors.print(f"{len(found.stacks)} stack(s) {against}, in wave order:", highlight=False)
    for wave in found.waves:
        for job in wave.jobs:
            click.echo(f"{wave.id}\t{job.stack}")
    for stack in found.bootstrap:
        errors.print(f"[yellow]bootstrap:[/] {stack} changed; an administrator applies it before this rollout (README, Security model of the rollout)", highlight=False)
    for stack in found.removed:
        errors.print(f"[yellow]removed:[/] {stack} is in {base}'s output only; destroy it by hand (README, Remove only the integration)", highlight=False)


@main.command("github-environments")
@click.option("--apply", "apply_", is_flag=True, help="Change GitHub to match (needs `gh auth login` as a repository administrator).")
@click.pass_obj
def github_environments(catalog_path: Path, apply_: bool) -> None:
    """Each wave's GitHub environment: deployable from the default branch only, with the
    catalog's reviewers. Without --apply, list what differs and exit 1 if anything does."""
    from zeroetl.rollout.github_environments import GitHubError, converge, differences, gh, wanted

    catalog = _load(catalog_path)
    repository = catalog.rollout.github_repository
    if repository is None:
        errors.print(f"[bold red]error:[/] {escape(str(catalog_path))}: rollout.github_repository is not set; it names the repository whose environments these are", highlight=False)
        sys.exit(2)
    try:
        found = (converge if apply_ else differences)(gh, repository, wanted(catalog))
    except GitHubError as exc:
        errors.print(f"[bold red]error:[/] {escape(str(catalog_path))}: " + escape(str(exc)), highlight=False)
        sys.exit(1)
    if not found:
        console.print(f"{repository}: every wave environment is as {_display(catalog_path)} says", highlight=False)
        return
    table = Table("environment", "differed" if apply_ else "differs", title=f"{repository}: GitHub environments" + (" changed" if apply_ else ""))
    for difference in found:
        table.add_row(difference.environment, difference.what)
    console.print(table)
    if not apply_:
        errors.print("run again with --apply to change them", highlight=False)
        sys.exit(1)


def _display(path: Path) -> str:
    """The catalog path as the workflow should name it: relative to the project when inside."""
    root = Path(__file__).resolve().parent
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
