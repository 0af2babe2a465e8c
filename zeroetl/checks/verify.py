"""Check every synthesized stack offline in a few Terraform runs (`main.py verify`).

Planning each stack on its own costs seconds per stack, most of it the provider loading its
schema, and two plans at a time is all two cores give: a 100-environment fleet is hundreds of
plans. This builds root modules in a work directory that call the stacks as child modules, and
plans each root once:
- modules/<stack>/cdk.tf.json is the stack's JSON without its backend (a child module has none)
  and without its provider block. The root passes each module an offline provider for its
  region: one per region, not one per stack, since every provider configuration is a provider
  process of its own. Its terraform_remote_state data sources read local state files holding
  realistic upstream outputs (zeroetl/checks/upstream.py), so downstream stacks plan with real values.
- <stack>.auto.tfvars is the stack's terraform.tfvars with each name prefixed by `<stack>__`;
  the root declares those variables and passes them into the module, so Terraform parses the
  real file and checks every value against the module's variable types and validations.
`terraform init` links the provider from the plugin mirror (or cache) instead of copying it,
and `terraform plan -refresh=false -json` reports each problem with the file it comes from.

Why roots of at most BATCH_STACKS stacks, JOBS plans at a time: one root for a whole fleet
grows faster than its stack count. Measured here (2 cores) on roots of the generated fleet:
400 stacks plan in 32 s, 800 in 71 s, 1,600 in 169 s, 4,000 in 1,151 s at 5.9 GB. Terraform's
trace log shows where: ModuleExpansionTransformer walks every vertex of the graph for every
module (1.3 s at 400 stacks, 4.6 s at 800; hashicorp/terraform#30968, which OpenTofu fixed in
opentofu/opentofu#1809), and the plan walk itself grows 2.3x for 2x the stacks (20 s -> 46 s).
Memory follows the one plan held in one process. Below ~200 stacks the per-stack cost is flat
(100 stacks 87 ms each, 200 stacks 81 ms), and above it the fixed cost of a root (init, one
provider process per region, the validate walk; ~2 s) is spread thin. So the stacks are cut
into roots of at most 200, planned two at a time: the work is linear in the stack count and
the memory bounded by two roots, whatever the fleet's size.

Not checked here: each stack's provider and backend blocks (account role, allowed account,
default tags, S3 state). They carry catalog values through one code path (stacks/base.py),
and the tests plan every stack of the shipped catalogs on its own, with them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zeroetl.checks.upstream import remote_states, state_document, upstream_outputs
from zeroetl.render.tfvars import TFVARS_FILE

# Dummy credentials and the skip flags that keep the provider from calling AWS (REFERENCE.md).
OFFLINE_CREDENTIALS = {
    "access_key": "offline-test",
    "secret_key": "offline-test",
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    "skip_metadata_api_check": True,
    "max_retries": 1,
}
# Data sources that ask AWS at plan time, which an offline plan cannot: today only the
# readiness read of a brought-in cluster (stacks/constructs/readiness.py), whose refusal the
# emulator tests prove. Offline they are left out (count = 0); nothing reads their values.
AWS_READS = ("aws_rds_cluster",)


def offline_reads(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The `data` override that leaves out the stack's AWS reads: {type: {name: {"count": 0}}}."""
    data = config.get("data", {})
    return {type_: {name: {"count": 0} for name in data[type_]} for type_ in AWS_READS if data.get(type_)}


ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_-]*)(?=\s*=)", re.MULTILINE)
SEPARATOR = "__"
MAX_ROUNDS = 3
BATCH_STACKS = 200  # stacks per root: see the module's docstring
JOBS = 2  # plans at a time


class VerifyError(RuntimeError):
    """Terraform found problems; the message lists them by stack and file."""


