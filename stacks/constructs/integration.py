"""The zero-ETL integration, its optional customer managed key, and the operator policy."""

from __future__ import annotations

import json

from cdktf import Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_integration import RdsIntegration
from constructs import Construct

from stacks.constructs.kms import ManagedKey
from zeroetl.catalog.facts import partition
from zeroetl.catalog.model import Environment, Source


def integration_arn_pattern(env: Environment) -> str:
    return f"arn:{partition(env.region)}:rds:{env.region}:{env.source_account.account_id}:integration:*"


class IntegrationKey(ManagedKey):
    """A customer managed key for the integration. Redshift decrypts and creates grants on it,
    only for integrations of this account (the key policy AWS documents for zero-ETL)."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, source: Source, alias: str) -> None:
        part = partition(env.region)
        account = env.source_account.account_id
        super().__init__(
            scope,
            id_,
            region=env.region,
            account_id=account,
            alias=alias,
            description=f"Zero-ETL integration {source.integration.integration_name}",
            # Only the integration uses this key, and destroying the integration stack (the
            # article's clean-up) must stay possible; KMS still waits 30 days before deleting.
            protect=False,
            service_statements=[
                {
                    "Sid": "RedshiftUsesKeyForThisAccountsIntegrations",
                    "Effect": "Allow",
                    "Principal": {"Service": "redshift.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:CreateGrant"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {"aws:SourceArn": f"arn:{part}:redshift:{env.region}:{account}:integration:*"},
                    },
                }
            ],
        )


class ZeroEtlIntegration(Construct):
    """aws_rds_integration. Changing source, target or key replaces it, and a replacement
    re-seeds every table."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        source_arn: str,
        target_arn: str,
        data_filter: str,
        kms_key_arn: str | None,
        encryption_context: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self.resource = RdsIntegration(
            self,
            "integration",
            integration_name=name,
            source_arn=source_arn,
            target_arn=target_arn,
            data_filter=data_filter,
            kms_key_id=kms_key_arn,
            additional_encryption_context=encryption_context or None,
            # With the AWS owned key the API reports a key id the configuration does not
            # hold; the provider docs advise ignoring it so plans stay empty.
            lifecycle=None if kms_key_arn else TerraformResourceLifecycle(ignore_changes=["kms_key_id"]),
        )
        # The provider has no integration_identifier: the id is the ARN's last part.
        self.integration_id = Fn.element(Fn.split(":", self.resource.arn), 6)


class OperatorPolicy(Construct):
    """The article's rds-integrations policy, scoped to this environment's sources and target."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        env: Environment,
        source_arns: list[str],
        target_arn: str,
        role_names: list[str],
    ) -> None:
        super().__init__(scope, id_)
        integrations = integration_arn_pattern(env)
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "CreateFromTheseSources", "Effect": "Allow", "Action": ["rds:CreateIntegration"], "Resource": [*source_arns, integrations]},
                # The article grants DescribeIntegrations on "*"; the action supports
                # integration ARNs, so it is scoped like the others.
                {"Sid": "ManageIntegrations", "Effect": "Allow", "Action": ["rds:DescribeIntegrations", "rds:DeleteIntegration", "rds:ModifyIntegration"], "Resource": [integrations]},
                {"Sid": "InboundIntoThisTarget", "Effect": "Allow", "Action": ["redshift:CreateInboundIntegration"], "Resource": [target_arn]},
            ],
        }
        self.policy = IamPolicy(
            self, "policy", name=name, description="Create, describe, modify and delete this environment's zero-ETL integration",
            policy=json.dumps(document, indent=2),
        )
        for role in role_names:
            IamRolePolicyAttachment(self, f"attach-{role}", role=role, policy_arn=self.policy.arn)
