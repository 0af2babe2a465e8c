"""IAM roles that an AWS service assumes on this account's behalf."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import Construct

from zeroetl.catalog.facts import service_principal


def service_role(scope: Construct, *, name: str, service: str, region: str, account_id: str) -> IamRole:
    """A role only `service` (its short name: rds, vpc-flow-logs) may assume, and only for this account (aws:SourceAccount guards
    against the confused deputy). The construct id is "role", as each caller's scope names it."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service_principal(service, region)},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
    return IamRole(scope, "role", name=name, assume_role_policy=json.dumps(trust, indent=2))
