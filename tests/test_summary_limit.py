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
