"""The scheduled run's plan (`pipeline plan --mode drift`) on a real Terraform stack: "in-sync"
when the applied state matches, "drift" only when the plan would change something. A stack of
one `terraform_data` (Terraform's built-in provider) keeps it offline and fast."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from zeroetl.checks.pipeline import plan


def _stack(outdir: Path, value: str) -> Path:
    stack = outdir / "stacks" / "tiny"
    stack.mkdir(parents=True, exist_ok=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"terraform_data": {"marker": {"input": value}}}}))
    return stack


def _drift(outdir: Path, plans: Path) -> str:
    assert plan("tiny", "wave 0 sources", 1, "drift", outdir, plans) == 0
    return json.loads((plans / "tiny.summary.json").read_text())["status"]


def test_the_scheduled_plan_reports_drift_only_where_the_plan_changes_something(tmp_path: Path) -> None:
    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    stack = _stack(outdir, "deployed")
    assert _drift(outdir, plans) == "drift", "nothing applied yet: the plan creates it"
    subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=stack, check=True, capture_output=True)
    assert _drift(outdir, plans) == "in-sync"
    _stack(outdir, "changed")
    assert _drift(outdir, plans) == "drift"
