"""Synthesize a catalog: every stack, variable file, rollout file and runbook, written into the
output directory in one swap.

Two paths write the same bytes (tests/test_fast_path.py compares them):
- plain: this process builds every stack with the AWS bindings imported whole, their runtime
  type checks on and cdktf's validations run. It is the reference, and `--plain` selects it.
- fast (the default): the environments are cut into contiguous slices, one per worker process
  (stacks/worker.py, which says how it starts and stops fast), at most one per core. A stack
  only references stacks of its own environment, so the slices are independent; each worker
  writes its stacks and a partial manifest into its own directory, and this process moves the
  stacks in and merges the manifests (zeroetl/synth/manifest.py). This process never loads the
  bindings, so even a single environment skips their full import.

Nothing reaches the output directory until every stack and file is written: a failure
anywhere (a worker, a template) leaves the previous output as it was.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from zeroetl import PROJECT_ROOT
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import Layer, stack_name
from zeroetl.render.runbook import render_runbook
from zeroetl.render.tfvars import TFVARS_FILE, render_tfvars
from zeroetl.rollout.accounts import account_plans, bootstrap_enabled
from zeroetl.rollout.files import render_rollout
from zeroetl.synth.cache import BOOTSTRAP, SynthCache, bootstrap_key, code_fingerprint, environment_key
from zeroetl.synth.manifest import MANIFEST_FILE, merge_manifests, write_manifest
from zeroetl.synth.toolchain import check_terraform_version

# Each worker holds a Python process and a node process with the 34 MB AWS assembly loaded
# (~350 MB together); beyond one per core more workers only cost memory.
MAX_JOBS = 8
# node's heap grows ~6 MB per environment a worker holds (its constructs and their JSON): a
# worker takes at most this many, ~650 MB, and a larger fleet runs more slices, `jobs` at a time.
MAX_ENVIRONMENTS_PER_WORKER = 50


class SynthError(RuntimeError):
    """Synthesis failed in a worker (or, on the plain path, in this process): names are its
    environments, output what it printed; str() is both."""

    def __init__(self, names: str, detail: str, output: str) -> None:
        super().__init__(f"synthesizing environment(s) {names} failed ({detail}):\n{output}")
        self.names, self.output = names, output

    @property
    def reason(self) -> str:
        """The last line of the output: for a Python or jsii failure, the error itself."""
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        return lines[-1] if lines else "no output"


def default_jobs(environments: int) -> int:
    # The cores this process may run on (Linux), else all of them (macOS has no affinity call).
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, environments, MAX_JOBS))


def render_files(catalog: Catalog, catalog_path: str) -> dict[str, str]:
    """Every rendered file, by its path under the output directory."""
    files: dict[str, str] = {}
    for env in catalog.environments:
        files.update({f"stacks/{stack}/{TFVARS_FILE}": text for stack, text in render_tfvars(catalog, env).items()})
        files.update({f"runbooks/{env.name}/{path}": text for path, text in render_runbook(catalog, env, catalog_path).items()})
    files.update({f"rollout/{name}": text for name, text in render_rollout(catalog, catalog_path).items()})
    if bootstrap_enabled(catalog):
        # Every stack directory holds its variable file; the bootstrap stacks have no variables.
        note = "# The bootstrap stack of account {}: no variables (stacks/bootstrap.py). Applied once by an administrator.\n"
        files.update({f"stacks/{plan.stack}/{TFVARS_FILE}": note.format(plan.account_id) for plan in account_plans(catalog)})
    return files


def synthesize_into(
    outdir: Path,
    catalog: Catalog,
    catalog_path: str,
    *,
    plain: bool = False,
    jobs: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
    cache: SynthCache | None = None,
    credentials: str = "assume-role",
) -> list[str]:
    """Synthesize into a staging directory beside outdir and swap it in at the end: a run that
    fails leaves the previous output as it was, and stacks of an earlier catalog do not linger.
    With a cache (fast path only), environments whose key it holds are copied from it and
    workers start only for the others. With a rollout repository and the s3 backend, the
    bootstrap stacks of every account are built too (in a slice of their own, cached under a key
    of the whole catalog). credentials: see stacks/app.py. Returns the stack names, environment
    by environment in deploy order (the bootstrap stacks are in no rollout)."""
    outdir = outdir.resolve()
    cache = None if plain else cache  # the plain path is the reference: always built whole
    staging = outdir.with_name(f".{outdir.name}.staging-{os.getpid()}")
    retired = outdir.with_name(f".{outdir.name}.retired-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    workers: Workers | None = None
    keys: dict[str, str] = {}
    bootstrap = bootstrap_enabled(catalog)
    try:
        if not plain:
            if cache is not None:
                fingerprint = code_fingerprint()
                keys = {env.name: environment_key(fingerprint, catalog, env, credentials) for env in catalog.environments}
                if bootstrap:
                    keys[BOOTSTRAP] = bootstrap_key(fingerprint, catalog)
            todo = [env for env in catalog.environments if not (cache and cache.has(keys[env.name]))]
            build_bootstrap = bootstrap and not (cache and cache.has(keys[BOOTSTRAP]))
            if cache is not None:
                progress(f"cache: {len(catalog.environments) - len(todo)} of {len(catalog.environments)} environment(s) unchanged")
            if todo or build_bootstrap:
                # The one cdktf validation that matters here, once per run instead of per resource.
                check_terraform_version()
                # Started before rendering: the workers spend their first seconds importing, and
                # the rendering here overlaps with that.
                subset = catalog.model_copy(update={"environments": todo})
                workers = Workers(staging, subset, jobs or default_jobs(max(1, len(todo))), progress, credentials, catalog if build_bootstrap else None)
        files = render_files(catalog, catalog_path)
        if workers:
            workers.finish()
        if cache is not None:
            _through_cache(staging, catalog, cache, keys, bootstrap)
        if plain:
            from stacks.app import synthesize

            try:
                synthesize(staging, catalog, catalog.environments, credentials=credentials, bootstrap=bootstrap)
            except Exception as exc:  # noqa: BLE001 - reported like a failed worker, with its traceback
                names = f"{catalog.environments[0].name}..{catalog.environments[-1].name}"
                raise SynthError(names, type(exc).__name__, traceback.format_exc()) from exc
        for path, text in files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if outdir.exists():
            outdir.rename(retired)
        staging.rename(outdir)
    finally:
        if workers:
            workers.stop()
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return [stack_name(env, layer) for env in catalog.environments for layer in Layer]


@dataclass
class Worker:
    proc: subprocess.Popen
    log: BinaryIO
    outdir: Path
    first: int
    stop: int
    bootstrap: bool = False


class Workers:
    """The worker processes of one run: the environments cut into contiguous slices of at most
    MAX_ENVIRONMENTS_PER_WORKER, synthesized by at most `jobs` workers at a time; with
    `bootstrap` (the whole catalog), one more slice builds the bootstrap stacks."""

    def __init__(
        self, staging: Path, catalog: Catalog, jobs: int, progress: Callable[[str], None], credentials: str = "assume-role", bootstrap: Catalog | None = None
    ) -> None:
        self.staging, self.catalog, self.envs, self.progress = staging, catalog, catalog.environments, progress
        self.credentials, self.bootstrap = credentials, bootstrap
        total = len(self.envs)
        self.jobs = max(1, min(jobs, total))
        count = max(self.jobs, math.ceil(total / MAX_ENVIRONMENTS_PER_WORKER)) if total else 0
        self.pending = [(total * i // count, total * (i + 1) // count, False) for i in range(count)]
        if bootstrap is not None:
            self.pending.append((0, 0, True))
        progress(f"{total} environment(s) in {count} slice(s){' and the bootstrap stacks' if bootstrap else ''}, {self.jobs} worker process(es) at a time")
        self.started = time.monotonic()
        self.workers: list[Worker] = []  # every worker started, in slice order
        self.running: list[Worker] = []
        try:
            self._fill()
        except BaseException:
            self.stop()
            raise

    def _fill(self) -> None:
        while self.pending and len(self.running) < self.jobs:
            first, stop, bootstrap = self.pending.pop(0)
            log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
            outdir = self.staging / f".worker-{len(self.workers)}"
            # A session of its own, so stop() can kill the worker together with its node processes.
            proc = subprocess.Popen(
                worker_command(outdir), cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            worker = Worker(proc, log, outdir, first, stop, bootstrap)
            self.workers.append(worker)
            self.running.append(worker)
            # A worker reads its slice at once; the pipe never holds it for long.
            proc.stdin.write(pickle.dumps((self.bootstrap if bootstrap else self.catalog, first, stop, self.credentials, bootstrap)))
            proc.stdin.close()

    def finish(self) -> None:
        """Run every slice, then move the stacks into staging/stacks and merge the manifests.
        Raises SynthError naming the environments of a worker that failed."""
        while self.running:
            time.sleep(0.05)
            for worker in [w for w in self.running if w.proc.poll() is not None]:
                self.running.remove(worker)
                self._collect(worker)
            self._fill()
        (self.staging / "stacks").mkdir(exist_ok=True)
        for worker in self.workers:
            for stack_dir in sorted((worker.outdir / "stacks").iterdir()):
                stack_dir.rename(self.staging / "stacks" / stack_dir.name)
        merge_manifests([w.outdir / MANIFEST_FILE for w in self.workers], self.staging / MANIFEST_FILE)
        for worker in self.workers:
            shutil.rmtree(worker.outdir)

    def _collect(self, worker: Worker) -> None:
        worker.log.seek(0)
        output = worker.log.read().decode("utf-8", "replace").strip()
        if worker.bootstrap:
            names = "the bootstrap stacks"
        else:
            first, last = self.envs[worker.first].name, self.envs[worker.stop - 1].name
            names = first if first == last else f"{first}..{last}"
        if worker.proc.returncode != 0:
            raise SynthError(names, f"worker exit {worker.proc.returncode}", output)
        if output:
            self.progress(output)
        stacks = len(Layer) * (worker.stop - worker.first) or len(list((worker.outdir / "stacks").iterdir()))
        self.progress(f"{'' if worker.bootstrap else 'environment(s) '}{names}: {stacks} stacks ({time.monotonic() - self.started:.1f} s)")

    def stop(self) -> None:
        """Kill any worker still running (another failed, or rendering did) and close the logs."""
        for worker in self.workers:
            if worker.proc.poll() is None:
                os.killpg(worker.proc.pid, signal.SIGKILL)
                worker.proc.wait()
            worker.log.close()


def _through_cache(staging: Path, catalog: Catalog, cache: SynthCache, keys: dict[str, str], bootstrap: bool) -> None:
    """Store the environments the workers just built, copy in the ones the cache held, and
    write the manifest of all of them."""
    stacks_dir = staging / "stacks"
    stacks_dir.mkdir(exist_ok=True)
    built_file = staging / MANIFEST_FILE
    built = json.loads(built_file.read_text(encoding="utf-8")) if built_file.exists() else {"stacks": {}}
    parts = [built] if built["stacks"] else []
    for env in catalog.environments:
        if stack_name(env, Layer.SOURCE) in built["stacks"]:
            cache.store(keys[env.name], [stack_name(env, layer) for layer in Layer], stacks_dir, built)
        else:
            parts.append(cache.restore(keys[env.name], stacks_dir))
    if bootstrap:
        names = [plan.stack for plan in account_plans(catalog)]
        if names[0] in built["stacks"]:
            cache.store(keys[BOOTSTRAP], names, stacks_dir, built)
        else:
            parts.append(cache.restore(keys[BOOTSTRAP], stacks_dir))
    write_manifest(parts, staging / MANIFEST_FILE)
    cache.prune()


def worker_command(outdir: Path) -> list[str]:
    """-O: see stacks/worker.py."""
    return [sys.executable, "-O", "-m", "stacks.worker", str(outdir)]
