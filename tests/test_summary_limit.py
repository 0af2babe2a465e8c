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
        (tmp_path / f"{stack}.summary.json").write_text(json.dumps({"stack": stack, "wave": "wave 0 databases", "order": 0, "status": "planned", "unheard": silent}))
    rows = {line.split("`")[1]: line for line in summary(tmp_path, "zeroetl review").splitlines() if line.startswith("| wave") and "`" in line}
    assert "reach no one" in rows["demo-target-database"] and "reach no one" not in rows["prod-target-database"]


HEADER = "| wave | stack | add | change | replace | destroy | stateful resources touched | guard |"


def _rows(plans: Path, rows: list[dict]) -> None:
    for row in rows:
        path = plans / row.pop("_dir", "") / f"{row['stack']}.summary.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(row))


def test_each_row_says_what_a_reviewer_must_know_in_wave_order(tmp_path: Path) -> None:
    """The report's format, as the README's pull-request section describes it: per stack the
    wave, the counts, the stateful resources touched and the guard's verdict with its reason."""
    plans = tmp_path / "plans"
    long = "x" * 400
    _rows(plans, [
        {"stack": "b-target-database", "wave": "wave 2", "order": 2, "status": "waiting", "detail": "plans once a|b is\napplied"},
        {"stack": "a-source", "wave": "wave 0", "order": 0, "status": "refused", "add": 0, "change": 1, "replace": 1, "destroy": 1,
         "stateful": {"aws_rds_cluster.source": "replace", "aws_kms_key.k": "destroy"}, "detail": long, "_dir": "plan-a-source"},
        {"stack": "c-warehouse", "wave": "wave 0", "order": 0, "status": "planned", "add": 4, "change": 0, "replace": 0, "destroy": 0, "stateful": {}, "unheard": True},
        {"stack": "d-integration", "wave": "wave 1", "order": 1, "status": "failed", "detail": "boom"},
        {"stack": "e-source", "wave": "wave 1", "order": 1, "status": "drift", "add": 0, "change": 2, "replace": 0, "destroy": 0},
        {"stack": "f-source", "wave": "wave 1", "order": 1, "status": "in-sync", "add": 0, "change": 0, "replace": 0, "destroy": 0},
        {"stack": "g-source", "wave": "wave 1", "order": 1, "status": "odd"},
    ])
    lines = summary(plans, "zeroetl review").splitlines()
    assert lines[:5] == ["<!-- zeroetl-plan-summary -->", "### zeroetl review: 7 stack(s)", "", HEADER, "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    assert lines[5:] == [
        f"| wave 0 | `a-source` | 0 | 1 | 1 | 1 | `aws_rds_cluster.source` (replace), `aws_kms_key.k` (destroy) | **refused**: {'x' * 300} |",
        "| wave 0 | `c-warehouse` | 4 | 0 | 0 | 0 | none | ok · its alerts reach no one (no monitoring.alarm_emails) |",
        "| wave 1 | `d-integration` |  |  |  |  | none | **plan failed**: boom |",
        "| wave 1 | `e-source` | 0 | 2 | 0 | 0 | none | **drift** |",
        "| wave 1 | `f-source` | 0 | 0 | 0 | 0 | none | in sync |",
        "| wave 1 | `g-source` |  |  |  |  | none | odd |",
        "| wave 2 | `b-target-database` |  |  |  |  | none | waits: plans once a\\|b is applied |",
    ]


