"""Check every synthesized stack offline in one Terraform run (`main.py verify`).

Planning each stack on its own costs seconds per stack, most of it the provider loading its
schema, and two plans at a time is all two cores give: a 100-environment fleet is hundreds of
plans. This builds one root module in a work directory that calls every stack as a child module,
and plans it once:
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
ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_-]*)(?=\s*=)", re.MULTILINE)
SEPARATOR = "__"
MAX_ROUNDS = 3


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


def build_root(outdir: Path, workdir: Path, only: set[str] | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Write the root module for every stack under outdir/stacks (or only those named) into
    workdir. Returns ({stack: its synthesized JSON} of the stacks planned, the root module)."""
    if workdir.exists() and any(workdir.iterdir()):
        raise VerifyError(f"work directory {workdir} is not empty; name a new one")
    stacks = {d.name: json.loads((d / "cdk.tf.json").read_text(encoding="utf-8")) for d in sorted((outdir / "stacks").iterdir())}
    if not stacks:
        raise VerifyError(f"{outdir}/stacks holds no stacks: synthesize first")
    every = stacks  # upstream outputs come from any stack, planned or not
    stacks = stacks if only is None else {name: config for name, config in stacks.items() if name in only}
    upstream_dir = workdir / "upstream"
    upstream_dir.mkdir(parents=True)
    regions = sorted({config["provider"]["aws"][0]["region"] for config in stacks.values()})
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
        region = module.pop("provider")["aws"][0]["region"]
        for remote_name, upstream in remote_states(config).items():
            if upstream not in every:
                raise VerifyError(f"stack {name} reads the state of stack {upstream}, which {outdir}/stacks does not hold")
            path = upstream_dir / f"{upstream}.tfstate"
            if upstream not in written:
                path.write_text(json.dumps(state_document(upstream, upstream_outputs(every[upstream]))), encoding="utf-8")
                written.add(upstream)
            remote = module["data"]["terraform_remote_state"][remote_name]
            remote.update(backend="local", config={"path": str(path)})
        (workdir / "modules" / name).mkdir(parents=True)
        (workdir / "modules" / name / "cdk.tf.json").write_text(json.dumps(module), encoding="utf-8")
        inputs = {var: f"${{var.{name}{SEPARATOR}{var}}}" for var in config.get("variable", {})}
        root["variable"].update({f"{name}{SEPARATOR}{var}": {} for var in inputs})
        root["module"][name] = {"source": f"./modules/{name}", "providers": {"aws": f"aws.{_alias(region)}"}, **inputs}
        tfvars = outdir / "stacks" / name / TFVARS_FILE
        if tfvars.exists():
            renamed = ASSIGNMENT.sub(lambda m: f"{name}{SEPARATOR}{m['name']}", tfvars.read_text(encoding="utf-8"))
            (workdir / f"{name}.auto.tfvars").write_text(renamed, encoding="utf-8")
    _write_root(workdir, root, set())
    return stacks, root


def _write_root(workdir: Path, root: dict[str, Any], excluded: set[str]) -> None:
    """main.tf.json calling every module but the excluded ones (their variables go with them)."""
    kept = {
        **root,
        "module": {name: call for name, call in root["module"].items() if name not in excluded},
        "variable": {name: v for name, v in root["variable"].items() if name.split(SEPARATOR)[0] not in excluded},
    }
    (workdir / "main.tf.json").write_text(json.dumps(kept, indent=1), encoding="utf-8")
    for name in excluded:
        (workdir / f"{name}.auto.tfvars").unlink(missing_ok=True)


def verify(outdir: Path, workdir: Path, progress: Callable[[str], None] = lambda _: None, only: set[str] | None = None) -> Verified:
    """Build the root in workdir (new or empty) for every stack, or only those named, init and
    plan it. Raises VerifyError listing every problem by stack and file.

    Terraform stops at the first kind of error it meets (a stack's JSON that does not decode
    stops the values of all the others from being checked), so the stacks with errors are set
    aside and the rest planned again, up to MAX_ROUNDS plans: one report holds them all."""
    seconds: dict[str, float] = {}
    started = time.monotonic()
    stacks, root = build_root(outdir, workdir, only)
    regions = [provider["region"] for provider in root["provider"]["aws"]]
    seconds["build"] = time.monotonic() - started
    progress(f"{len(stacks)} stacks as modules of one root in {workdir} ({len(regions)} region(s): {', '.join(regions)})")
    started = time.monotonic()
    _terraform(workdir, "init", "-input=false", "-no-color", "-backend=false")
    seconds["init"] = time.monotonic() - started
    progress(f"terraform init ({seconds['init']:.1f} s); planning every stack at once")
    started = time.monotonic()
    excluded: set[str] = set()
    problems: list[str] = []
    for round_ in range(1, MAX_ROUNDS + 1):
        messages, failed = _plan(workdir)
        described = [(m["diagnostic"]["severity"], *_describe(m["diagnostic"], outdir)) for m in messages if m.get("type") == "diagnostic"]
        errors = [(stack, text) for severity, stack, text in described if severity == "error"]
        warnings = [text for severity, _, text in described if severity != "error"]
        problems += [text for text in dict.fromkeys(text for _, text in errors) if text not in problems]
        if failed and not errors:
            problems.append(failed)
        broken = {stack for stack, _ in errors if stack in stacks} - excluded
        if not (failed or errors) or not broken:
            break
        if round_ == MAX_ROUNDS:
            problems.append(f"(the other stacks were not checked: fix these and run again, {MAX_ROUNDS} plans is the limit)")
            break
        excluded |= broken
        _write_root(workdir, root, excluded)
        progress(f"{len(broken)} stack(s) with errors set aside; planning the other {len(stacks) - len(excluded)} again")
    seconds["plan"] = time.monotonic() - started
    if problems:
        raise VerifyError(f"terraform plan of {len(stacks)} stacks found {len(problems)} problem(s):\n" + "\n".join(problems))
    summary = next(m["changes"] for m in messages if m.get("type") == "change_summary")
    return Verified(stacks=len(stacks), resources=summary["add"], regions=regions, warnings=warnings, seconds=seconds)


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
