"""The pull-request comment fits GitHub's limit (65,536 characters) for any fleet, and still
names every stack a reader must look at first."""

from __future__ import annotations

import json
from pathlib import Path

from zeroetl.checks.pipeline import lock_hint, summary

GITHUB_COMMENT_LIMIT = 65_536  # GitHub refuses a longer issue or pull-request comment body


def _write(plans: Path, stacks: int) -> None:
    plans.mkdir()
    for n in range(stacks):
        row = {"stack": f"env{n:04d}-integration", "wave": f"wave {n % 3} integrations", "order": n % 3, "status": "planned", "add": 3, "change": 1, "replace": 0, "destroy": 0, "stateful": {}, "findings": []}
        if n == stacks - 1:
            row.update(status="refused", detail="aws_rds_integration.x would be replaced", stateful={"aws_rds_integration.x": "replace"})
        (plans / f"{row['stack']}.summary.json").write_text(json.dumps(row))


def test_a_small_fleet_gets_every_row(tmp_path: Path) -> None:
    _write(tmp_path / "plans", 5)
    text = summary(tmp_path / "plans")
    assert text.count("-integration`") == 5


def test_a_large_fleet_gets_counts_and_the_stacks_that_need_a_reader(tmp_path: Path) -> None:
    _write(tmp_path / "plans", 2000)
    text = summary(tmp_path / "plans")
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "env1999-integration" in text and "**refused**" in text
    assert "| wave 0 integrations | 667 |" in text


def test_a_lock_left_by_a_killed_run_is_reported_with_the_command_that_clears_it() -> None:
    output = "Error: Error acquiring the state lock\n\nLock Info:\n  ID:        3b1f2c4d-0000-1111-2222-333344445555\n  Path:      b/k\n"
    hint = lock_hint("prod-source", output)
    assert "terraform force-unlock -force 3b1f2c4d-0000-1111-2222-333344445555" in hint and "cdktf.out/stacks/prod-source" in hint
    assert lock_hint("prod-source", "Error: something else") == ""


def test_each_apply_records_its_outcome_for_the_follow_up(tmp_path) -> None:
    """What the follow-up job reads: a plan that is not planned-and-guarded is recorded as
    failed with why; a job that failed before its apply step is recorded by `outcome`; a
    recorded outcome is never overwritten by it."""
    from zeroetl.checks.pipeline import apply, outcome

    plans, applied = tmp_path / "plans", tmp_path / "applied"
    plans.mkdir()
    (plans / "prod-source.summary.json").write_text(json.dumps({"stack": "prod-source", "wave": "wave 1 sources", "status": "refused"}))
    assert apply("prod-source", outdir=tmp_path / "cdktf.out", plans=plans, applied=applied) == 1
    record = json.loads((applied / "prod-source.json").read_text())
    assert (record["status"], record["wave"]) == ("failed", "wave 1 sources") and "its plan is refused" in record["detail"]
    assert outcome("prod-source", plans=plans, applied=applied) == 0
    assert json.loads((applied / "prod-source.json").read_text()) == record
    assert outcome("eu-source", plans=plans, applied=applied) == 0
    assert "before its apply step" in json.loads((applied / "eu-source.json").read_text())["detail"]


def test_the_summary_says_when_a_stacks_alerts_reach_no_one(default_plans, fleet_plans, tmp_path) -> None:
    """Issue 20, item 3: an alerts topic without a subscription is said where the reviewer reads
    the plan, from the plan itself (the default catalog names no address; the fleet's prod does)."""
    from zeroetl.checks.pipeline import unheard

    assert unheard(default_plans["demo-target-database"].plan) and unheard(default_plans["demo-integration"].plan)
    assert not unheard(default_plans["demo-source"].plan), "no topic there"
    assert not unheard(fleet_plans["prod-target-database"].plan) and not unheard(fleet_plans["prod-integration"].plan)
    for stack, silent in (("demo-target-database", True), ("prod-target-database", False)):
        (tmp_path / f"{stack}.summary.json").write_text(json.dumps({"stack": stack, "wave": "wave 0 databases", "status": "planned", "unheard": silent}))
    rows = {line.split("`")[1]: line for line in summary(tmp_path, "zeroetl review").splitlines() if line.startswith("| wave") and "`" in line}
    assert "reach no one" in rows["demo-target-database"] and "reach no one" not in rows["prod-target-database"]
