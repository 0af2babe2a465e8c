"""The workflow's plan and apply steps (zeroetl/checks/pipeline.py) on a real Terraform stack of
one `terraform_data` (Terraform's built-in provider: offline and fast):

- the scheduled run's plan (`--mode drift`) is "in-sync" when the applied state matches and
  "drift" only when the plan would change something;
- a saved plan whose state moved on before its apply (another run applied first) is refused
  by Terraform, recorded as failed, and nothing of it is applied."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from zeroetl.checks.pipeline import apply, main, plan


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


def test_a_stale_saved_plan_is_refused_at_apply_and_recorded(tmp_path: Path) -> None:
    outdir, plans, applied = tmp_path / "cdktf.out", tmp_path / "plans", tmp_path / "applied"
    stack = _stack(outdir, "reviewed")
    assert plan("tiny", "wave 0 sources", 1, "rollout", outdir, plans) == 0
    # after the review, another run applies something else to the same state
    _stack(outdir, "applied by another run")
    subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=stack, check=True, capture_output=True)
    _stack(outdir, "reviewed")
    assert apply("tiny", outdir, plans, applied) == 1
    outcome = json.loads((applied / "tiny.json").read_text())
    assert outcome["status"] == "failed" and outcome["wave"] == "wave 0 sources"
    assert "Saved plan is stale" in outcome["detail"], outcome["detail"]
    assert outcome["detail"].startswith("tiny: terraform apply failed (exit 1); the output is in the job log\n")
    assert all(line.startswith(("Error:", "│ Error:")) for line in outcome["detail"].splitlines()[1:6])
    shown = subprocess.run(["terraform", "show", "-json"], cwd=stack, check=True, capture_output=True, text=True).stdout
    assert "applied by another run" in shown and '"reviewed"' not in shown, "the stale plan changed nothing"


def test_a_review_plan_writes_its_summary_its_plan_and_says_so(tmp_path: Path, capsys) -> None:
    outdir, plans = tmp_path / "cdktf.out", tmp_path / "nested" / "plans"
    _stack(outdir, "first")
    assert plan("tiny", "wave 1 integrations", 3, "review", outdir, plans) == 0
    summary = json.loads((plans / "tiny.summary.json").read_text())
    assert summary == {
        "stack": "tiny", "wave": "wave 1 integrations", "order": 3, "mode": "review", "status": "planned",
        "add": 1, "change": 0, "replace": 0, "destroy": 0, "stateful": {}, "findings": [], "unheard": False,
    }
    shown = json.loads((plans / "tiny.json").read_text())
    assert [c["address"] for c in shown["resource_changes"]] == ["terraform_data.marker"]
    assert (plans / "tiny.tfplan").is_file()
    assert capsys.readouterr().out == "tiny: planned\n"


def _reader(outdir: Path) -> None:
    """A stack reading an upstream's state that no apply has written yet."""
    stack = outdir / "stacks" / "reader"
    stack.mkdir(parents=True)
    reads = {"cross-stack-reference-input-demo-warehouse": {"backend": "local", "config": {"path": str(outdir / "absent.tfstate")}}}
    (stack / "cdk.tf.json").write_text(json.dumps({"data": {"terraform_remote_state": reads}, "output": {"ns": {"value": "${data.terraform_remote_state.cross-stack-reference-input-demo-warehouse.outputs}"}}}))


def test_a_review_plan_waits_for_an_upstream_not_yet_applied_and_a_rollout_plan_fails(tmp_path: Path, capsys) -> None:
    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    _reader(outdir)
    assert plan("reader", "wave 1 integrations", 1, "review", outdir, plans) == 0
    summary = json.loads((plans / "reader.summary.json").read_text())
    assert summary["status"] == "waiting" and summary["waiting_for"] == ["demo-warehouse"]
    assert summary["detail"] == "plans once demo-warehouse is applied (an earlier wave)"
    assert capsys.readouterr().out == "reader: waiting: plans once demo-warehouse is applied (an earlier wave)\n"
    assert plan("reader", "wave 1 integrations", 1, "rollout", outdir, plans) == 1
    summary = json.loads((plans / "reader.summary.json").read_text())
    assert summary["status"] == "failed" and "Unable to find remote state" in summary["detail"]
    assert len(summary["detail"].splitlines()) <= 15
    assert capsys.readouterr().err.startswith("reader: failed: ")


