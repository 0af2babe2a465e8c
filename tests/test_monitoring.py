"""Monitoring as infrastructure: alarms keyed by the integration id Terraform learns in the
same apply, the events rule, the encrypted topic and the dashboard, in the target account."""

from __future__ import annotations

import json

from tests.harness import PlanResult, Synthesized, only, resources


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
    assert (lag["threshold"], lag["evaluation_periods"], lag["comparison_operator"]) == (900, 15, "GreaterThanThreshold")
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
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.redshift"],
        "detail-type": ["Redshift Integration Monitoring", "Redshift Integration Configuration", "Redshift Integration Operation"],
    }
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
