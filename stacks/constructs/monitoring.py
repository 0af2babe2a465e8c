"""Monitoring as infrastructure: the integrations' CloudWatch alarms, the EventBridge rule for
their events, an encrypted SNS topic for both, and a dashboard. It lives in the target account,
where Redshift publishes the AWS/Redshift metrics keyed by IntegrationId."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import Fn, Op, Token
from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from stacks.constructs.alerts import ALARMS, EVENTS, alerts_topic
from zeroetl.catalog.naming import alarm_name, events_rule_name

NAMESPACE = "AWS/Redshift"
RDS_ZERO_ETL_EVENT = "RDS Zero ETL Event"
EVENT_DETAIL_TYPES = ["Redshift Integration Monitoring", "Redshift Integration Configuration", "Redshift Integration Operation"]
# Redshift's integration events carry a severity (Redshift management guide, "Zero-ETL
# integration event notifications with Amazon EventBridge": INFO for created, deleted,
# deleting and syncing; WARNING and ERROR for what needs someone). INFO events fire in normal
# operation and would bury the others on the topic, so they stay out; the spellings the guide
# and captured events use are all listed, and an event without a severity still passes (a
# filter on a field AWS renamed must not silence every alert).
QUIET_SEVERITIES = ["INFO", "Info", "info"]
TARGET_EVENT_PATTERN = {
    "source": ["aws.redshift"],
    "detail-type": EVENT_DETAIL_TYPES,
    "detail": {"severity": [{"anything-but": QUIET_SEVERITIES}, {"exists": False}]},
}


@dataclass(frozen=True)
class AlarmKnobs:
    """Tokens of the Terraform variables that hold the thresholds."""

    lag_threshold_seconds: float
    lag_evaluation_minutes: float
    no_change_minutes: float


# PutMetricAlarm: Period x EvaluationPeriods is at most 86,400 s for a period under an hour,
# and at most 604,800 s (seven days) otherwise (CloudWatch API Reference, PutMetricAlarm).
ONE_DAY, HOUR, MINUTE = 86_400, 3_600, 60


class NoChangeWindow:
    """The no-change alarm's window: the catalog's no_change_minutes after the longest quiet
    spell the database's REFRESH_INTERVAL (up to 5 days) causes by design, so that a long
    interval does not keep the alarm firing between refreshes. Up to a day it is watched in
    minutes; beyond, in hours (up to 1,440 min + 5 days = 144 h, within the 7-day limit).
    Terraform computes it from the two variables."""

    def __init__(self, no_change_minutes: float, refresh_interval: float) -> None:
        seconds = Op.add(Op.mul(no_change_minutes, MINUTE), refresh_interval)
        in_minutes = Op.lte(seconds, ONE_DAY)
        self.period = Token.as_number(Fn.conditional(in_minutes, MINUTE, HOUR))
        # Each branch whole: cdktf writes a conditional nested in an operator without parentheses.
        self.periods = Token.as_number(Fn.conditional(
            in_minutes, Fn.ceil(Token.as_number(Op.div(seconds, MINUTE))), Fn.ceil(Token.as_number(Op.div(seconds, HOUR)))
        ))


class IntegrationMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        region: str,
        account_id: str,
        integrations: dict[str, tuple[str, str]],
        knobs: AlarmKnobs,
        emails: list[str],
        refresh_intervals: dict[str, float],
    ) -> None:
        """integrations: {source name: (integration id token, integration name)};
        refresh_intervals: {source name: token of its database's REFRESH_INTERVAL in seconds}."""
        super().__init__(scope, id_)
        self.topic = alerts_topic(self, name=name, region=region, account_id=account_id, emails=emails, publishers=(ALARMS, EVENTS))
        for source, (integration_id, integration_name) in integrations.items():
            self._alarms(source, integration_id, integration_name, knobs, refresh_intervals[source])
        rule = CloudwatchEventRule(
            self, "integration-events", name=events_rule_name(name),
            description="Zero-ETL integration events from Amazon Redshift above INFO (failed, needs attention, missing primary key, unsupported type, authorization revoked ...)",
            event_pattern=json.dumps(TARGET_EVENT_PATTERN),
        )
        CloudwatchEventTarget(self, "integration-events-to-sns", rule=rule.name, arn=self.topic.arn)
        CloudwatchDashboard(self, "dashboard", dashboard_name=name, dashboard_body=self._dashboard(region, integrations))

    def _alarms(self, source: str, integration_id: str, integration_name: str, knobs: AlarmKnobs, refresh_interval: float) -> None:
        actions = {"alarm_actions": [self.topic.arn], "ok_actions": [self.topic.arn]}
        metric = {"namespace": NAMESPACE, "dimensions": {"IntegrationId": integration_id}, "period": 60}
        window = NoChangeWindow(knobs.no_change_minutes, refresh_interval)
        CloudwatchMetricAlarm(
            self, f"lag-{source}", alarm_name=alarm_name(integration_name, "lag"),
            alarm_description=f"{integration_name}: replication lag above the threshold (plus the database's REFRESH_INTERVAL); "
            "see the runbook, 'Alarms'.",
            metric_name="IntegrationLag", statistic="Maximum", comparison_operator="GreaterThanThreshold",
            # With a REFRESH_INTERVAL, changes wait up to that long by design: the lag it causes
            # is not an incident, so the catalog's threshold counts from there.
            threshold=Token.as_number(Op.add(knobs.lag_threshold_seconds, refresh_interval)), evaluation_periods=knobs.lag_evaluation_minutes,
            # Redshift publishes IntegrationLag every minute while the integration runs; no data
            # means it stopped (failed, deleted, needs attention), which must not read as healthy.
            datapoints_to_alarm=knobs.lag_evaluation_minutes, treat_missing_data="breaching", **metric, **actions,
        )
        CloudwatchMetricAlarm(
            self, f"failed-tables-{source}", alarm_name=alarm_name(integration_name, "failed-tables"),
            alarm_description=f"{integration_name}: at least one table failed replication; see the runbook, 'Alarms'.",
            metric_name="IntegrationNumTablesFailedReplication", statistic="Maximum", comparison_operator="GreaterThanThreshold",
            threshold=0, evaluation_periods=1, treat_missing_data="notBreaching", **metric, **actions,
        )
        # IntegrationLatestAppliedChange moves forward whenever a change is applied; its rate
        # stays at zero (or the metric stops) when nothing was applied for the whole window.
        CloudwatchMetricAlarm(
            self, f"no-change-{source}", alarm_name=alarm_name(integration_name, "no-change-applied"),
            alarm_description=f"{integration_name}: no change applied for the configured window plus the database's REFRESH_INTERVAL "
            "(expected on an idle source); see the runbook, 'Alarms'.",
            comparison_operator="LessThanOrEqualToThreshold", threshold=0,
            evaluation_periods=window.periods, datapoints_to_alarm=window.periods, treat_missing_data="breaching",
            metric_query=[
                CloudwatchMetricAlarmMetricQuery(
                    id="applied",
                    metric=CloudwatchMetricAlarmMetricQueryMetric(
                        namespace=NAMESPACE, metric_name="IntegrationLatestAppliedChange", dimensions={"IntegrationId": integration_id},
                        period=window.period, stat="Maximum",
                    ),
                ),
                CloudwatchMetricAlarmMetricQuery(id="progress", expression="RATE(applied)", label="applied changes per second", return_data=True),
            ],
            **actions,
        )

    @staticmethod
    def _dashboard(region: str, integrations: dict[str, tuple[str, str]]) -> str:
        def widget(title: str, metric_name: str, stat: str) -> dict:
            return {
                "type": "metric", "width": 12, "height": 6,
                "properties": {
                    "title": title, "region": region, "stat": stat, "period": 60,
                    "metrics": [[NAMESPACE, metric_name, "IntegrationId", integration_id, {"label": name}] for integration_id, name in integrations.values()],
                },
            }

        widgets = [
            widget("Replication lag (s)", "IntegrationLag", "Maximum"),
            widget("Tables replicated", "IntegrationNumTablesReplicated", "Maximum"),
            widget("Tables failed", "IntegrationNumTablesFailedReplication", "Maximum"),
            widget("Data transferred (bytes)", "IntegrationDataTransferred", "Sum"),
        ]
        return json.dumps({"widgets": widgets})


class SourceIntegrationEvents(Construct):
    """The source side of the integrations: RDS sends "RDS Zero ETL Event"s (source aws.rds) in
    the source account (EventBridge events reference, "Amazon Relational Database Service
    events"); the Redshift events the target-side rule catches do not cover them.

    The rule matches on source and detail-type only: filtering on the events' resources would
    drop every event silently if their form differed from what the filter assumed."""

    def __init__(self, scope: Construct, id_: str, *, name: str, region: str, account_id: str, emails: list[str]) -> None:
        super().__init__(scope, id_)
        self.topic = alerts_topic(self, name=name, region=region, account_id=account_id, emails=emails, publishers=(EVENTS,))
        rule = CloudwatchEventRule(
            self, "integration-events", name=events_rule_name(name),
            description="Zero-ETL integration events from Amazon RDS in the source account (creation, failure, needs attention ...)",
            event_pattern=json.dumps({"source": ["aws.rds"], "detail-type": [RDS_ZERO_ETL_EVENT]}),
        )
        CloudwatchEventTarget(self, "integration-events-to-sns", rule=rule.name, arn=self.topic.arn)
