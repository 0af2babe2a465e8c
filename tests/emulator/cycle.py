"""Apply, re-plan and destroy synthesized stacks against the emulator, as a user would with
`cdktf deploy` / `cdktf plan` / `cdktf destroy`, wave by wave.

The stacks are the synthesized JSON as it is; beside each, an override file points the
provider (and an S3 backend and the S3 remote states) at the emulator. A stack's local state
lives where its backend says, so downstream stacks read the outputs their upstream really
applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.emulator.app import access_key_for
from tests.emulator.fixture import Emulator
from tests.emulator.terraform import OVERRIDE, provider_override, run
from tests.harness import Synthesized
from zeroetl.catalog.naming import Layer, layer_account, stack_name
from zeroetl.rollout.accounts import BOOTSTRAP_PREFIX
from zeroetl.rollout.waves import waves

JOBS = 3  # stacks at a time: most of an apply is the provider's fixed waits, not CPU


def _s3_endpoint_settings(url: str, account_id: str) -> dict[str, Any]:
    return {
        "endpoints": {"s3": url, "sts": url},
        "use_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_requesting_account_id": True,
        "access_key": access_key_for(account_id),
        "secret_key": "emulator",
    }


class Cycle:
    """The stacks of one synthesized catalog against one emulator."""

    def __init__(self, emulator: Emulator, synth: Synthesized, log: Path) -> None:
        self.emulator, self.synth, self.log = emulator, synth, log
        self.accounts = {
            stack_name(env, layer): layer_account(env, layer).account_id for env in synth.catalog.environments for layer in Layer
        }
        self.accounts.update({name: name.removeprefix(BOOTSTRAP_PREFIX) for name in synth.stacks if name.startswith(BOOTSTRAP_PREFIX)})
        self.initialized: set[Path] = set()
        self.refusals: dict[str, str] = {}  # stack: what its refused plan said

    def order(self, stacks: Iterable[str] | None = None) -> list[list[str]]:
        """The stacks (all, or those given) in rollout waves: each list may run at once. The
        bootstrap stacks, which an administrator applies before the first rollout, come first."""
        wanted = set(self.synth.stacks if stacks is None else stacks)
        bootstrap = sorted(name for name in wanted if name.startswith(BOOTSTRAP_PREFIX))
        return [bootstrap] * bool(bootstrap) + [jobs for wave in waves(self.synth.catalog) if (jobs := [j.stack for j in wave.jobs if j.stack in wanted])]

    def prepare(self, stack: str, synth: Synthesized | None = None) -> Path:
        synth = synth or self.synth
        stack_dir = synth.stack_dir(stack)
        config = synth.stacks[stack]
        account = self.accounts[stack]
        # One override per provider block, matched by alias (a bootstrap stack has one per region).
        providers = [{**provider_override(self.emulator.url, account), **{k: p[k] for k in ("alias",) if k in p}} for p in config["provider"]["aws"]]
        override: dict[str, Any] = {"provider": {"aws": providers}}
        backend = config["terraform"]["backend"]
        if "s3" in backend:
            # An override's backend block replaces the original's whole: restate it.
            override["terraform"] = {"backend": {"s3": {**backend["s3"], **_s3_endpoint_settings(self.emulator.url, account)}}}
        for name, remote in config.get("data", {}).get("terraform_remote_state", {}).items():
            if remote["backend"] == "s3":
                remote_config = {**remote["config"], **_s3_endpoint_settings(self.emulator.url, account)}
                override.setdefault("data", {}).setdefault("terraform_remote_state", {})[name] = {"config": remote_config}
        (stack_dir / OVERRIDE).write_text(json.dumps(override, indent=2))
        if stack_dir not in self.initialized:
            run(stack_dir, "init", "-input=false", "-no-color", "-reconfigure", log=self.log)
            self.initialized.add(stack_dir)
        return stack_dir

    def _each_wave(self, stacks: Iterable[str] | None, action: Any, reverse: bool = False) -> dict[str, Any]:
        results: dict[str, Any] = {}
        order = self.order(stacks)
        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            for wave in reversed(order) if reverse else order:
                results.update(zip(wave, pool.map(action, wave)))
        return results

    def apply(self, stacks: Iterable[str] | None = None, synth: Synthesized | None = None) -> None:
        def one(stack: str) -> None:
            run(self.prepare(stack, synth), "apply", "-auto-approve", "-input=false", "-no-color", log=self.log)

        self._each_wave(stacks, one)

    def replan(self, stacks: Iterable[str] | None = None) -> dict[str, list[str]]:
        """{stack: the changes a plan after the apply still wants}; empty lists when clean."""
        return self._each_wave(stacks, self.changes)

    def outputs(self, stack: str) -> dict[str, Any]:
        """The stack's outputs as its state holds them after the apply."""
        done = run(self.prepare(stack), "output", "-json", "-no-color", log=self.log)
        return {name: output["value"] for name, output in json.loads(done.stdout).items()}

    def changes(self, stack: str, *args: str) -> list[str]:
        return planned_changes(self.plan(stack, *args))

    def plan(self, stack: str, *args: str) -> dict[str, Any]:
        """`terraform show -json` of a fresh plan (refreshed against the emulator)."""
        stack_dir = self.prepare(stack)
        done = run(stack_dir, "plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=replan.tfplan", *args, check=False, log=self.log)
        if done.returncode not in (0, 2):
            raise AssertionError(f"terraform plan failed in {stack}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return json.loads(run(stack_dir, "show", "-json", "replan.tfplan").stdout)

    def refuse(self, stack: str) -> str:
        """Plan a stack whose plan must fail (a precondition or postcondition it checks against
        what exists); returns Terraform's output and keeps it in self.refusals."""
        done = run(self.prepare(stack), "plan", "-input=false", "-no-color", check=False, log=self.log)
        if done.returncode != 1:
            raise AssertionError(f"the plan of {stack} was expected to be refused, and exited {done.returncode}:\n{done.stdout[-3000:]}")
        self.refusals[stack] = done.stdout + done.stderr
        return self.refusals[stack]

    def apply_one(self, stack: str, *args: str) -> None:
        run(self.prepare(stack), "apply", "-auto-approve", "-input=false", "-no-color", *args, log=self.log)

    def destroy(self, retired: Synthesized) -> None:
        """The documented teardown: apply the catalog with `retire: true` (synthesized beside
        this one, so it shares the state), then destroy every stack in reverse wave order. The
        bootstrap stays: its buckets hold every other environment's state."""
        self.apply(synth=retired)

        def one(stack: str) -> None:
            run(self.prepare(stack, retired), "destroy", "-auto-approve", "-input=false", "-no-color", log=self.log)

        self._each_wave([name for name in self.synth.stacks if not name.startswith(BOOTSTRAP_PREFIX)], one, reverse=True)


def planned_changes(plan: dict[str, Any]) -> list[str]:
    """Each resource change of a plan as `address: actions [attributes that differ]`."""
    found = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions == ["no-op"] or actions == ["read"]:
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        differ = sorted(k for k in set(before) | set(after) | set(unknown) if before.get(k) != after.get(k) or unknown.get(k))
        found.append(f"{change['address']}: {'/'.join(actions)} {differ}")
    for name, output in plan.get("output_changes", {}).items():
        if output["actions"] != ["no-op"]:
            found.append(f"output.{name}: {'/'.join(output['actions'])}")
    return found
