"""zeroetl/checks/changes.py in-process, on a git repository whose `main.py` is a stand-in
that writes the stacks its catalog file lists (JSON: stack -> its synthesized JSON). The real
synthesis of a base commit is tests/test_changed.py's; here the comparison, the waves, the
removed and bootstrap stacks and the errors are checked, fast enough for scripts/mutation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.act.engine import git as _git
from tests.conftest import ROOT
from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.model import Catalog
from zeroetl.checks.changes import _git as _git_of_changes
from zeroetl.checks.changes import Changes, ChangesError, changes, github_outputs
from zeroetl.rollout.waves import waves
from zeroetl.synth.cache import CACHE_DIR

STAND_IN = '''import json, os, pathlib, sys
catalog = json.loads(pathlib.Path(sys.argv[sys.argv.index("--catalog") + 1]).read_text())
pathlib.Path("left-by-synthesis.txt").write_text("untracked")  # the worktree is removed all the same
if "sleep" in catalog:
    import time
    time.sleep(catalog["sleep"])
if "fail" in catalog:
    for line in catalog["fail"]:
        print(line, file=sys.stderr)
    sys.exit(3)
for name, body in catalog.items():
    body = {**body, "cache": os.environ.get("ZEROETL_CACHE_DIR")} if name == "cache-seen" else body
    stack = pathlib.Path(os.environ["CDKTF_OUTDIR"]) / "stacks" / name
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps(body))
'''
CATALOG = "stacks.json"
# the default catalog's stacks; the integration reads the source's and the warehouse's state
READS = {"demo-integration": ["demo-source", "demo-warehouse"], "demo-target-database": ["demo-integration"]}


def _stack(name: str, version: int = 1) -> dict:
    reads = {f"cross-stack-reference-input-{up}": {"backend": "local"} for up in READS.get(name, [])}
    return {"resource": {"null": {"v": version}}, **({"data": {"terraform_remote_state": reads}} if reads else {})}


def _commit(repo: Path, stacks: dict[str, dict] | None, message: str) -> str:
    if stacks is None:
        (repo / CATALOG).unlink(missing_ok=True)
    else:
        (repo / CATALOG).write_text(json.dumps(stacks))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


def _head(tmp_path: Path, stacks: dict[str, dict]) -> Path:
    outdir = tmp_path / "head"
    for name, body in stacks.items():
        (outdir / "stacks" / name).mkdir(parents=True)
        (outdir / "stacks" / name / "cdk.tf.json").write_text(json.dumps(body))
    return outdir


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "catalog" / "default.yaml")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "main.py").write_text(STAND_IN)
    return repo


BASE = {name: _stack(name) for name in ("demo-source", "demo-warehouse", "demo-integration", "demo-target-database")}


def test_a_changed_stack_brings_the_stacks_reading_its_state_in_wave_order(catalog: Catalog, repo: Path, tmp_path: Path) -> None:
    base = _commit(repo, {**BASE, "demo-gone": _stack("demo-gone"), "bootstrap-111111111111": _stack("b")}, "base")
    head = {**BASE, "demo-warehouse": _stack("demo-warehouse", 2), "bootstrap-111111111111": _stack("b", 2)}
    found = changes(catalog, _head(tmp_path, head), "main", CATALOG, repo)
    assert found.base == "main"
    assert found.stacks == ["demo-warehouse", "demo-integration", "demo-target-database"]
    assert found.removed == ["demo-gone"] and found.bootstrap == ["bootstrap-111111111111"]
    assert [wave.id for wave in found.waves] == [wave.id for wave in changes(catalog, _head(tmp_path / "all", head), None, CATALOG, repo).waves]
    assert found.document() == {
        "base": "main", "stacks": found.stacks, "removed": ["demo-gone"], "bootstrap": ["bootstrap-111111111111"],
        "waves": {wave.id: [job.stack for job in wave.jobs] for wave in found.waves},
    }
    assert base  # the base commit is resolved by name: a branch, a tag or a commit id
    assert changes(catalog, _head(tmp_path / "by-id", head), base, CATALOG, repo).stacks == found.stacks
    # the base's worktree is gone afterwards
    assert _git(repo, "worktree", "list").count("\n") == 0


def test_nothing_changed_lists_nothing_and_no_base_lists_everything(catalog: Catalog, repo: Path, tmp_path: Path) -> None:
    _commit(repo, BASE, "base")
    same = changes(catalog, _head(tmp_path, BASE), "main", CATALOG, repo)
    assert same.stacks == [] and same.removed == [] and same.bootstrap == []
    assert all(wave.jobs == () for wave in same.waves) and same.waves
    everything = changes(catalog, _head(tmp_path / "all", BASE), None, CATALOG, repo)
    assert everything.base is None and sorted(everything.stacks) == sorted(BASE) and everything.removed == []


def test_a_base_without_the_catalog_or_without_stacks_makes_every_stack_new(catalog: Catalog, repo: Path, tmp_path: Path) -> None:
    _commit(repo, None, "no catalog yet")
    assert sorted(changes(catalog, _head(tmp_path / "a", BASE), "main", CATALOG, repo).stacks) == sorted(BASE)
    _commit(repo, {}, "a catalog with no stack")
    found = changes(catalog, _head(tmp_path / "b", BASE), "main", CATALOG, repo)
    assert sorted(found.stacks) == sorted(BASE) and found.removed == []


def test_each_failure_is_one_message_naming_what_to_do(catalog: Catalog, repo: Path, tmp_path: Path) -> None:
    _commit(repo, BASE, "base")
    with pytest.raises(ChangesError, match=r"^--base 'origin/nope' is not a commit of .*fetch-depth 0\)$"):
        changes(catalog, _head(tmp_path, BASE), "origin/nope", CATALOG, repo)
    with pytest.raises(ChangesError, match=r"/nowhere/stacks does not exist: synthesize first \(scripts/cdktf synth\)$"):
        changes(catalog, tmp_path / "nowhere", "main", CATALOG, repo)
    commit = _commit(repo, {"fail": ["a warning", "another", "catalog.yaml: environments[0].name: bad"]}, "broken")
    with pytest.raises(ChangesError) as raised:
        changes(catalog, _head(tmp_path / "c", BASE), "main", CATALOG, repo)
    assert str(raised.value) == f"synthesizing {CATALOG} at {commit[:12]} failed (exit 3): catalog.yaml: environments[0].name: bad"
    assert _git(repo, "worktree", "list").count("\n") == 0
    commit = _commit(repo, {"fail": []}, "silent")
    with pytest.raises(ChangesError) as raised:
        changes(catalog, _head(tmp_path / "e", BASE), "main", CATALOG, repo)
    assert str(raised.value) == f"synthesizing {CATALOG} at {commit[:12]} failed (exit 3): (no output)"
    with pytest.raises(ChangesError, match=r"^git rev-parse --verify no-such-ref failed: fatal: Needed a single revision$"):
        _git_of_changes(repo, "rev-parse", "--verify", "no-such-ref")


def test_the_workflow_outputs_hold_each_wave_and_the_lot(catalog: Catalog, repo: Path, tmp_path: Path) -> None:
    _commit(repo, {**BASE, "demo-gone": _stack("demo-gone")}, "base")
    found = changes(catalog, _head(tmp_path, {**BASE, "demo-source": _stack("demo-source", 2)}), "main", CATALOG, repo)
    lines = github_outputs(found).splitlines()
    assert github_outputs(found).endswith("\n")
    assert lines[: len(found.waves)] == [f"{wave.id}={json.dumps([job.stack for job in wave.jobs])}" for wave in found.waves]
    assert lines[len(found.waves):] == [
        f"stacks={json.dumps(found.stacks)}", "any=true", 'removed=["demo-gone"]', "bootstrap=[]",
    ]
    assert "demo-source" in found.stacks and "demo-warehouse" not in found.stacks
    quiet = Changes(base="main", waves=[], removed=[], bootstrap=[])
    assert github_outputs(quiet) == "stacks=[]\nany=false\nremoved=[]\nbootstrap=[]\n"


def test_the_base_is_synthesized_as_that_commit_had_it_with_the_shared_cache(catalog: Catalog, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = _commit(repo, {**BASE, "cache-seen": {}}, "base")
    _commit(repo, {**BASE, "demo-source": _stack("demo-source", 2)}, "later work on main")
    head = _head(tmp_path / "a", {**BASE, "demo-source": _stack("demo-source", 2)})
    # compared with the base commit, not with main's head: the source differs from the base
    found = changes(catalog, head, base, CATALOG, repo)
    assert "demo-source" in found.stacks and found.removed == ["cache-seen"]
    assert [(w.id, w.title) for w in found.waves] == [(w.id, w.title) for w in waves(catalog)]
    seen = tmp_path / "seen"
    monkeypatch.setattr("zeroetl.checks.changes.changed_stacks", lambda outdir, before: seen.write_text((before / "stacks" / "cache-seen" / "cdk.tf.json").read_text()) and set())
    monkeypatch.setenv("ZEROETL_CACHE_DIR", str(tmp_path / "shared-cache"))
    changes(catalog, head, base, CATALOG, repo)
    assert json.loads(seen.read_text())["cache"] == str(tmp_path / "shared-cache")
    monkeypatch.delenv("ZEROETL_CACHE_DIR")
    changes(catalog, head, base, CATALOG, repo)
    assert json.loads(seen.read_text())["cache"] == str(CACHE_DIR)


def test_a_base_whose_synthesis_hangs_is_stopped_with_a_message(catalog: Catalog, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit = _commit(repo, {"sleep": 30}, "hangs")
    monkeypatch.setattr("zeroetl.checks.changes.SYNTH_TIMEOUT", 1)
    with pytest.raises(ChangesError) as raised:
        changes(catalog, _head(tmp_path, BASE), "main", CATALOG, repo)
    assert str(raised.value) == f"synthesizing {CATALOG} at {commit[:12]} took longer than 1 seconds"
    assert _git(repo, "worktree", "list").count("\n") == 0
