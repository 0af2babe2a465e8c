"""The encrypted SNS topic alerts go to, and who may publish to it.

EventBridge's guide ("Permissions for Amazon SNS", in "Using resource-based policies for Amazon
EventBridge") says condition blocks can't be used in SNS topic policies for EventBridge, and an
event sent to an encrypted topic also needs the key to let events.amazonaws.com use it. A
condition there makes nothing fail at apply; every delivery fails instead and only the rule's
FailedInvocations metric rises. So EventBridge gets statements of its own, without conditions,
in both the topic policy and the key policy; CloudWatch alarms keep theirs, pinned to the
account with aws:SourceAccount (CloudWatch guide, "Preventing confused deputy security issues").
"""

from __future__ import annotations

import json
from typing import Any

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from stacks.constructs.kms import ManagedKey
from zeroetl.catalog.facts import service_principal
from zeroetl.catalog.naming import alerts_name

EVENTS = "events"  # the services that publish, by their principal's short name
ALARMS = "cloudwatch"
KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]


def _statement(sid: str, service: str, action: Any, resource: str, region: str, account_id: str) -> dict[str, Any]:
    principal = service_principal(service, region)
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": principal}, "Action": action, "Resource": resource}
    if service != EVENTS:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return statement


def alerts_topic(
    scope: Construct, *, name: str, region: str, account_id: str, emails: list[str], publishers: tuple[str, ...]
) -> SnsTopic:
    """Key (alias alias/<name>-alerts), topic <name>-alerts, its policy and the e-mail
    subscriptions, created in `scope` with the ids alerts-key, alerts, alerts-policy and
    email-<n> (kept stable: they are resource addresses). publishers: EVENTS and/or ALARMS."""
    key = ManagedKey(
        scope, "alerts-key", region=region, account_id=account_id, alias=alerts_name(name),
        description=f"SNS alerts of {name}",
        service_statements=[_statement(f"{_title(s)}PublishEncrypted", s, KEY_ACTIONS, "*", region, account_id) for s in publishers],
        # The key only protects alert messages in flight; it must not block destroying
        # the stack when the integration is removed.
        protect=False,
    )
    topic = SnsTopic(scope, "alerts", name=alerts_name(name), kms_master_key_id=key.arn)
    policy = {
        "Version": "2012-10-17",
        "Statement": [_statement(f"{_title(s)}Publish", s, "sns:Publish", topic.arn, region, account_id) for s in publishers],
    }
    SnsTopicPolicy(scope, "alerts-policy", arn=topic.arn, policy=json.dumps(policy, indent=2))
    for index, email in enumerate(emails):
        SnsTopicSubscription(scope, f"email-{index}", topic_arn=topic.arn, protocol="email", endpoint=email)
    return topic


def _title(service: str) -> str:
    return {EVENTS: "Events", ALARMS: "Alarms"}[service]
