"""The synthesis cache (zeroetl/synth/cache.py): its key moves with every input that shapes an
environment's stacks, a cached run writes the same bytes as a cold one after random edits, and
a run with nothing changed starts no worker at all."""

from __future__ import annotations

import filecmp
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import zeroetl.synth.run
from zeroetl.catalog.loader import load_catalog
from zeroetl.synth.cache import CODE_DIRS, CODE_FILES, SynthCache, code_fingerprint, environment_key
from zeroetl.synth.run import synthesize_into

ROOT = Path(__file__).resolve().parent.parent
FLEET = ROOT / "catalog" / "fleet.yaml"


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_code_fingerprint_moves_with_code_data_and_locked_packages(tmp_path: Path) -> None:
    for name in CODE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in CODE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    seen = {code_fingerprint(tmp_path)}
    assert code_fingerprint(tmp_path) in seen, "the same code gives the same fingerprint"
    for edited in ("stacks/constructs/aurora.py", "zeroetl/catalog/naming.py", "Pipfile.lock", "catalog/regions.yaml", "cdktf.json"):
        with (tmp_path / edited).open("a") as file:
            file.write("\n")
        fingerprint = code_fingerprint(tmp_path)
        assert fingerprint not in seen, f"an edit to {edited} must change the key"
        seen.add(fingerprint)


def test_environment_key_moves_with_its_entry_and_the_fleet_settings_only(tmp_path: Path) -> None:
    raw = yaml.safe_load(FLEET.read_text())
    base = load_catalog(FLEET)
    keys = {env.name: environment_key("code", base, env) for env in base.environments}

    def keys_after(change) -> dict[str, str]:
        data = yaml.safe_load(FLEET.read_text())
        change(data)
        path = tmp_path / "edited.yaml"
        path.write_text(yaml.safe_dump(data))
        catalog = load_catalog(path)
        return {env.name: environment_key("code", catalog, env) for env in catalog.environments}

    one = keys_after(lambda d: d["environments"][0]["warehouse"].update(max_capacity=64))
    assert one["dev"] != keys["dev"] and all(one[n] == keys[n] for n in keys if n != "dev")
    shared = keys_after(lambda d: d["defaults"]["source"].update(preferred_backup_window="02:00-03:00"))
    assert all(shared[n] != keys[n] for n in keys), "a shared default reaches every environment"
    for fleet_wide in (lambda d: d.update(app="other"), lambda d: d["state"].update(bucket="{app}-state-{account}-{region}")):
        changed = keys_after(fleet_wide)
        assert all(changed[n] != keys[n] for n in keys)
    assert environment_key("other code", base, base.environments[0]) != keys["dev"]
    assert raw["environments"][0]["name"] == "dev"


def test_cached_output_is_byte_identical_to_a_cold_run_after_random_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(20261124)
    cache = SynthCache(directory=tmp_path / "cache")
    edits = {
        "one environment": lambda d: rnd.choice(d["environments"]).setdefault("tags", {}).update(team=f"t{rnd.randrange(1000)}"),
        "a shared default": lambda d: d["defaults"]["source"].update(instance_class=rnd.choice(["db.r6g.large", "db.r7g.xlarge"])),
        "a fleet-wide setting": lambda d: d["state"].update(bucket=rnd.choice(["{app}-state-{account}-{region}", "tf-{account}-{region}-{app}"])),
    }
    data = yaml.safe_load(FLEET.read_text())
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(data))
    synthesize_into(tmp_path / "warm", load_catalog(path), "fleet.yaml", cache=cache)
    for what, edit in edits.items():
        edit(data)
        path.write_text(yaml.safe_dump(data))
        catalog = load_catalog(path)
        cached, cold = tmp_path / f"cached-{len(what)}", tmp_path / f"cold-{len(what)}"
        synthesize_into(cached, catalog, "fleet.yaml", cache=cache)
        synthesize_into(cold, catalog, "fleet.yaml")
        assert _tree(cached) == _tree(cold), f"after an edit to {what}, the cached output differs from a cold run"
    # An edit to a construct moves the fingerprint: nothing is reused, and the output is cold's.
    monkeypatch.setattr(zeroetl.synth.run, "code_fingerprint", lambda: "a construct changed")
    started = []
    real_workers = zeroetl.synth.run.Workers
    monkeypatch.setattr(zeroetl.synth.run, "Workers", lambda staging, subset, *args: started.append(len(subset.environments)) or real_workers(staging, subset, *args))
    synthesize_into(tmp_path / "after-construct", load_catalog(path), "fleet.yaml", cache=cache)
    assert started == [len(data["environments"])]
    assert filecmp.dircmp(tmp_path / "after-construct", cold).diff_files == [] and _tree(tmp_path / "after-construct") == _tree(cold)


def test_nothing_changed_starts_no_worker_and_one_change_starts_one_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = SynthCache(directory=tmp_path / "cache")
    catalog = load_catalog(FLEET)
    synthesize_into(tmp_path / "first", catalog, "fleet.yaml", cache=cache)
    started: list[list[str]] = []
    real_workers = zeroetl.synth.run.Workers
    monkeypatch.setattr(zeroetl.synth.run, "Workers", lambda staging, subset, *args: started.append([e.name for e in subset.environments]) or real_workers(staging, subset, *args))
    synthesize_into(tmp_path / "second", catalog, "fleet.yaml", cache=cache)
    assert started == [], "an unchanged catalog must start no worker (no node process)"
    assert _tree(tmp_path / "second") == _tree(tmp_path / "first")
    data = yaml.safe_load(FLEET.read_text())
    data["environments"][1]["monitoring"]["lag_threshold_seconds"] = 600
    (tmp_path / "edited.yaml").write_text(yaml.safe_dump(data))
    synthesize_into(tmp_path / "third", load_catalog(tmp_path / "edited.yaml"), "fleet.yaml", cache=cache)
    assert started == [["prod"]]


def test_the_cache_is_bounded_and_keeps_the_recently_used(tmp_path: Path) -> None:
    catalog = load_catalog(FLEET)
    out = tmp_path / "out"
    synthesize_into(out, catalog, "fleet.yaml", cache=SynthCache(directory=tmp_path / "cache"))
    entries = sorted((tmp_path / "cache").glob("*/*"))
    assert len(entries) == len(catalog.environments) + 1  # and the bootstrap stacks
    sizes = [int((e / "size").read_text()) for e in entries]
    for age, entry in enumerate(entries):
        os.utime(entry, (1_000_000 + age, 1_000_000 + age))
    bounded = SynthCache(directory=tmp_path / "cache", max_bytes=sizes[-1] + sizes[-2])
    assert bounded.prune() == len(entries) - 2
    assert sorted((tmp_path / "cache").glob("*/*")) == entries[-2:]


def test_no_cache_neither_reads_nor_writes_it(tmp_path: Path) -> None:
    env = {**os.environ, "ZEROETL_CACHE_DIR": str(tmp_path / "cache"), "CDKTF_OUTDIR": str(tmp_path / "out")}
    done = subprocess.run([sys.executable, "main.py", "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cache").exists()
    done = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "cache: 0 of 1 environment(s) unchanged" in done.stdout, done.stdout + done.stderr
    assert len(list((tmp_path / "cache").glob("*/*"))) == 1
