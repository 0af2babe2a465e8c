"""The zero-ETL integration, its optional customer managed key, and the operator policy."""

from __future__ import annotations

import json

from cdktf import Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_integration import RdsIntegration
from constructs import Construct

from stacks.constructs.kms import ManagedKey
from zeroetl.catalog.facts import partition, service_principal
from zeroetl.catalog.model import Environment, Source


def integration_arn_pattern(env: Environment) -> str:
    return f"arn:{partition(env.region)}:rds:{env.region}:{env.source_account.account_id}:integration:*"


class IntegrationKey(ManagedKey):
    """A customer managed key for the integration, with the key policy statement of the Aurora
    guide's sample for integrations ("zero-etl.creating", encryption): redshift.amazonaws.com
    may create grants for Decrypt, GenerateDataKey and CreateGrant only, and, when the catalog
    gives additional_encryption_context, only under that context. No aws:SourceArn condition:
    integration ARNs are arn:aws:rds:...:integration:UUID, so the arn:aws:redshift:... form an
    earlier version used never matched and the integration failed to create. The statement is
    the same across accounts: the service principal acts for the target warehouse's account."""

    def __init__(self, scope: Construct, id_: str, *, env: Environment, source: Source, alias: str) -> None:
        conditions: dict = {"ForAllValues:StringEquals": {"kms:GrantOperations": ["Decrypt", "GenerateDataKey", "CreateGrant"]}}
        context = source.integration.additional_encryption_context
        if context:
            conditions["StringEquals"] = {f"kms:EncryptionContext:{key}": value for key, value in sorted(context.items())}
        super().__init__(
            scope,
            id_,
            region=env.region,
            account_id=env.source_account.account_id,
            alias=alias,
            description=f"Zero-ETL integration {source.integration.integration_name}",
            # Only the integration uses this key, and destroying the integration stack (the
            # article's clean-up) must stay possible; KMS still waits 30 days before deleting.
            protect=False,
            service_statements=[
                {
                    "Sid": "RedshiftCreatesGrantsForIntegrations",
                    "Effect": "Allow",
                    "Principal": {"Service": service_principal("redshift", env.region)},
                    "Action": "kms:CreateGrant",
                    "Resource": "*",
                    "Condition": conditions,
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
