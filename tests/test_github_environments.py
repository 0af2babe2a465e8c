"""`main.py github-environments`: the waves' GitHub environments made from the catalog, run as an
administrator runs it (the CLI, through `gh api`), against the GitHub stand-in of
tests/github_api: created deployable from the default branch only, with the catalog's reviewers
from reviewed_from_wave on; a second run changes nothing; what a team loosened by hand is put
back; nothing is changed without --apply."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zeroetl.catalog.loader import load_catalog
from zeroetl.rollout.files import render_rollout

ROOT = Path(__file__).resolve().parents[1]
FAKE_GH = ROOT / "tests" / "github_api"
CATALOG = ROOT / "catalog" / "fleet.yaml"
REPO = "example-org/data-platform"
TEAM_ID = 4242


def _run(state: Path, *args: str, catalog: Path = CATALOG) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{FAKE_GH}{os.pathsep}{os.environ['PATH']}", "ZEROETL_FAKE_GH_STATE": str(state)}
    return subprocess.run([sys.executable, "main.py", "--catalog", str(catalog), "github-environments", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _state(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture()
def github(tmp_path: Path) -> Path:
    state = tmp_path / "github.json"
    state.write_text(json.dumps({"users": {"alice": 7}, "teams": {"example-org/data-platform-leads": TEAM_ID}, "environments": {}}))
    return state


@pytest.fixture(scope="module")
def workflow_environments() -> list[str]:
    """The environments the rendered workflow's jobs name: the ones the apply roles trust."""
    workflow = yaml.safe_load(render_rollout(load_catalog(CATALOG), "catalog/fleet.yaml")["github-workflow.yml"])
    return sorted(job["environment"] for job in workflow["jobs"].values() if "environment" in job)


def test_a_fresh_repository_gets_every_wave_environment_locked_to_main_with_reviewers_on_prod(github: Path, workflow_environments: list[str]) -> None:
    checked = _run(github)
    assert checked.returncode == 1 and "run again with --apply" in checked.stderr
    assert not [c for c in _state(github)["calls"] if c["method"] != "GET"], "nothing changes without --apply"
    assert all(name in checked.stdout for name in workflow_environments)

    applied = _run(github, "--apply")
    assert applied.returncode == 0, applied.stderr
    environments = _state(github)["environments"]
    assert sorted(environments) == workflow_environments and len(workflow_environments) == 8
    for name, env in environments.items():
        assert env["deployment_branch_policy"] == {"protected_branches": False, "custom_branch_policies": True}, name
        assert [(p["name"], p["type"]) for p in env["policies"]] == [("main", "branch")], name
        assert env["wait_timer"] == 0
        # fleet.yaml: reviewers [team:data-platform-leads] from wave 1 (prod, eu); dev and legacy apply on merge
        if name.startswith("wave-1-"):
            assert env["reviewers"] == [{"type": "Team", "id": TEAM_ID}] and env["prevent_self_review"] is True, name
        else:
            assert env["reviewers"] == [] and env["prevent_self_review"] is False, name

    again = _run(github)
    assert again.returncode == 0 and "every wave environment is as" in again.stdout, again.stdout + again.stderr


def test_what_a_team_loosened_by_hand_is_listed_then_put_back(github: Path) -> None:
    assert _run(github, "--apply").returncode == 0
    state = _state(github)
    envs = state["environments"]
    envs["wave-1-sources"]["policies"].append({"id": 999, "name": "*", "type": "branch"})
    envs["wave-1-databases"]["reviewers"] = []
    envs["wave-0-integrations"]["deployment_branch_policy"] = None
    envs["wave-0-integrations"]["policies"] = []
    envs["wave-1-warehouses"]["wait_timer"] = 30
    github.write_text(json.dumps(state))

    checked = _run(github)
    assert checked.returncode == 1
    for name, words in (
        ("wave-1-sources", "deploys from '*'"),
        ("wave-1-databases", "0 required reviewer(s), the catalog names 1"),
        ("wave-0-integrations", "any branch may deploy"),
        ("wave-1-warehouses", "a wait timer of 30 min"),
    ):
        assert any(name in line and words in line for line in checked.stdout.splitlines()), (name, checked.stdout)

    assert _run(github, "--apply").returncode == 0
    envs = _state(github)["environments"]
    assert [p["name"] for p in envs["wave-1-sources"]["policies"]] == ["main"]
    assert envs["wave-1-databases"]["reviewers"] == [{"type": "Team", "id": TEAM_ID}]
    assert [p["name"] for p in envs["wave-0-integrations"]["policies"]] == ["main"]
    assert envs["wave-1-warehouses"]["wait_timer"] == 0
    assert _run(github).returncode == 0


def test_an_unknown_reviewer_stops_before_anything_changes(github: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "fleet.yaml"
    catalog.write_text(CATALOG.read_text().replace("reviewers: [team:data-platform-leads]", "reviewers: [user:alice, team:no-such-team]"))
    done = _run(github, "--apply", catalog=catalog)
    assert done.returncode == 1 and "rollout.reviewers 'team:no-such-team': GitHub answered 404" in done.stderr, done.stderr
    assert not [c for c in _state(github)["calls"] if c["method"] != "GET"]


def test_a_catalog_without_a_repository_is_refused(github: Path) -> None:
    done = _run(github, catalog=ROOT / "catalog" / "default.yaml")
    assert done.returncode == 2 and "rollout.github_repository is not set" in done.stderr
