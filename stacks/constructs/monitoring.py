"""Monitoring as infrastructure: the integrations' CloudWatch alarms, the EventBridge rule for
their events, an encrypted SNS topic for both, and a dashboard. It lives in the target account,
where Redshift publishes the AWS/Redshift metrics keyed by IntegrationId."""

from __future__ import annotations

import json
from dataclasses import dataclass

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


@dataclass(frozen=True)
class AlarmKnobs:
    """Tokens of the Terraform variables that hold the thresholds."""

    lag_threshold_seconds: float
    lag_evaluation_minutes: float
    no_change_minutes: float


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
    ) -> None:
        """integrations: {source name: (integration id token, integration name)}."""
        super().__init__(scope, id_)
        self.topic = alerts_topic(self, name=name, region=region, account_id=account_id, emails=emails, publishers=(ALARMS, EVENTS))
        for source, (integration_id, integration_name) in integrations.items():
            self._alarms(source, integration_id, integration_name, knobs)
        rule = CloudwatchEventRule(
            self, "integration-events", name=events_rule_name(name),
            description="Zero-ETL integration events from Amazon Redshift (failed, needs attention, missing primary key, unsupported type, authorization revoked ...)",
            event_pattern=json.dumps({"source": ["aws.redshift"], "detail-type": EVENT_DETAIL_TYPES}),
        )
        CloudwatchEventTarget(self, "integration-events-to-sns", rule=rule.name, arn=self.topic.arn)
        CloudwatchDashboard(self, "dashboard", dashboard_name=name, dashboard_body=self._dashboard(region, integrations))

    def _alarms(self, source: str, integration_id: str, integration_name: str, knobs: AlarmKnobs) -> None:
        actions = {"alarm_actions": [self.topic.arn], "ok_actions": [self.topic.arn]}
        metric = {"namespace": NAMESPACE, "dimensions": {"IntegrationId": integration_id}, "period": 60}
        CloudwatchMetricAlarm(
            self, f"lag-{source}", alarm_name=alarm_name(integration_name, "lag"),
            alarm_description=f"{integration_name}: replication lag above the threshold; see the runbook, 'Alarms'.",
            metric_name="IntegrationLag", statistic="Maximum", comparison_operator="GreaterThanThreshold",
            threshold=knobs.lag_threshold_seconds, evaluation_periods=knobs.lag_evaluation_minutes,
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
            alarm_description=f"{integration_name}: no change applied for the configured window (expected on an idle source); see the runbook, 'Alarms'.",
            comparison_operator="LessThanOrEqualToThreshold", threshold=0,
            evaluation_periods=knobs.no_change_minutes, datapoints_to_alarm=knobs.no_change_minutes, treat_missing_data="breaching",
            metric_query=[
                CloudwatchMetricAlarmMetricQuery(
                    id="applied",
                    metric=CloudwatchMetricAlarmMetricQueryMetric(
                        namespace=NAMESPACE, metric_name="IntegrationLatestAppliedChange", dimensions={"IntegrationId": integration_id},
                        period=60, stat="Maximum",
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
