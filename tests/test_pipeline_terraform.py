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
    """One `terraform_data`, and an empty local module: like a synthesized stack, it plans only
    after `terraform init` in its own directory."""
    stack = outdir / "stacks" / "tiny"
    (stack / "empty").mkdir(parents=True, exist_ok=True)
    (stack / "empty" / "main.tf.json").write_text("{}")
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"terraform_data": {"marker": {"input": value}}}, "module": {"empty": {"source": "./empty"}}}))
    return stack


def _drift(outdir: Path, plans: Path) -> str:
    assert plan("tiny", "wave 0 sources", 1, "drift", outdir, plans) == 0
    return json.loads((plans / "tiny.summary.json").read_text())["status"]


def test_the_scheduled_plan_reports_drift_only_where_the_plan_changes_something(tmp_path: Path) -> None:
    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    stack = _stack(outdir, "deployed")
    assert _drift(outdir, plans) == "drift", "nothing applied yet: the plan creates it"
    assert json.loads((plans / "tiny.summary.json").read_text())["add"] == 1, "a drifted stack's counts are reported"
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


def _reader(outdir: Path, *upstreams: str, name: str = "reader") -> None:
    """A stack reading upstreams' states that no apply has written yet (cdktf names each
    `cross-stack-reference-input-<stack>`)."""
    stack = outdir / "stacks" / name
    stack.mkdir(parents=True)
    reads = {upstream: {"backend": "local", "config": {"path": str(outdir / f"{upstream}.tfstate")}} for upstream in upstreams}
    outputs = {f"o{n}": {"value": f"${{data.terraform_remote_state.{upstream}.outputs}}"} for n, upstream in enumerate(upstreams)}
    (stack / "cdk.tf.json").write_text(json.dumps({"data": {"terraform_remote_state": reads}, "output": outputs}))


def test_a_review_plan_waits_for_an_upstream_not_yet_applied_and_a_rollout_plan_fails(tmp_path: Path, capsys) -> None:
    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    _reader(outdir, "cross-stack-reference-input-demo-warehouse")
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
    _reader(outdir, "cross-stack-reference-input-b-source", "cross-stack-reference-input-a-warehouse", name="two")
    _reader(outdir, "hand-written", name="unnamed")
    assert plan("two", "wave 1", 1, "review", outdir, plans) == plan("unnamed", "wave 1", 1, "review", outdir, plans) == 0
    assert json.loads((plans / "two.summary.json").read_text())["detail"] == "plans once a-warehouse, b-source is applied (an earlier wave)"
    assert json.loads((plans / "unnamed.summary.json").read_text())["detail"] == "plans once its upstream is applied (an earlier wave)"


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
    assert "\x1b[" not in summary["detail"], "no colour codes in what the review shows"
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
    log = capsys.readouterr().out
    assert "Apply complete!" in log, "Terraform's output reaches the job log"
    assert "Terraform has been successfully initialized!" in log and "If you ever set or change modules" not in log, "as in automation: no advice to a person at a prompt"
    assert '"type": "terraform_data"' in (tmp_path / "cdktf.out" / "stacks" / "tiny" / "terraform.tfstate").read_text(), "applied in the stack's directory"
    assert main(["outcome", "tiny"]) == 0 and json.loads((tmp_path / "applied" / "tiny.json").read_text())["status"] == "applied"
    assert main(["plan", "tiny"]) == 0
    assert json.loads((tmp_path / "plans" / "tiny.summary.json").read_text())["mode"] == "review"
    capsys.readouterr()
    assert main(["summary", "--title", "zeroetl review", "--max-chars", "100000"]) == 0
    assert capsys.readouterr().out.startswith("<!-- zeroetl-plan-summary -->\n### zeroetl review: 1 stack(s)\n")
    with pytest.raises(SystemExit):
        main(["plan", "tiny", "--mode", "yolo"])


