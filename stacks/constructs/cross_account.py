"""The article's cross-account role: in the target account, trusted by the source account, so
that the integration wizard (and operators) in the source account can find the warehouse."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from stacks.constructs.kms import account_root
from zeroetl.catalog.model import Environment


class CrossAccountDiscoveryRole(Construct):
    def __init__(self, scope: Construct, id_: str, *, name: str, env: Environment) -> None:
        super().__init__(scope, id_)
        # As the article and the Aurora guide give it: the source account, without conditions.
        # The console's "specify a different account" asks for the account id and this role's
        # name only, so it cannot pass an external id, and a role demanding one would refuse
        # it. The source account's own IAM decides who there may assume the role.
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": account_root(env.region, env.source_account.account_id)},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        # Both actions list warehouses account-wide; AWS offers no resource-level control for them.
        describe = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["redshift:DescribeClusters", "redshift-serverless:ListNamespaces"],
                    "Resource": "*",
                }
            ],
        }
        self.role = IamRole(self, "role", name=name, assume_role_policy=json.dumps(trust, indent=2))
        IamRolePolicy(self, "describe-warehouses", name="describe-zero-etl-targets", role=self.role.id, policy=json.dumps(describe, indent=2))
