"""Which stacks a change touches (`main.py changed --base REF`).

The base commit is synthesized with its own code and catalog (a `git worktree` of it, run by
this interpreter, through the synthesis cache the two runs share), and compared with the
current output: a stack changed when its JSON or its variable file differs, or it is new, and
every stack that reads the state of a changed stack changes with it (verify.changed_stacks).
Comparing synthesized output, not edited paths, catches every way a change reaches a stack:
an environment's entry, a shared default, a construct, a template, a locked package.

Stacks the base had and the head no longer has are listed apart as removed: the pipeline
cannot destroy a stack whose code is gone (README, Remove only the integration).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zeroetl.catalog.model import Catalog
from zeroetl.checks.verify import changed_stacks
from zeroetl.rollout.accounts import BOOTSTRAP_PREFIX
from zeroetl.rollout.waves import Wave, waves
from zeroetl.synth.cache import CACHE_DIR

SYNTH_TIMEOUT = 3600  # seconds: a 1,000-environment fleet synthesizes cold in ~2 minutes


class ChangesError(RuntimeError):
    """The base could not be read or synthesized; the message says which and why."""


@dataclass(frozen=True)
class Changes:
    base: str | None  # the commit compared with; None: every stack
    waves: list[Wave]  # every wave of the head, each holding only its changed stacks
    removed: list[str]
    bootstrap: list[str]  # bootstrap stacks that changed: in no wave, applied by an administrator

    @property
    def stacks(self) -> list[str]:
        return [job.stack for wave in self.waves for job in wave.jobs]

    def document(self) -> dict[str, object]:
        return {
            "base": self.base,
            "stacks": self.stacks,
            "waves": {wave.id: [job.stack for job in wave.jobs] for wave in self.waves},
            "removed": self.removed,
            "bootstrap": self.bootstrap,
        }


def changes(catalog: Catalog, outdir: Path, base: str | None, catalog_path: str, repo: Path) -> Changes:
    """The stacks of outdir (the head's synthesized output of catalog) that differ from the
    output of commit `base` of the git repository `repo`, in wave order. base None: all."""
    if not (outdir / "stacks").is_dir():
        raise ChangesError(f"{outdir}/stacks does not exist: synthesize first (scripts/cdktf synth)")
    head = {d.name for d in (outdir / "stacks").iterdir()}
    changed, removed = set(head), []
    if base is not None:
        commit = _commit(repo, base)
        with tempfile.TemporaryDirectory(prefix="zeroetl-base-") as scratch:
            before = synthesize_commit(repo, commit, catalog_path, Path(scratch))
            old = {d.name for d in (before / "stacks").iterdir()} if (before / "stacks").is_dir() else set()
            changed = changed_stacks(outdir, before)  # every stack, when the base had none
            removed = sorted(old - head)
    selected = [Wave(wave.id, wave.title, tuple(job for job in wave.jobs if job.stack in changed)) for wave in waves(catalog)]
    bootstrap = sorted(stack for stack in changed if stack.startswith(BOOTSTRAP_PREFIX))
    return Changes(base=base, waves=selected, removed=removed, bootstrap=bootstrap)


def _commit(repo: Path, ref: str) -> str:
    done = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if done.returncode != 0:
        raise ChangesError(f"--base {ref!r} is not a commit of {repo} (fetch it first: the workflow checks out with fetch-depth 0)")
    return done.stdout.strip()


def synthesize_commit(repo: Path, commit: str, catalog_path: str, scratch: Path) -> Path:
    """The output of `main.py --catalog catalog_path` as the commit had it, in scratch/out
    (empty when the commit has no such catalog: every stack of the head is then new)."""
    tree, outdir = scratch / "tree", scratch / "out"
    _git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        if not (tree / catalog_path).is_file():
            return outdir
        env = {**os.environ, "CDKTF_OUTDIR": str(outdir), "ZEROETL_CACHE_DIR": os.environ.get("ZEROETL_CACHE_DIR") or str(CACHE_DIR)}
        try:
            done = subprocess.run(
                [sys.executable, "main.py", "--catalog", catalog_path], cwd=tree, env=env, capture_output=True, text=True, timeout=SYNTH_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise ChangesError(f"synthesizing {catalog_path} at {commit[:12]} took longer than {SYNTH_TIMEOUT} seconds") from None
        if done.returncode != 0:
            tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["(no output)"]
            raise ChangesError(f"synthesizing {catalog_path} at {commit[:12]} failed (exit {done.returncode}): {tail[0]}")
        return outdir
    finally:
        _git(repo, "worktree", "remove", "--force", str(tree), check=False)


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise ChangesError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def github_outputs(found: Changes) -> str:
    """Lines for $GITHUB_OUTPUT: each wave's changed stacks as a JSON list, and the lot."""
    lines = [f"{wave.id}={json.dumps([job.stack for job in wave.jobs])}" for wave in found.waves]
    lines += [f"stacks={json.dumps(found.stacks)}", f"any={'true' if found.stacks else 'false'}", f"removed={json.dumps(found.removed)}"]
    lines += [f"bootstrap={json.dumps(found.bootstrap)}"]
    return "\n".join(lines) + "\n"