def test_a_plan_the_guard_refuses_is_red_and_names_each_finding(tmp_path: Path, monkeypatch, capsys) -> None:
    """The plan step hands the guard the stack's name, this run's allowances and the
    deprecated engine versions synthesis wrote. The stack's own plan is real; the AWS
    resources the guard judges are added to what `terraform show` returns (real AWS plans are
    refused in tests/test_plan_guard.py's Terraform tests)."""
    from zeroetl.checks import pipeline
    from zeroetl.checks.plan_guard import GUARD_FACTS

    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    _stack(outdir, "first")
    (outdir / GUARD_FACTS).parent.mkdir(parents=True)
    (outdir / GUARD_FACTS).write_text(json.dumps({"deprecated_engine_versions": ["8.0.mysql_aurora.3.04.0"]}))
    added = [
        {"address": "aws_rds_cluster.source", "mode": "managed", "type": "aws_rds_cluster", "name": "source", "change": {"actions": ["delete"], "after": None}},
        {"address": "aws_rds_cluster.next", "mode": "managed", "type": "aws_rds_cluster", "name": "next", "change": {"actions": ["create"], "after": {"engine_version": "8.0.mysql_aurora.3.04.0"}}},
    ]
    real = pipeline._terraform

    def terraform(stack_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
        done = real(stack_dir, *args)
        if args[0] == "show":
            shown = json.loads(done.stdout)
            shown["resource_changes"] += added
            done.stdout = json.dumps(shown)
        return done

    monkeypatch.setattr(pipeline, "_terraform", terraform)
    assert plan("tiny", "wave 0 sources", 1, "rollout", outdir, plans) == 1
    summary = json.loads((plans / "tiny.summary.json").read_text())
    deprecated = "tiny: aws_rds_cluster.next would be created: engine_version 8.0.mysql_aurora.3.04.0 is deprecated"
    assert summary["status"] == "refused" and [f.split(" (catalog")[0] for f in summary["findings"]] == [
        deprecated, "tiny: aws_rds_cluster.source would be deleted: aws_rds_cluster holds data; this loses it",
    ]
    assert summary["detail"] == "; ".join(summary["findings"])
    assert (summary["add"], summary["destroy"], summary["stateful"]) == (2, 1, {"aws_rds_cluster.source": "destroy"})
    assert capsys.readouterr().err == f"tiny: refused: {summary['detail']}\n"
    # allowed for this run: the deletion passes; a deprecated version is never allowed
    monkeypatch.setenv("ZEROETL_GUARD_ALLOW", "aws_rds_cluster.other aws_rds_cluster.source")
    assert plan("tiny", "wave 0 sources", 1, "rollout", outdir, plans) == 1
    assert [f.split(" (catalog")[0] for f in json.loads((plans / "tiny.summary.json").read_text())["findings"]] == [deprecated]
    added.pop()
    assert plan("tiny", "wave 0 sources", 1, "rollout", outdir, plans) == 0
    assert json.loads((plans / "tiny.summary.json").read_text())["status"] == "planned"


def test_a_saved_plan_terraform_cannot_show_fails_the_plan_with_terraforms_words(tmp_path: Path, monkeypatch, capsys) -> None:
    from zeroetl.checks import pipeline

    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    _stack(outdir, "first")
    real = pipeline._terraform

    def terraform(stack_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
        if args[0] == "show":
            Path(args[-1]).write_text("not a plan")  # the saved plan, damaged after planning
        return real(stack_dir, *args)

    monkeypatch.setattr(pipeline, "_terraform", terraform)
    assert plan("tiny", "wave 0 sources", 1, "review", outdir, plans) == 1
    summary = json.loads((plans / "tiny.summary.json").read_text())
    assert summary["status"] == "failed" and "Failed to read the given file as a state or plan file" in summary["detail"]
    words = subprocess.run(["terraform", "show", "-json", "-no-color", str(plans / "tiny.tfplan")], cwd=outdir / "stacks" / "tiny", capture_output=True, text=True)
    assert summary["detail"] == "\n".join(words.stderr.strip().splitlines()[-15:]), "Terraform's own last lines"
    assert "\x1b[" not in summary["detail"], "no colour codes in what the review shows"
    assert not (plans / "tiny.json").exists()
    assert capsys.readouterr().err.startswith("tiny: failed: ")


class _Log:
    """A job log: stderr lands at once, stdout only when flushed (as through a pipe)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []
        self.out = _Stream(self.entries, "out", buffered=True)
        self.err = _Stream(self.entries, "err", buffered=False)


class _Stream:
    def __init__(self, entries: list[tuple[str, str]], name: str, buffered: bool) -> None:
        self.entries, self.name, self.buffered, self.pending = entries, name, buffered, ""

    def write(self, text: str) -> int:
        self.pending += text
        if not self.buffered:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.entries.append((self.name, self.pending))
        self.pending = ""


def test_a_failed_apply_keeps_terraforms_output_in_order_and_records_five_errors(tmp_path: Path, monkeypatch) -> None:
    outdir, plans, applied = tmp_path / "cdktf.out", tmp_path / "plans", tmp_path / "applied"
    stack = outdir / "stacks" / "failing"
    stack.mkdir(parents=True)
    failing = {f"f{n}": {"provisioner": [{"local-exec": {"command": "false"}}]} for n in range(6)}
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"terraform_data": failing}}))
    assert plan("failing", "wave 0 sources", 1, "rollout", outdir, plans) == 0
    log = _Log()
    monkeypatch.setattr("sys.stdout", log.out)
    monkeypatch.setattr("sys.stderr", log.err)
    assert apply("failing", outdir, plans, applied) == 1
    message = "failing: terraform apply failed (exit 1); the output is in the job log"
    terraform = [text for stream, text in log.entries if stream == "out"]
    assert "".join(text for stream, text in log.entries if stream == "err") == message + "\n"
    assert log.entries[-2:] == [("err", message), ("err", "\n")], "after every line of Terraform's, as it ran"
    assert terraform.count("Error: local-exec provisioner error\n") == 6
    assert all(text.count("\n") == 1 and text.endswith("\n") for text in terraform), "line by line, as Terraform wrote them"
    detail = json.loads((applied / "failing.json").read_text())["detail"]
    assert detail == "\n".join([message] + ["Error: local-exec provisioner error"] * 5)


def test_a_locked_state_at_apply_is_recorded_with_the_command_that_clears_it(tmp_path: Path, monkeypatch, capsys) -> None:
    """A lock left by a killed run (an S3 lock file, which never expires) cannot be taken here
    without a second run holding it for the lock timeout: Terraform's words for it stand in."""
    from zeroetl.checks import pipeline

    outdir, plans, applied = tmp_path / "cdktf.out", tmp_path / "plans", tmp_path / "applied"
    _stack(outdir, "first")
    assert plan("tiny", "wave 0 sources", 1, "rollout", outdir, plans) == 0
    locked = "Error: Error acquiring the state lock\n\nLock Info:\n  ID:        3b1f2c4d-0000\n"
    monkeypatch.setattr(pipeline, "_streamed", lambda stack_dir, *args: (1, locked) if args[0] == "apply" else (0, ""))
    capsys.readouterr()
    assert apply("tiny", outdir, plans, applied) == 1
    hint = pipeline.lock_hint("tiny", locked)
    assert hint.endswith("terraform force-unlock -force 3b1f2c4d-0000")
    message = "tiny: terraform apply failed (exit 1); the output is in the job log"
    assert capsys.readouterr().err == f"{message}\n{hint}\n"
    assert json.loads((applied / "tiny.json").read_text())["detail"] == f"{message}\nError: Error acquiring the state lock\n{hint}"


def test_the_command_line_defaults_and_refusals(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    _stack(Path("cdktf.out"), "first")
    assert main(["plan", "tiny"]) == 0
    summary = json.loads((tmp_path / "plans" / "tiny.summary.json").read_text())
    assert (summary["wave"], summary["order"], summary["mode"]) == ("", 0, "review")
    for mode, statuses in (("review", {"planned"}), ("rollout", {"planned"}), ("drift", {"drift"})):
        assert main(["plan", "tiny", "--mode", mode]) == 0
        assert json.loads((tmp_path / "plans" / "tiny.summary.json").read_text())["status"] in statuses
    capsys.readouterr()
    for argv in ([], ["plan", "tiny", "--mode", "apply"], ["role", "tiny", "admin"], ["plan", "tiny", "--order", "first"]):
        with pytest.raises(SystemExit) as refused:
            main(argv)
        assert refused.value.code == 2
        assert capsys.readouterr().err.startswith("usage: python3 -m zeroetl.checks.pipeline"), argv
    assert main(["outcome", "other"]) == 0
    assert json.loads((tmp_path / "applied" / "other.json").read_text())["wave"] == ""
    assert not (tmp_path / "applied" / "tiny.json").exists()
    capsys.readouterr()
    assert main(["summary"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("<!-- zeroetl-plan-summary -->\n### zeroetl plan: 1 stack(s)\n") and "Too many stacks" not in text
    assert main(["summary", "--max-chars", "200"]) == 0
    assert "Too many stacks" in capsys.readouterr().out


def test_a_failed_plan_shows_terraforms_last_fifteen_lines_without_colour(tmp_path: Path) -> None:
    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    stack = outdir / "stacks" / "broken"
    stack.mkdir(parents=True)
    outputs = {f"o{n}": {"value": f"${{terraform_data.missing{n}.output}}"} for n in range(4)}
    (stack / "cdk.tf.json").write_text(json.dumps({"output": outputs}))
    assert plan("broken", "wave 0 sources", 1, "review", outdir, plans) == 1
    detail = json.loads((plans / "broken.summary.json").read_text())["detail"]
    words = subprocess.run(["terraform", "plan", "-input=false", "-no-color"], cwd=stack, capture_output=True, text=True).stderr
    assert len(words.strip().splitlines()) > 15 and "Reference to undeclared resource" in detail
    assert detail == "\n".join(words.strip().splitlines()[-15:])


def test_a_plan_waits_for_the_state_lock_another_run_holds(tmp_path: Path) -> None:
    """A pull request's plan and main's apply of one stack meet at its state lock: the plan
    waits for the apply (`-lock-timeout`) instead of failing. Here the other run is a real
    `terraform apply` whose provisioner keeps the lock for a few seconds."""
    import time

    outdir, plans = tmp_path / "cdktf.out", tmp_path / "plans"
    stack = outdir / "stacks" / "tiny"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"terraform_data": {"slow": {"provisioner": [{"local-exec": {"command": "sleep 4"}}]}}}}))
    subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=stack, check=True, capture_output=True)
    other = subprocess.Popen(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=stack, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (stack / ".terraform.tfstate.lock.info").exists():
            assert time.monotonic() < deadline and other.poll() is None, "the other run never took the lock"
            time.sleep(0.05)
        assert plan("tiny", "wave 0 sources", 1, "review", outdir, plans) == 0
    finally:
        assert other.wait(timeout=60) == 0
    summary = json.loads((plans / "tiny.summary.json").read_text())
    assert summary["status"] == "planned" and summary["add"] == 0, "planned after the other run applied"
