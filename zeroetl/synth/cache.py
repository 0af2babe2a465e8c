"""The synthesis cache: each environment's synthesized stacks, kept under a key of everything
that shapes them, so a run starts workers only for the environments whose key is new.

A stack references only stacks of its own environment (stacks/environment.py), so an
environment's four stacks are a function of:
- its resolved catalog entry (after `defaults` are merged in),
- the fleet-wide settings every stack reads (`app`, `state`),
- the code and data that turn those into JSON: stacks/ and zeroetl/ (*.py), the facts files
  under catalog/, cdktf.json, the locked packages (Pipfile.lock) and the Python version.
The key hashes exactly these (tests/test_synth_cache.py proves it moves with each one, and
that a cached run writes the same bytes as a cold one).

An entry is written into a temporary directory and renamed into place, so a run that dies half
way leaves no half entry, and two runs at once cannot mix theirs. The cache is bounded: the
least recently used entries go once it passes ZEROETL_CACHE_MAX_MB (default 1024). It lives in
.cache/synth/ (or ZEROETL_CACHE_DIR); `main.py --no-cache` neither reads nor writes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zeroetl import PROJECT_ROOT
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.rollout.accounts import bootstrap_enabled

CACHE_DIR = Path(os.environ.get("ZEROETL_CACHE_DIR") or PROJECT_ROOT / ".cache" / "synth")
CODE_DIRS = ("stacks", "zeroetl")
CODE_FILES = ("Pipfile.lock", "cdktf.json", "catalog/regions.yaml", "catalog/engine_versions.yaml", "catalog/reserved_words.yaml")
ENTRY_MANIFEST = "manifest.part.json"
BOOTSTRAP = "bootstrap"
SIZE_FILE = "size"
DEFAULT_MAX_MB = 1024


def code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A hash of every file of code and data that shapes the stacks, with their paths."""
    digest = hashlib.sha256(f"python {sys.version_info[:2]}".encode())
    paths = [p for d in CODE_DIRS for p in (root / d).rglob("*.py")] + [root / f for f in CODE_FILES]
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def environment_key(fingerprint: str, catalog: Catalog, env: Environment, credentials: str = "assume-role") -> str:
    # With a bootstrap, the stacks' backends name its state keys (stacks/base.py).
    fleet = {"app": catalog.app, "state": catalog.state.model_dump(mode="json"), "credentials": credentials, "bootstrap": bootstrap_enabled(catalog)}
    text = json.dumps([fingerprint, fleet, env.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def bootstrap_key(fingerprint: str, catalog: Catalog) -> str:
    """The bootstrap stacks read the fleet's settings and, of each environment, where it deploys,
    its wave and its operator roles (zeroetl/rollout/accounts.py, policies.py)."""
    placement = {"app", "state", "rollout"}
    per_env = {"name", "region", "rollout_wave", "source_account", "target_account", "operator_role_names"}
    fleet = catalog.model_dump(mode="json", include=placement)
    envs = [env.model_dump(mode="json", include=per_env) for env in catalog.environments]
    text = json.dumps([fingerprint, BOOTSTRAP, fleet, envs], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class SynthCache:
    directory: Path = CACHE_DIR
    max_bytes: int = int(os.environ.get("ZEROETL_CACHE_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024

    def entry(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def has(self, key: str) -> bool:
        return (self.entry(key) / ENTRY_MANIFEST).is_file()

    def store(self, key: str, names: list[str], stacks_dir: Path, manifest: dict[str, Any]) -> None:
        """Keep the stack directories `names` (an environment's, or the bootstrap's) from
        stacks_dir and their part of the manifest."""
        if self.has(key):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".entry-", dir=self.directory))
        for name in names:
            shutil.copytree(stacks_dir / name, temporary / "stacks" / name)
        part = {"version": manifest["version"], "stacks": {name: manifest["stacks"][name] for name in names}}
        (temporary / ENTRY_MANIFEST).write_text(json.dumps(part), encoding="utf-8")
        size = sum(p.stat().st_size for p in temporary.rglob("*") if p.is_file())
        (temporary / SIZE_FILE).write_text(str(size), encoding="utf-8")
        target = self.entry(key)
        target.parent.mkdir(exist_ok=True)
        try:
            temporary.rename(target)
        except OSError:  # another run stored the same key first: theirs is as good
            shutil.rmtree(temporary, ignore_errors=True)

    def restore(self, key: str, stacks_dir: Path) -> dict[str, Any]:
        """Copy the entry's stacks into stacks_dir; returns its part of the manifest."""
        entry = self.entry(key)
        for stack_dir in (entry / "stacks").iterdir():
            shutil.copytree(stack_dir, stacks_dir / stack_dir.name)
        os.utime(entry)  # recently used: kept longest
        return json.loads((entry / ENTRY_MANIFEST).read_text(encoding="utf-8"))

    def prune(self) -> int:
        """Remove the least recently used entries until the cache fits max_bytes; returns how many."""
        if not self.directory.is_dir():
            return 0
        entries = []
        for shard in self.directory.iterdir():
            if shard.is_dir() and not shard.name.startswith("."):
                for entry in shard.iterdir():
                    try:
                        entries.append((entry.stat().st_mtime, int((entry / SIZE_FILE).read_text()), entry))
                    except (OSError, ValueError):
                        entries.append((0.0, 0, entry))  # unreadable: first to go
        total, removed = sum(size for _, size, _ in entries), 0
        for _, size, entry in sorted(entries):
            if total <= self.max_bytes:
                break
            shutil.rmtree(entry, ignore_errors=True)
            total -= size
            removed += 1
        for stale in self.directory.glob(".entry-*"):  # left by a run that was killed
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
        return removed