def test_a_stack_without_its_synthesized_json_or_whose_init_fails_is_failed(tmp_path: Path, capsys) -> None:
    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    assert plan("tiny", "wave 0 sources", 1, "review", outdir, plans) == 1
    summary = json.loads((plans / "tiny.summary.json").read_text())
    assert summary["status"] == "failed" and summary["detail"] == f"{(outdir / 'stacks' / 'tiny').resolve()} holds no cdk.tf.json: the synth job's artifact is missing or stale"
    stack = _stack(outdir, "x")
    (stack / "cdk.tf.json").write_text(json.dumps({"terraform": {"required_providers": {"nothing": {"source": "example.com/none/nothing"}}}}))
    assert plan("tiny", "wave 0 sources", 1, "review", outdir, plans) == 1
    summary = json.loads((plans / "tiny.summary.json").read_text())
    assert summary["status"] == "failed" and "example.com/none/nothing" in summary["detail"]
    assert not (plans / "tiny.json").exists()


def test_the_workflow_calls_each_step_from_the_checkout_root(tmp_path: Path, monkeypatch, capsys) -> None:
    """`python3 -m zeroetl.checks.pipeline <step>` as the rendered workflow runs it: from the
    checkout, reading cdktf.out/, writing plans/ and applied/ there."""
    monkeypatch.chdir(tmp_path)
    _stack(Path("cdktf.out"), "first")
    (tmp_path / "cdktf.out" / "rollout").mkdir()
    credentials = {"tiny": {"account_id": "111111111111", "region": "eu-west-1", "audience": "sts.amazonaws.com",
                            "plan_role_arn": "arn:aws:iam::111111111111:role/zeroetl-rollout-plan", "apply_role_arn": "arn:aws:iam::111111111111:role/zeroetl-rollout-apply",
                            "plan_session_seconds": 3600, "apply_session_seconds": 21600}}
    (tmp_path / "cdktf.out" / "rollout" / "credentials.json").write_text(json.dumps(credentials))
    assert main(["role", "tiny", "apply"]) == 0
    assert capsys.readouterr().out == "arn=arn:aws:iam::111111111111:role/zeroetl-rollout-apply\nregion=eu-west-1\naudience=sts.amazonaws.com\nseconds=21600\n"
    assert main(["role", "tiny", "plan"]) == 0
    assert capsys.readouterr().out.splitlines()[::3] == ["arn=arn:aws:iam::111111111111:role/zeroetl-rollout-plan", "seconds=3600"]
    with pytest.raises(SystemExit, match="other: not in cdktf.out/rollout/credentials.json"):
        main(["role", "other", "plan"])

    assert main(["plan", "tiny", "--wave", "wave 0 sources", "--order", "2", "--mode", "rollout"]) == 0
    summary = json.loads((tmp_path / "plans" / "tiny.summary.json").read_text())
    assert (summary["wave"], summary["order"], summary["mode"], summary["status"]) == ("wave 0 sources", 2, "rollout", "planned")
    capsys.readouterr()
    assert main(["apply", "tiny"]) == 0
    assert json.loads((tmp_path / "applied" / "tiny.json").read_text()) == {"stack": "tiny", "wave": "wave 0 sources", "status": "applied", "detail": ""}
    assert "Apply complete!" in capsys.readouterr().out, "Terraform's output reaches the job log"
    assert main(["outcome", "tiny"]) == 0 and json.loads((tmp_path / "applied" / "tiny.json").read_text())["status"] == "applied"
    assert main(["plan", "tiny"]) == 0
    assert json.loads((tmp_path / "plans" / "tiny.summary.json").read_text())["mode"] == "review"
    capsys.readouterr()
    assert main(["summary", "--title", "zeroetl review", "--max-chars", "100000"]) == 0
    assert capsys.readouterr().out.startswith("<!-- zeroetl-plan-summary -->\n### zeroetl review: 1 stack(s)\n")
    with pytest.raises(SystemExit):
        main(["plan", "tiny", "--mode", "yolo"])
