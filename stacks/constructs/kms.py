"""A customer managed KMS key with rotation, an alias and an explicit key policy."""

from __future__ import annotations

import json
from typing import Any

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from zeroetl.catalog.facts import partition, service_principal


def _logs_statement(region: str, account_id: str) -> dict[str, Any]:
    return {
        "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": service_principal("logs", region, regional=True)},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition(region)}:logs:{region}:{account_id}:log-group:*"}},
    }


def account_root(region: str, account_id: str) -> str:
    return f"arn:{partition(region)}:iam::{account_id}:root"


class ManagedKey(Construct):
    """Key policy: the account administers the key through IAM, plus any service statements.

    In a key policy "Resource": "*" means "this key"; it grants nothing on other keys.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        region: str,
        account_id: str,
        alias: str,
        description: str,
        service_statements: list[dict[str, Any]] = (),
        protect: bool = True,
        logs: bool = False,
        provider: Any = None,
    ) -> None:
        """protect: Terraform refuses to destroy the key (KMS has no deletion protection of
        its own). logs: CloudWatch Logs may encrypt this account's log groups with it. provider: the
        stack's provider of the key's region, where a stack spans regions (stacks/bootstrap.py)."""
        super().__init__(scope, id_)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersKeyThroughIam",
                    "Effect": "Allow",
                    "Principal": {"AWS": account_root(region, account_id)},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                *service_statements,
                *([_logs_statement(region, account_id)] if logs else []),
            ],
        }
        self.key = KmsKey(
            self,
            "key",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(policy, indent=2),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if protect else None,
            provider=provider,
        )
        KmsAlias(self, "alias", name=f"alias/{alias}", target_key_id=self.key.key_id, provider=provider)

    @property
    def arn(self) -> str:
        return self.key.arn
