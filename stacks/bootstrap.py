"""What one account needs before its first rollout, as a stack of its own: `bootstrap-<account>`.

An administrator applies it once per account with their own credentials (README, Security
model of the rollout); it is in no wave of the rollout. It holds:
- per region where the account's stacks keep state: the state bucket (versioned, encrypted
  with a customer managed key, public access blocked, TLS only, old versions expired), whose
  policy lets the other account of a shared environment read that environment's states, and
  the bucket its server access logs go to (stacks/constructs/access_logs.py), and copies of
  both in the region's replica region (stacks/constructs/state_replica.py), which S3
  replicates with a role of its own;
- GitHub's OIDC identity provider;
- the plan and apply roles the workflow assumes straight from GitHub's token
  (zeroetl/rollout/policies.py says who may assume which, and what each may do);
- the permissions boundary every role the stacks create carries (stacks/boundary.py), which
  the apply role may not change, so it cannot give such a role more than the stacks need.
"""

from __future__ import annotations

import json

from cdktf import LocalBackend, S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from constructs import Construct

from stacks.base import STATE_ROOT_FROM_STACK_DIR
from stacks.constructs.access_logs import AccessLogs
from stacks.constructs.kms import ManagedKey
from stacks.constructs.private_bucket import KeptBucket, private_bucket
from stacks.constructs.state_replica import ReplicationRole, StateReplica
from zeroetl.catalog.facts import service_endpoint, sts_audience
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import replica_region, state_key_alias, state_key_alias_arn
from zeroetl.rollout.accounts import APPLY_SESSION_SECONDS, PLAN_SESSION_SECONDS, AccountPlan, boundary_name, role_name
from zeroetl.rollout.policies import OIDC_HOST, apply_policy, boundary_policy, plan_policy, trust_policy

# Old state versions are the way back from a bad apply; a quarter of a year of them is kept.
NONCURRENT_DAYS = 90


class StateBucket(Construct):
    """One account's state bucket in one region, the key that encrypts it, its access logs and
    its replica."""

    def __init__(
        self, scope: Construct, id_: str, *, catalog: Catalog, plan: AccountPlan, region: str, bucket: str, providers: dict[str, AwsProvider], replication: ReplicationRole,
    ) -> None:
        super().__init__(scope, id_)
        provider = providers[region]
        p = plan.partition
        readers = [share for share in plan.readers if share.bucket == bucket]
        reader_roles = sorted({f"arn:{p}:iam::{share.account_id}:role/{role_name(catalog, kind)}" for share in readers for kind in ("plan", "apply")})
        reader_statements = (
            [
                {
                    "Sid": "OtherAccountOfASharedEnvironmentDecryptsItsStatesThroughS3",
                    "Effect": "Allow",
                    # Accounts, not roles, as principals: a role another account's bootstrap has not
                    # created yet is an invalid principal, and AWS would refuse the whole policy.
                    "Principal": {"AWS": sorted({f"arn:{p}:iam::{share.account_id}:root" for share in readers})},
                    "Action": ["kms:Decrypt"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:ViaService": service_endpoint("s3", region)}, "ArnEquals": {"aws:PrincipalArn": reader_roles}},
                }
            ]
            if readers
            else []
        )
        self.key = ManagedKey(
            self, "key", region=region, account_id=plan.account_id, alias=state_key_alias(catalog), description=f"Terraform state of {catalog.app} in {bucket}",
            service_statements=reader_statements, provider=provider,
        )
        arn = f"arn:{p}:s3:::{bucket}"
        statements = [
            {
                "Sid": f"Account{share.account_id}ReadsTheStatesOf{share.prefix.split('/')[-2].title().replace('-', '')}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{p}:iam::{share.account_id}:root"},
                "Action": "s3:GetObject",
                "Resource": f"{arn}/{share.prefix}*",
                "Condition": {"ArnEquals": {"aws:PrincipalArn": [f"arn:{p}:iam::{share.account_id}:role/{role_name(catalog, kind)}" for kind in ("plan", "apply")]}},
            }
            for share in readers
        ]
        self.bucket, _, versioning = private_bucket(
            self, bucket=bucket, arn=arn, key_arn=self.key.arn, statements=statements, provider=provider,
            lifecycle=_state_lifecycle(),
        )
        self.access_logs = AccessLogs(self, "access-logs", account_id=plan.account_id, region=region, logged=self.bucket, logged_name=bucket, provider=provider)
        elsewhere = replica_region(catalog, region)
        # The states (`<app>/...`) and the bootstrap's own (`<app>-bootstrap/...`) all start with the app.
        StateReplica(
            self, "replica", account_id=plan.account_id, region=elsewhere, lifecycle=_state_lifecycle(), role=replication,
            state=KeptBucket(bucket, region, self.bucket, self.key.arn, versioning), state_keys=catalog.app, state_logs=self.access_logs,
            source_provider=provider, provider=providers[elsewhere],
        )


