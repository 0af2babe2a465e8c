"""Monitoring as infrastructure: alarms keyed by the integration id Terraform learns in the
same apply, the events rule, the encrypted topic and the dashboard, in the target account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import PlanResult, Synthesized, only, resources, stack_copy, terraform


def _after(result: PlanResult, type_: str) -> list[dict]:
    return [c["change"]["after"] for c in result.plan["resource_changes"] if c["type"] == type_]


def _integration_ids(result: PlanResult) -> set[str]:
    return {v.split(":")[-1] for outputs in result.upstream.values() for k, v in outputs.items() if "aws_rds_integration" in k}


def test_alarms_follow_each_integration_id_with_catalog_thresholds(default_plans: dict[str, PlanResult]) -> None:
    result = default_plans["demo-target-database"]
    (integration_id,) = _integration_ids(result)
    alarms = {a["alarm_name"]: a for a in _after(result, "aws_cloudwatch_metric_alarm")}
    assert set(alarms) == {"zero-etl-demo-lag", "zero-etl-demo-failed-tables", "zero-etl-demo-no-change-applied"}
    lag = alarms["zero-etl-demo-lag"]
    assert (lag["namespace"], lag["metric_name"], lag["dimensions"]) == ("AWS/Redshift", "IntegrationLag", {"IntegrationId": integration_id})
    assert (lag["threshold"], lag["evaluation_periods"], lag["comparison_operator"]) == (900, 15, "GreaterThanThreshold")  # REFRESH_INTERVAL 0
    # A stopped integration publishes no IntegrationLag at all: that must alarm, not look healthy.
    assert lag["treat_missing_data"] == "breaching"
    failed = alarms["zero-etl-demo-failed-tables"]
    assert failed["metric_name"] == "IntegrationNumTablesFailedReplication" and failed["threshold"] == 0
    stalled = alarms["zero-etl-demo-no-change-applied"]
    queries = {q["id"]: q for q in stalled["metric_query"]}
    assert queries["applied"]["metric"][0]["metric_name"] == "IntegrationLatestAppliedChange"
    assert queries["applied"]["metric"][0]["dimensions"] == {"IntegrationId": integration_id}
    assert stalled["evaluation_periods"] == 60 and stalled["treat_missing_data"] == "breaching"


def test_alarms_and_events_go_to_an_encrypted_topic(default_synth: Synthesized) -> None:
    stack = default_synth.stacks["demo-target-database"]
    topic_name, topic = next(iter(resources(stack, "aws_sns_topic").items()))
    assert topic["kms_master_key_id"].startswith("${aws_kms_key.")
    for alarm in resources(stack, "aws_cloudwatch_metric_alarm").values():
        assert alarm["alarm_actions"] == [f"${{aws_sns_topic.{topic_name}.arn}}"] == alarm["ok_actions"]
    rule = only(stack, "aws_cloudwatch_event_rule")
    pattern = json.loads(rule["event_pattern"])
    assert (pattern["source"], pattern["detail-type"]) == (
        ["aws.redshift"], ["Redshift Integration Monitoring", "Redshift Integration Configuration", "Redshift Integration Operation"],
    )
    assert only(stack, "aws_cloudwatch_event_target")["arn"] == f"${{aws_sns_topic.{topic_name}.arn}}"
    publish = {s["Sid"]: s for s in json.loads(only(stack, "aws_sns_topic_policy")["policy"])["Statement"]}
    assert publish["AlarmsPublish"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and publish["AlarmsPublish"]["Condition"]
    # EventBridge: a statement of its own without conditions, or deliveries fail silently.
    assert publish["EventsPublish"]["Principal"] == {"Service": "events.amazonaws.com"} and "Condition" not in publish["EventsPublish"]


def test_dashboard_shows_every_integration(fleet_plans: dict[str, PlanResult]) -> None:
    result = fleet_plans["prod-target-database"]
    ids = _integration_ids(result)
    assert len(ids) == 2
    (dashboard,) = _after(result, "aws_cloudwatch_dashboard")
    widgets = json.loads(dashboard["dashboard_body"])["widgets"]
    assert [w["properties"]["title"] for w in widgets] == ["Replication lag (s)", "Tables replicated", "Tables failed", "Data transferred (bytes)"]
    for widget in widgets:
        assert {m[3] for m in widget["properties"]["metrics"]} == ids
    assert len(_after(result, "aws_cloudwatch_metric_alarm")) == 6


def test_email_subscriptions_come_from_the_catalog(fleet_synth: Synthesized) -> None:
    stack = fleet_synth.stacks["prod-target-database"]
    assert [s["endpoint"] for s in resources(stack, "aws_sns_topic_subscription").values()] == ["data-platform-oncall@example.com"]
    assert stack["provider"]["aws"][0]["allowed_account_ids"] == ["333333333333"]


# CloudWatch API Reference, PutMetricAlarm (Period): "An alarm's total current evaluation
# period can be no longer than seven days, so Period multiplied by EvaluationPeriods can't be
# more than 604,800 seconds. For alarms with a period of less than one hour (3,600 seconds), the
# total evaluation period can't be longer than one day (86,400 seconds)." REFRESH_INTERVAL is
# 0-432,000 s (Redshift, CREATE DATABASE); no_change_minutes 5-1,440 (the catalog).
@pytest.mark.parametrize(
    ("no_change_minutes", "refresh_interval", "period", "periods", "lag_threshold"),
    [
        (60, 0, 60, 60, 900),  # near real time: the catalog's window, in minutes
        (60, 3_600, 60, 120, 4_500),  # hourly refreshes: an hour of quiet is expected
        (1_440, 0, 60, 1_440, 900),  # exactly one day: still minutes
        (1_440, 1, 3_600, 25, 901),  # one second more: hours
        (1_440, 432_000, 3_600, 144, 432_900),  # the longest: 6 days, within the 7-day limit
    ],
)
def test_the_alarms_allow_for_the_refresh_interval_within_cloudwatchs_limits(
    default_plans: dict[str, PlanResult], default_synth: Synthesized, tmp_path: Path,
    no_change_minutes: int, refresh_interval: int, period: int, periods: int, lag_threshold: int,
) -> None:
    """A database refreshed every REFRESH_INTERVAL seconds applies no change in between and
    lags up to that long by design: the no-change window and the lag threshold count from it,
    so a long interval does not keep either alarm firing."""
    copy = stack_copy(default_synth, "demo-target-database", tmp_path, "monitoring.tfstate")
    terraform(
        copy, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=monitoring.tfplan",
        "-var", f"no_change_minutes={no_change_minutes}", "-var", f"refresh_interval_tickit={refresh_interval}",
    )
    plan = json.loads(terraform(copy, "show", "-json", "monitoring.tfplan"))
    alarms = {c["change"]["after"]["alarm_name"]: c["change"]["after"] for c in plan["resource_changes"] if c["type"] == "aws_cloudwatch_metric_alarm"}
    stalled = alarms["zero-etl-demo-no-change-applied"]
    applied = next(q for q in stalled["metric_query"] if q["id"] == "applied")["metric"][0]
    assert (applied["period"], stalled["evaluation_periods"], stalled["datapoints_to_alarm"]) == (period, periods, periods)
    assert period * periods <= (86_400 if period < 3_600 else 604_800)
    assert period * periods >= no_change_minutes * 60 + refresh_interval
    assert alarms["zero-etl-demo-lag"]["threshold"] == lag_threshold


def _redshift_event(detail: dict) -> dict:
    return {
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "Redshift Integration Monitoring",
        "source": "aws.redshift", "account": "111111111111", "time": "2026-11-30T10:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:rds:us-east-1:111111111111:integration:5b3a9f1e-0000-4000-8000-000000000000"], "detail": detail,
    }


@pytest.mark.parametrize(
    ("detail", "told"),
    [
        ({"severity": "INFO", "eventId": "REDSHIFT-INTEGRATION-EVENT-0003"}, False),  # syncing: normal operation
        ({"severity": "Info", "statusCode": "SYNCING"}, False),
        ({"severity": "WARNING", "eventId": "REDSHIFT-INTEGRATION-EVENT-0004"}, True),  # missing primary key
        ({"severity": "Warning", "statusCode": "DATA_COLUMN_LENGTH_EXCEEDED"}, True),
        ({"severity": "ERROR", "eventId": "REDSHIFT-INTEGRATION-EVENT-0008"}, True),  # authorization revoked
        ({"eventId": "REDSHIFT-INTEGRATION-EVENT-0007"}, True),  # no severity at all: still told
    ],
)
def test_the_events_rule_tells_what_needs_someone_and_leaves_out_info(default_synth: Synthesized, detail: dict, told: bool) -> None:
    """The rule's pattern as synthesized, evaluated by the emulator's EventBridge matcher (moto's,
    not ours) against events in the form Redshift sends (severities from the Redshift management
    guide's event table)."""
    from moto.events.models import EventPattern, EventPatternParser

    rule = only(default_synth.stacks["demo-target-database"], "aws_cloudwatch_event_rule")
    pattern = EventPattern(rule["event_pattern"], EventPatternParser(rule["event_pattern"]).parse())
    assert pattern.matches_event(_redshift_event(detail)) is told
    assert not pattern.matches_event({**_redshift_event(detail), "source": "aws.rds"})