def test_an_empty_review_says_there_is_nothing_to_plan(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    assert summary(tmp_path / "plans") == "<!-- zeroetl-plan-summary -->\n### zeroetl plan: 0 stack(s)\n\nNo stack differs from the base: nothing to plan.\n"


def test_past_the_limit_each_wave_is_counted_and_the_rows_that_fit_are_listed(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    rows = [{"stack": f"s{n:03d}", "wave": f"wave {n % 2}", "order": n % 2, "status": "refused" if n % 10 == 0 else "planned", "add": 1, "change": 0, "replace": 0, "destroy": 0, "detail": "why"} for n in range(100)]
    rows[1].update(stateful={"aws_kms_key.k": "destroy"})
    rows[3].update(status="waiting")
    _rows(plans, rows)
    text = summary(plans, "zeroetl plan", max_chars=1_000)
    assert len(text) <= 1_000
    lines = text.splitlines()
    assert lines[1] == "### zeroetl plan: 100 stack(s)"
    assert "| wave 0 | 50 | ok: 40, **refused**: 10 |" in lines
    assert "| wave 1 | 50 | ok: 48, waits: 1 |" not in lines and "| wave 1 | 50 | ok: 49, waits: 1 |" in lines
    listed = [line for line in lines if line.startswith("| wave ") and "`s" in line]
    # the refused stacks and the one touching a key need a reader; planned and waiting ones do not
    assert listed and all("**refused**" in line or "aws_kms_key.k" in line for line in listed)
    assert 0 < len(listed) < 11 and lines[-1] == f"... and {11 - len(listed)} more stack(s) that need a reader: see the plan jobs' summaries."
    roomy = summary(plans, "zeroetl plan", max_chars=20_000)
    assert "Too many stacks" not in roomy and sum(line.startswith("| wave ") and "`s" in line for line in roomy.splitlines()) == 100


def test_each_plan_is_tallied_and_its_stateful_touches_named() -> None:
    from zeroetl.checks.pipeline import counts

    def change(address: str, type_: str, actions: list[str], mode: str = "managed") -> dict:
        return {"address": address, "type": type_, "mode": mode, "change": {"actions": actions}}

    plan = {"resource_changes": [
        change("data.aws_caller_identity.x", "aws_caller_identity", ["read"], mode="data"),
        change("aws_rds_cluster.new", "aws_rds_cluster", ["create"]),
        change("aws_sns_topic.a", "aws_sns_topic", ["create"]),
        change("aws_rds_cluster.source", "aws_rds_cluster", ["delete", "create"]),
        change("aws_kms_key.k", "aws_kms_key", ["delete"]),
        change("aws_redshiftserverless_namespace.n", "aws_redshiftserverless_namespace", ["update"]),
        change("aws_sns_topic.b", "aws_sns_topic", ["update"]),
        change("aws_rds_cluster.same", "aws_rds_cluster", ["no-op"]),
        change("data.aws_kms_key.d", "aws_kms_key", ["delete"], mode="data"),
    ]}
    assert counts(plan) == {
        "add": 2, "change": 2, "replace": 1, "destroy": 1,
        "stateful": {"aws_rds_cluster.source": "replace", "aws_kms_key.k": "destroy", "aws_redshiftserverless_namespace.n": "change"},
    }
    assert counts({}) == {"add": 0, "change": 0, "replace": 0, "destroy": 0, "stateful": {}}


def test_a_plan_whose_alerts_topic_has_no_subscription_is_unheard() -> None:
    from zeroetl.checks.pipeline import unheard

    def configured(*types: str) -> dict:
        return {"configuration": {"root_module": {"resources": [{"type": t, "address": f"{t}.x"} for t in types]}}}

    assert unheard(configured("aws_sns_topic", "aws_cloudwatch_metric_alarm"))
    assert not unheard(configured("aws_sns_topic", "aws_sns_topic_subscription"))
    assert not unheard(configured("aws_cloudwatch_metric_alarm"))
    assert not unheard({}) and not unheard({"configuration": {}}) and not unheard({"configuration": {"root_module": {}}})


def test_what_each_outcome_record_says(tmp_path: Path, capsys) -> None:
    """The follow-up job reads applied/STACK.json: every field, for a refused plan, a plan job
    that left nothing, and a job that failed before its apply step."""
    from zeroetl.checks.pipeline import apply, lock_hint, outcome

    plans, applied = tmp_path / "plans", tmp_path / "applied" / "nested"
    plans.mkdir()
    (plans / "prod-source.summary.json").write_text(json.dumps({"stack": "prod-source", "wave": "wave 1 sources", "status": "drift"}))
    assert apply("prod-source", outdir=tmp_path / "cdktf.out", plans=plans, applied=applied) == 1
    message = "prod-source: not applied: its plan is drift, not planned and guarded"
    assert json.loads((applied / "prod-source.json").read_text()) == {"stack": "prod-source", "wave": "wave 1 sources", "status": "failed", "detail": message}
    assert capsys.readouterr().err == message + "\n"
    assert apply("eu-source", outdir=tmp_path / "cdktf.out", plans=plans, applied=applied) == 1
    assert json.loads((applied / "eu-source.json").read_text()) == {"stack": "eu-source", "wave": "", "status": "failed", "detail": "eu-source: not applied: its plan is missing, not planned and guarded"}
    (plans / "dev-source.summary.json").write_text(json.dumps({"stack": "dev-source", "wave": "wave 0 sources", "status": "planned"}))
    assert outcome("dev-source", plans=plans, applied=applied) == 0
    assert json.loads((applied / "dev-source.json").read_text()) == {
        "stack": "dev-source", "wave": "wave 0 sources", "status": "failed",
        "detail": "dev-source: the job failed before its apply step (credentials or setup); nothing was applied. See the job log.",
    }
    # a lock whose output names no ID still gets the command, with a placeholder to fill in
    assert lock_hint("s", "Error: Error acquiring the state lock\n").endswith("terraform force-unlock -force LOCK_ID")
    assert lock_hint("s", "Error: something else\n  ID: 1234\n") == ""


def test_the_counted_report_lists_every_row_that_fits_and_never_passes_the_limit(tmp_path: Path) -> None:
    """For every limit from the smallest counted report up to the full one: the report fits; a
    row is listed exactly when the report with it (and with the line counting the rest) fits,
    so each new row appears at the limit that the report then fills to the character; and the
    closing line counts what is left, only when something is."""
    plans = tmp_path / "plans"
    rows = [{"stack": f"s{n:02d}", "wave": f"wave {n % 2}", "order": n % 2, "status": "planned" if n % 3 else "refused",
             "add": n, "change": 0, "replace": 0, "destroy": 0, "stateful": {}, "detail": "why " * n} for n in range(14)]
    _rows(plans, rows)
    attention = sum(1 for row in rows if row["status"] == "refused")
    full = summary(plans, "zeroetl plan", max_chars=100_000)
    assert summary(plans, "zeroetl plan", max_chars=len(full)) == full
    assert summary(plans, "zeroetl plan", max_chars=len(full) - 1) != full
    least = len(summary(plans, "zeroetl plan", max_chars=0))
    before = -1
    for limit in range(least, len(full)):
        text = summary(plans, "zeroetl plan", max_chars=limit)
        lines = text.splitlines()
        listed = sum(line.startswith("| wave ") and "`s" in line for line in lines)
        assert len(text) <= limit and text.endswith("\n")
        assert listed >= before, "a larger limit never lists fewer rows"
        if listed > before:
            assert len(text) == limit or limit == least, (limit, listed)
        if listed < attention:
            assert lines[-2:] == ["", f"... and {attention - listed} more stack(s) that need a reader: see the plan jobs' summaries."]
        else:
            assert "more stack(s)" not in text
        before = listed
    assert before == attention


def test_the_counted_report_is_two_markdown_tables(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    _rows(plans, [{"stack": f"s{n}", "wave": "wave 0", "order": 0, "status": ["refused", "odd", "in-sync", "waiting"][n] if n < 4 else "planned", "detail": "why"} for n in range(30)])
    lines = summary(plans, "zeroetl plan", max_chars=1_000).splitlines()
    assert lines[:3] == ["<!-- zeroetl-plan-summary -->", "### zeroetl plan: 30 stack(s)", ""]
    tables = [n for n, line in enumerate(lines) if line.startswith("| ---")]
    assert [lines[n - 1] for n in tables] == ["| wave | stacks | verdicts |", HEADER]
    for n in tables:
        assert lines[n - 2] == "" and lines[n].count("|") == lines[n - 1].count("|"), "a blank line, a header, its rule"
    assert lines[tables[0] + 1] == "| wave 0 | 30 | in sync: 1, odd: 1, ok: 26, **refused**: 1, waits: 1 |" and lines[tables[0] + 2] == ""
    assert lines[tables[1] + 1:] == ["| wave 0 | `s0` |  |  |  |  | none | **refused**: why |", "| wave 0 | `s1` |  |  |  |  | none | odd |"]