@dataclass
class Verified:
    stacks: int
    resources: int  # resources the plan would create, over all stacks
    regions: list[str]
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def changed_stacks(outdir: Path, since: Path) -> set[str]:
    """The stacks of outdir whose JSON or variable file differs from (or is missing in) the
    earlier output `since`, and every stack that reads their state, transitively."""
    names = {d.name for d in (outdir / "stacks").iterdir()}

    def differs(name: str) -> bool:
        for file in ("cdk.tf.json", TFVARS_FILE):
            new, old = outdir / "stacks" / name / file, since / "stacks" / name / file
            if new.exists() != old.exists() or (new.exists() and new.read_bytes() != old.read_bytes()):
                return True
        return False

    changed = {name for name in names if differs(name)}
    readers = {name: set(remote_states(json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text(encoding="utf-8"))).values()) for name in names}
    grew = True
    while grew:
        downstream = {name for name, upstreams in readers.items() if upstreams & changed} - changed
        changed |= downstream
        grew = bool(downstream)
    return changed


def build_root(outdir: Path, workdir: Path, names: list[str], load: Callable[[str], dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Write the root module calling the named stacks of outdir/stacks into workdir, a new
    directory. `load` reads a stack's synthesized JSON (any stack: upstream outputs come from
    stacks planned in other batches too). Returns ({stack: its JSON}, the root module)."""
    stacks = {name: load(name) for name in names}
    upstream_dir = workdir / "upstream"
    upstream_dir.mkdir(parents=True)
    regions = sorted({provider["region"] for config in stacks.values() for provider in config["provider"]["aws"]})
    root: dict[str, Any] = {
        "terraform": {"required_providers": {"aws": next(iter(stacks.values()))["terraform"]["required_providers"]["aws"]}},
        "provider": {"aws": [{"alias": _alias(region), "region": region, **OFFLINE_CREDENTIALS} for region in regions]},
        "variable": {},
        "module": {},
    }
    written: set[str] = set()
    for name, config in stacks.items():
        module = json.loads(json.dumps(config))
        module["terraform"].pop("backend", None)
        providers = module.pop("provider")["aws"]
        region = next(provider["region"] for provider in providers if "alias" not in provider)
        # A stack spanning regions (a bootstrap: its state buckets' replicas) names the others'
        # providers by alias; a module receives them from the root, declared as aliases it takes.
        aliases = {provider["alias"]: provider["region"] for provider in providers if "alias" in provider}
        if aliases:
            module["terraform"]["required_providers"]["aws"]["configuration_aliases"] = [f"aws.{alias}" for alias in aliases]
        for remote_name, upstream in remote_states(config).items():
            if not (outdir / "stacks" / upstream / "cdk.tf.json").is_file():
                raise VerifyError(f"stack {name} reads the state of stack {upstream}, which {outdir}/stacks does not hold")
            path = upstream_dir / f"{upstream}.tfstate"
            if upstream not in written:
                path.write_text(json.dumps(state_document(upstream, upstream_outputs(stacks[upstream] if upstream in stacks else load(upstream)))), encoding="utf-8")
                written.add(upstream)
            remote = module["data"]["terraform_remote_state"][remote_name]
            remote.update(backend="local", config={"path": str(path)})
        for type_, blocks in offline_reads(config).items():
            for block, override in blocks.items():
                module["data"][type_][block].update(override)
        (workdir / "modules" / name).mkdir(parents=True)
        (workdir / "modules" / name / "cdk.tf.json").write_text(json.dumps(module), encoding="utf-8")
        inputs = {var: f"${{var.{name}{SEPARATOR}{var}}}" for var in config.get("variable", {})}
        root["variable"].update({f"{name}{SEPARATOR}{var}": {} for var in inputs})
        passed = {"aws": f"aws.{_alias(region)}", **{f"aws.{alias}": f"aws.{_alias(other)}" for alias, other in aliases.items()}}
        root["module"][name] = {"source": f"./modules/{name}", "providers": passed, **inputs}
        tfvars = outdir / "stacks" / name / TFVARS_FILE
        if tfvars.exists():
            renamed = ASSIGNMENT.sub(lambda m: f"{name}{SEPARATOR}{m['name']}", tfvars.read_text(encoding="utf-8"))
            (workdir / f"{name}.auto.tfvars").write_text(renamed, encoding="utf-8")
    _write_root(workdir, root, set())
    return stacks, root


def _write_root(workdir: Path, root: dict[str, Any], excluded: set[str]) -> None:
    """main.tf.json calling every module but the excluded ones (their variables go with them).
    Empty blocks are left out: Terraform refuses `"variable": {}`, which a root of stacks without
    inputs (the bootstrap stacks) would otherwise hold."""
    kept = {
        **root,
        "module": {name: call for name, call in root["module"].items() if name not in excluded},
        "variable": {name: v for name, v in root["variable"].items() if name.split(SEPARATOR)[0] not in excluded},
    }
    kept = {block: body for block, body in kept.items() if body != {}}
    (workdir / "main.tf.json").write_text(json.dumps(kept, indent=1), encoding="utf-8")
    for name in excluded:
        (workdir / f"{name}.auto.tfvars").unlink(missing_ok=True)


def batches(names: list[str], size: int) -> list[list[str]]:
    """The sorted stack names cut into as few batches of at most `size` as possible, of even
    length (so that two plans running side by side finish together). Sorted names keep an
    environment's stacks, and environments of one shape, together: fewer regions per batch."""
    count = -(-len(names) // size)
    return [names[i * len(names) // count : (i + 1) * len(names) // count] for i in range(count)]


@dataclass
class _Batch:
    stacks: int
    regions: list[str]
    added: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def verify(
    outdir: Path,
    workdir: Path,
    progress: Callable[[str], None] = lambda _: None,
    only: set[str] | None = None,
    batch: int = BATCH_STACKS,
    jobs: int = JOBS,
) -> Verified:
    """Plan every stack of outdir (or only those named) offline, in roots of at most `batch`
    stacks under workdir (new or empty), `jobs` plans at a time. Raises VerifyError listing
    every problem by stack and file."""
    if workdir.exists() and any(workdir.iterdir()):
        raise VerifyError(f"work directory {workdir} is not empty; name a new one")
    names = sorted(d.name for d in (outdir / "stacks").iterdir() if d.is_dir() and (only is None or d.name in only))
    if not names:
        raise VerifyError(f"{outdir}/stacks holds no stacks: synthesize first")

    def load(name: str) -> dict[str, Any]:
        return json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text(encoding="utf-8"))

    parts = batches(names, batch)
    progress(f"{len(names)} stacks in {len(parts)} root(s) of at most {batch} stacks under {workdir}, {min(jobs, len(parts))} plan(s) at a time")
    started = time.monotonic()
    done: list[int] = []

    def check(index: int, part: list[str]) -> _Batch:
        result = _check_root(outdir, workdir / f"batch-{index:03d}", part, load)
        done.append(index)
        progress(f"root {len(done)}/{len(parts)} planned ({part[0]} .. {part[-1]}): {len(result.problems)} problem(s), {time.monotonic() - started:.0f} s")
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(check, range(1, len(parts) + 1), parts))
    problems = [problem for result in results for problem in result.problems]
    if problems:
        raise VerifyError(f"terraform plan of {len(names)} stacks found {len(problems)} problem(s):\n" + "\n".join(problems))
    return Verified(
        stacks=len(names),
        resources=sum(result.added for result in results),
        regions=sorted({region for result in results for region in result.regions}),
        warnings=[warning for result in results for warning in result.warnings],
        seconds={"plan": time.monotonic() - started},
    )


def _check_root(outdir: Path, workdir: Path, names: list[str], load: Callable[[str], dict[str, Any]]) -> _Batch:
    """Build one root for the named stacks, init and plan it.

    Terraform stops at the first kind of error it meets (a stack's JSON that does not decode
    stops the values of all the others from being checked), so the stacks with errors are set
    aside and the rest planned again, up to MAX_ROUNDS plans: one report holds them all."""
    stacks, root = build_root(outdir, workdir, names, load)
    result = _Batch(stacks=len(stacks), regions=[provider["region"] for provider in root["provider"]["aws"]])
    _terraform(workdir, "init", "-input=false", "-no-color", "-backend=false")
    excluded: set[str] = set()
    for round_ in range(1, MAX_ROUNDS + 1):
        messages, failed = _plan(workdir)
        described = [(m["diagnostic"]["severity"], *_describe(m["diagnostic"], outdir)) for m in messages if m.get("type") == "diagnostic"]
        errors = [(stack, text) for severity, stack, text in described if severity == "error"]
        result.warnings = [text for severity, _, text in described if severity != "error"]
        result.problems += [text for text in dict.fromkeys(text for _, text in errors) if text not in result.problems]
        if failed and not errors:
            result.problems.append(failed)
        broken = {stack for stack, _ in errors if stack in stacks} - excluded
        if not (failed or errors) or not broken:
            break
        if round_ == MAX_ROUNDS:
            result.problems.append(f"(the other stacks of {names[0]} .. {names[-1]} were not checked: fix these and run again, {MAX_ROUNDS} plans is the limit)")
            break
        excluded |= broken
        _write_root(workdir, root, excluded)
    if not result.problems:
        result.added = next(m["changes"] for m in messages if m.get("type") == "change_summary")["add"]
    return result


def _plan(workdir: Path) -> tuple[list[dict[str, Any]], str]:
    """terraform plan -json: (its messages, and the output when it failed without a diagnostic)."""
    done = _terraform(workdir, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-json", check=False)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    failed = "" if done.returncode == 0 else (done.stderr.strip() or done.stdout[-4000:])
    return messages, failed


def _alias(region: str) -> str:
    return region.replace("-", "_")


def _describe(diagnostic: dict[str, Any], outdir: Path) -> tuple[str, str]:
    """(stack, one line naming the stack, the file and the value) for a diagnostic from the
    combined root, in the stack's own terms: its files under outdir, its variable names."""
    filename = (diagnostic.get("range") or {}).get("filename", "")
    line = (diagnostic.get("range") or {}).get("start", {}).get("line")
    snippet = diagnostic.get("snippet") or {}
    reference = re.search(rf"var\.([A-Za-z0-9_-]+){SEPARATOR}([A-Za-z0-9_-]+)", snippet.get("code", ""))
    context = snippet.get("context") or diagnostic.get("address") or ""
    stack, where = "(root)", ""
    if filename.startswith("modules/"):
        stack = filename.split("/")[1]
        where = f"{outdir}/stacks/{stack}/cdk.tf.json"
    elif filename.endswith(".auto.tfvars"):
        stack = filename.removesuffix(".auto.tfvars")
        where = f"{outdir}/stacks/{stack}/{TFVARS_FILE}:{line}"
    elif reference:  # a module input in the root: the value came from the stack's variable file
        stack, variable = reference.groups()
        where = _assignment(outdir / "stacks" / stack / TFVARS_FILE, variable)
    elif context.startswith("module."):
        stack = context.split(".")[1]
        where = f"{outdir}/stacks/{stack}/cdk.tf.json"
    detail = re.sub(r"\s*This was checked by the validation rule at \S+", "", diagnostic.get("detail", ""))
    values = ", ".join(f"{v['traversal']} {v['statement']}" for v in snippet.get("values", []))
    text = f"{stack}: {diagnostic['summary']}" + (f" ({values})" if values else "")
    text += (f": {' '.join(detail.split())}" if detail.strip() else "") + (f" ({where})" if where else "")
    return stack, text.replace(f"{stack}{SEPARATOR}", "")


def _assignment(tfvars: Path, variable: str) -> str:
    """path:line of the variable's assignment in a variable file (the path alone if not there)."""
    if tfvars.exists():
        for number, text in enumerate(tfvars.read_text(encoding="utf-8").splitlines(), start=1):
            if re.match(rf"{re.escape(variable)}\s*=", text):
                return f"{tfvars}:{number}"
    return str(tfvars)


def _terraform(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    done = subprocess.run(["terraform", *args], cwd=workdir, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise VerifyError(f"terraform {args[0]} failed in {workdir}:\n{done.stdout}\n{done.stderr}")
    return done
