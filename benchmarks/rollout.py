"""The rollout workflow's cost for a pull request that changes one environment of a generated
100-environment fleet: part of `scripts/benchmark` (`--rollout 0` skips it; `--sizes '' --scale 0` runs it alone).

Measured, this run:
- the rendered workflow's pull-request run under act (tests/act/engine.py), as a fleet that
  is deployed sees it: every stack's state present (the realistic upstream outputs), the
  synthesis cache restored from main's run. Runner-seconds are the sum of every job's step
  times as act reports them (--json executionTime), with the synth job's setup step replaced
  by `scripts/setup --synth` timed in a fresh clone (under act the packages are linked from
  this project, which a runner cannot do);
- today's workflow, before this rework (the issue's baseline): one job per stack of the
  fleet, each running the full `scripts/setup` (timed in a fresh clone), synthesizing the
  whole fleet (`main.py --no-cache`, timed), and planning its stack (init + plan of one
  stack, timed on a sample of stacks, offline). Runner-seconds = stacks x (setup + synthesis
  + mean plan).
Both use this machine's package caches for the setups, so the comparison is like for like.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fleet import fleet_document
from tests.act.engine import make_world
from zeroetl.checks.upstream import state_document, upstream_outputs

PROJECT = Path(__file__).resolve().parent.parent
CATALOG = "catalog/fleet-100.yaml"
TARGET = 0.05  # the pull request's runner-seconds / today's


@dataclass
class RolloutFigures:
    environments: int
    stacks: int
    planned: int
    jobs: dict[str, float]  # job: seconds, of the pull-request run
    setup_synth: float  # scripts/setup --synth in a fresh clone
    setup_full: float  # scripts/setup in a fresh clone
    synth_cold: float
    plan_one: float  # mean of init + plan of one stack

    @property
    def new(self) -> float:
        return sum(self.jobs.values())

    @property
    def old(self) -> float:
        return self.stacks * (self.setup_full + self.synth_cold + self.plan_one)

    def lines(self) -> list[str]:
        ratio = self.new / self.old
        return [
            f"rollout: a pull request changing 1 of {self.environments} environments ({self.stacks} stacks)",
            f"  this workflow: {self.planned} stacks planned, {len(self.jobs)} jobs, {self.new:.0f} runner-seconds "
            f"(synth job {self.jobs.get('synth', 0):.0f} s, of which scripts/setup --synth {self.setup_synth:.0f} s)",
            f"  today's workflow: {self.stacks} jobs x (scripts/setup {self.setup_full:.0f} s + synthesis {self.synth_cold:.1f} s "
            f"+ plan {self.plan_one:.1f} s) = {self.old:.0f} runner-seconds",
            f"  ratio {ratio:.4f} (<= {TARGET})  {'ok' if ratio <= TARGET else 'MISSED'}",
        ]


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, check=True, capture_output=True)
    return time.perf_counter() - started


def fresh_setup(scratch: Path, *args: str) -> float:
    """Seconds of scripts/setup (with args) in a fresh clone of this project's HEAD."""
    clone = scratch / f"clone{'-'.join(args)}"
    subprocess.run(["git", "clone", "-q", str(PROJECT), str(clone)], check=True)
    try:
        return timed(["scripts/setup", *args], clone)
    finally:
        shutil.rmtree(clone, ignore_errors=True)


SETUP_STEP = "Install what synthesis needs"  # the synth job's setup step (templates/rollout/)


def step_seconds(log: str) -> list[tuple[str, str, float]]:
    """(job, step name, seconds) of every finished step in act's --json log."""
    steps = []
    for line in log.splitlines():
        entry = json.loads(line) if line.startswith("{") else {}
        if "executionTime" in entry and entry.get("stepResult"):
            steps.append((entry["job"].split("/", 1)[-1].strip(), entry.get("step", ""), entry["executionTime"] / 1e9))
    return steps


def measure_rollout(size: int, say) -> RolloutFigures:
    with tempfile.TemporaryDirectory(prefix="zeroetl-rollout-bench-") as scratch:
        root = Path(scratch)

        def write_catalog(path: Path) -> None:
            import yaml

            path.write_text(yaml.safe_dump(fleet_document(size), sort_keys=False), encoding="utf-8")

        world = make_world(root, CATALOG, write_catalog)
        rendered = root / "rendered" / "stacks"
        stacks = sorted(d.name for d in rendered.iterdir())
        # A deployed fleet: every stack's state as an apply leaves its outputs.
        (root / "state").mkdir()
        for name in stacks:
            config = json.loads((rendered / name / "cdk.tf.json").read_text())
            (root / "state" / f"{name}.tfstate").write_text(json.dumps(state_document(name, upstream_outputs(config))))
        # main's synth job saved the synthesis cache
        cache = root / "cache" / f"zeroetl-synth-{world.git('rev-parse', 'HEAD')}"
        subprocess.run([sys.executable, "main.py", "--catalog", CATALOG], cwd=world.work, env={**os.environ, "ZEROETL_CACHE_DIR": str(cache), "CDKTF_OUTDIR": str(root / "main-out")}, check=True, capture_output=True)
        say(f"rollout: {size} environments, {len(stacks)} stacks; running the pull request under act")
        world.git("checkout", "-q", "-B", "feature", "main")
        path = world.work / CATALOG
        path.write_text(path.read_text().replace("max_capacity: 32", "max_capacity: 48", 1))
        world.commit("one environment: more capacity", "feature")
        code, log = world.act("pull_request", {"number": 1, "pull_request": {"number": 1, "base": {"ref": "main"}, "head": {"ref": "feature"}}}, "pr", json_log=True)
        if code != 0:
            raise RuntimeError(f"the pull request's run failed under act:\n{log[-3000:]}")
        planned = len(list((root / "artifacts" / "pr").glob("plan-*/*.summary.json")))
        steps = step_seconds(log)
        jobs: dict[str, float] = {}
        for job, _, seconds in steps:
            jobs[job] = jobs.get(job, 0.0) + seconds
        setup_step = sum(seconds for _, step, seconds in steps if step.startswith(SETUP_STEP))
        if not setup_step:
            raise RuntimeError(f"no step named {SETUP_STEP!r} in the synth job: benchmarks/rollout.py and the workflow template disagree")
        say("rollout: timing scripts/setup --synth and scripts/setup in fresh clones")
        setup_synth = fresh_setup(root, "--synth")
        jobs["synth"] = jobs.get("synth", 0.0) - setup_step + setup_synth
        setup_full = fresh_setup(root)
        synth_cold = timed([sys.executable, "main.py", "--no-cache", "--catalog", CATALOG], world.work, {"CDKTF_OUTDIR": str(root / "cold")})
        subprocess.run([sys.executable, str(PROJECT / "tests" / "act" / "offline_aws.py"), str(root / "cold")], check=True, env={**os.environ, "ZEROETL_ACT_STATE": str(root / "state")})
        plans = [plan_seconds(root / "cold" / "stacks" / name) for name in stacks[:: max(1, len(stacks) // 8)][:8]]
        return RolloutFigures(
            environments=size, stacks=len(stacks), planned=planned, jobs=jobs, setup_synth=setup_synth, setup_full=setup_full, synth_cold=synth_cold, plan_one=statistics.mean(plans)
        )


def plan_seconds(stack_dir: Path) -> float:
    """init + plan of one stack against the offline states, as a plan job of either workflow does."""
    env = {"TF_IN_AUTOMATION": "1"}
    return timed(["terraform", "init", "-input=false", "-no-color"], stack_dir, env) + timed(["terraform", "plan", "-input=false", "-no-color", "-lock=false"], stack_dir, env)