def _state_lifecycle() -> list[S3BucketLifecycleConfigurationRule]:
    return [
        S3BucketLifecycleConfigurationRule(
            id="expire-old-state-versions",
            status="Enabled",
            filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=NONCURRENT_DAYS)],
            abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)],
        )
    ]


class BootstrapStack(TerraformStack):
    def __init__(self, scope: Construct, catalog: Catalog, plan: AccountPlan) -> None:
        super().__init__(scope, plan.stack)
        tags = {"application": catalog.app, "stack": plan.stack, "managed-by": "cdktf"}
        home = plan.buckets[0][0] if plan.buckets else plan.regions[0]
        providers: dict[str, AwsProvider] = {}
        for region in dict.fromkeys([home, *(region for region, _ in plan.buckets), *(replica_region(catalog, region) for region, _ in plan.buckets)]):
            providers[region] = AwsProvider(
                self, f"aws-{region}" if region != home else "aws", region=region, alias=region if region != home else None,
                allowed_account_ids=[plan.account_id], default_tags=[AwsProviderDefaultTags(tags=tags)],
            )
        self._backend(catalog, plan, home)
        replication = ReplicationRole(self, "replication", name=role_name(catalog, "replication"), account_id=plan.account_id, region=home)
        buckets = {
            region: StateBucket(self, f"state-{region}", catalog=catalog, plan=plan, region=region, bucket=bucket, providers=providers, replication=replication)
            for region, bucket in plan.buckets
        }
        key_arns = [bucket.key.arn for bucket in buckets.values()]
        IamPolicy(
            self, "role-boundary", name=boundary_name(catalog), description=f"The most any role the {catalog.app} stacks create may do (stacks/boundary.py)",
            policy=json.dumps(boundary_policy(catalog, plan), indent=2),
        )
        github = IamOpenidConnectProvider(self, "github", url=f"https://{OIDC_HOST}", client_id_list=[sts_audience(plan.regions[0])])
        for kind, policy, seconds in (("plan", plan_policy, PLAN_SESSION_SECONDS), ("apply", apply_policy, APPLY_SESSION_SECONDS)):
            role = IamRole(
                self, f"{kind}-role", name=role_name(catalog, kind), max_session_duration=seconds,
                description=f"The {catalog.app} rollout's {kind} jobs of {catalog.rollout.github_repository} (stacks/bootstrap.py)",
                assume_role_policy=json.dumps(trust_policy(catalog, plan, kind, github.arn), indent=2),
            )
            IamRolePolicy(self, f"{kind}-policy", name=f"{kind}-what-the-stacks-manage", role=role.name, policy=json.dumps(policy(catalog, plan, key_arns), indent=2))

    def _backend(self, catalog: Catalog, plan: AccountPlan, home: str) -> None:
        """Outside `<app>/<account>/`, the keys the rollout's roles write."""
        if catalog.rollout.bootstrap_backend == "local":
            LocalBackend(self, path=f"{STATE_ROOT_FROM_STACK_DIR}/bootstrap/{plan.account_id}.tfstate")
            return
        bucket = dict(plan.buckets)[home]
        backend = S3Backend(
            self, bucket=bucket, key=f"{catalog.app}-bootstrap/{plan.account_id}.tfstate", region=home, encrypt=True,
            kms_key_id=state_key_alias_arn(catalog, plan.account_id, home),
        )
        backend.add_override("use_lockfile", True)
