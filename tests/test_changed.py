"""`main.py changed --base REF`: the stacks a commit touches, found by synthesizing the base
commit and comparing outputs, in a temporary git repository holding this project."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.act.engine import copy_project, git
from tests.conftest import ROOT

CATALOG = "catalog/fleet.yaml"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with this project's files (as the working tree has them) committed."""
    repo = tmp_path_factory.mktemp("changed") / "repo"
    copy_project(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def changed_after(repo: Path, edit: tuple[str, str, str], cache: Path) -> tuple[dict, list[str]]:
    """Commit one edit (path, old text, new text) on a branch from main, synthesize it and run
    `main.py changed --base main`: (its JSON, its text lines)."""
    path, old, new = edit
    git(repo, "checkout", "-q", "-B", f"edit-{abs(hash(edit))}", "main")
    target = repo / path
    text = target.read_text()
    assert old in text, f"{old!r} not in {path}"
    target.write_text(text.replace(old, new, 1))
    git(repo, "commit", "-q", "-am", f"edit {path}")
    env = {**os.environ, "ZEROETL_CACHE_DIR": str(cache)}
    subprocess.run([PYTHON, "main.py", "--catalog", CATALOG], cwd=repo, env=env, capture_output=True, check=True)
    listed = subprocess.run([PYTHON, "main.py", "--catalog", CATALOG, "changed", "--base", "main", "--json"], cwd=repo, env=env, capture_output=True, text=True, check=True)
    lines = subprocess.run([PYTHON, "main.py", "--catalog", CATALOG, "changed", "--base", "main"], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return json.loads(listed.stdout), lines.stdout.splitlines()


ROLLOUT_WAVE = {"dev": 0, "legacy": 0, "prod": 1, "eu": 1}
STEP = {"source": 0, "warehouse": 0, "integration": 1, "target-database": 2}
EDITS = {
    # one environment's entry: its warehouse, and the stacks that read the warehouse's state
    "environment entry": (
        (CATALOG, "max_capacity: 32", "max_capacity: 64"),
        ["dev-warehouse", "dev-integration", "dev-target-database"],
    ),
    # a shared default: every source that does not set its own instance class (dev does), and
    # what reads their state: integrations and databases; eu's provisioned warehouse, whose
    # policy names the cluster from eu-source's state; not legacy-integration, whose cluster
    # exists and is named by the catalog
    "shared default": (
        (CATALOG, "instance_class: db.r6g.xlarge", "instance_class: db.r6g.2xlarge"),
        ["legacy-source", "prod-source", "eu-source", "eu-warehouse", "prod-integration", "eu-integration", "prod-target-database", "eu-target-database"],
    ),
    # a construct only the provisioned warehouse uses
    "construct": (
        ("stacks/constructs/provisioned.py", "user activity logging", "user activity logs"),
        ["eu-warehouse", "eu-integration", "eu-target-database"],
    ),
    # a template: every warehouse variable file, and every stack reading a warehouse
    "template": (
        ("templates/warehouse.tfvars.j2", "{{ identity() }}", "{{ identity() }}\n# reviewed by the platform team"),
        ["dev-warehouse", "legacy-warehouse", "prod-warehouse", "eu-warehouse"]
        + [f"{env}-{layer}" for layer in ("integration", "target-database") for env in ("dev", "legacy", "prod", "eu")],
    ),
}


@pytest.mark.parametrize("kind", EDITS)
def test_changed_lists_the_stacks_an_edit_touches_in_wave_order(repo: Path, tmp_path: Path, kind: str) -> None:
    edit, expected = EDITS[kind]
    found, lines = changed_after(repo, edit, tmp_path.parent / "cache")
    assert set(found["stacks"]) == set(expected), kind
    # wave order: the catalog's rollout_wave (dev and legacy 0, prod and eu 1), then data
    # stores before integrations before target databases
    assert found["stacks"] == [stack for stacks in found["waves"].values() for stack in stacks]
    ranks = [(ROLLOUT_WAVE[stack.split("-")[0]], STEP[stack.split("-", 1)[1]]) for stack in found["stacks"]]
    assert ranks == sorted(ranks)
    assert lines == [f"{wave}\t{stack}" for wave, stacks in found["waves"].items() for stack in stacks]
    assert found["removed"] == []


def test_changed_lists_new_and_removed_environments_and_every_stack_without_a_base(repo: Path, tmp_path: Path) -> None:
    # renaming an environment: its old stacks are removed, its new ones all change
    found, _ = changed_after(repo, (CATALOG, "- name: legacy", "- name: heritage"), tmp_path.parent / "cache")
    assert set(found["removed"]) == {f"legacy-{layer}" for layer in ("source", "warehouse", "integration", "target-database")}
    assert {f"heritage-{layer}" for layer in ("source", "warehouse", "integration", "target-database")} <= set(found["stacks"])
    everything = subprocess.run([PYTHON, "main.py", "--catalog", CATALOG, "changed", "--json"], cwd=repo, capture_output=True, text=True, check=True)
    assert len(json.loads(everything.stdout)["stacks"]) == 16


def test_changed_refuses_an_unknown_base_with_one_line(repo: Path) -> None:
    done = subprocess.run([PYTHON, "main.py", "--catalog", CATALOG, "changed", "--base", "no-such-branch"], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 2
    assert re.fullmatch(r"error: --base 'no-such-branch' is not a commit of \S+ \(fetch it first[^\n]*\)\n", done.stderr)


def test_a_catalog_the_base_did_not_have_changes_every_stack(repo: Path, tmp_path: Path) -> None:
    """The pull request that adds a team's catalog: the base synthesizes nothing for it, so
    every stack of the head is new and planned (none may be skipped as unchanged)."""
    git(repo, "checkout", "-q", "-B", "adds-a-catalog", "main")
    (repo / "catalog" / "team.yaml").write_text((repo / CATALOG).read_text())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a new team catalog")
    env = {**os.environ, "ZEROETL_CACHE_DIR": str(tmp_path.parent / "cache"), "CDKTF_OUTDIR": str(tmp_path / "out")}
    subprocess.run([PYTHON, "main.py", "--catalog", "catalog/team.yaml"], cwd=repo, env=env, capture_output=True, check=True)
    listed = subprocess.run(
        [PYTHON, "main.py", "--catalog", "catalog/team.yaml", "changed", "--base", "main", "--outdir", str(tmp_path / "out"), "--json"],
        cwd=repo, env=env, capture_output=True, text=True, check=True,
    )
    found = json.loads(listed.stdout)
    assert len(found["stacks"]) == 16 and found["removed"] == [], found
    git(repo, "checkout", "-q", "main")
