"""A state bucket's copy in another region (S3 cross-region replication): what survives the
loss of the state bucket's region, or of its key.

Per state bucket, in its replica region (zeroetl.catalog.naming.replica_region):
`<state bucket>-replica`, private like the state bucket under a key of its own, with its own
access logs; the state bucket replicates into it, and the state bucket's access logs into the
replica's log bucket, so every bucket the bootstrap keeps has a copy elsewhere. Deletions are
not replicated (a delete marker stays in its own region): the replica is the way back from a
deleted state too. Replication copies objects written after it is turned on; README says how
to copy the states written before.

One role per account does the replication (`<app>-rollout-replication`, trusted by S3 for that
account only): it reads the versions of the buckets it copies and writes their replicas,
decrypting and encrypting through S3 of each bucket's own region.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from cdktf import IResolveContext, IStringProducer, Lazy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import S3BucketLifecycleConfigurationRule
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from constructs import Construct

from stacks.constructs.access_logs import AccessLogs
from stacks.constructs.kms import ManagedKey
from stacks.constructs.private_bucket import KeptBucket, private_bucket
from zeroetl.catalog.facts import partition, service_endpoint, service_principal
from zeroetl.catalog.naming import bucket_key_alias, replica_bucket


class ReplicationRole(Construct):
    """The role S3 replicates the bootstrap's buckets with. Its policy covers every pair
    `grant`ed, whenever granted: it is written at synthesis (a lazy value), not when made."""

    def __init__(self, scope: Construct, id_: str, *, name: str, account_id: str, region: str) -> None:
        super().__init__(scope, id_)
        self._pairs: list[tuple[KeptBucket, KeptBucket]] = []
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3ReplicatesThisAccountsBuckets",
                    "Effect": "Allow",
                    "Principal": {"Service": service_principal("s3", region)},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
        self.role = IamRole(self, "role", name=name, description="S3 replicates the rollout's state and access-log buckets to their replica regions (stacks/constructs/state_replica.py)", assume_role_policy=json.dumps(trust, indent=2))
        IamRolePolicy(self, "policy", name="replicate-the-rollouts-buckets", role=self.role.name, policy=Lazy.string_value(_Produced(self._policy)))

    def grant(self, source: KeptBucket, replica: KeptBucket) -> None:
        self._pairs.append((source, replica))

    def _policy(self) -> str:
        sources, replicas = [s for s, _ in self._pairs], [r for _, r in self._pairs]

        def kms(sid: str, actions: list[str], copies: list[KeptBucket]) -> list[dict[str, Any]]:
            return [
                {
                    "Sid": f"{sid}{index}",
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": copy.key_arn,
                    # With S3 Bucket Keys the context is the bucket's ARN, else the object's.
                    "Condition": {"StringEquals": {"kms:ViaService": service_endpoint("s3", copy.region)}, "StringLike": {"kms:EncryptionContext:aws:s3:arn": [copy.arn, f"{copy.arn}/*"]}},
                }
                for index, copy in enumerate(c for c in copies if c.key_arn)
            ]

        statements = [
            {"Sid": "ReadTheBucketsItCopies", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": [s.arn for s in sources]},
            {
                "Sid": "ReadTheVersionsItCopies",
                "Effect": "Allow",
                "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                "Resource": [f"{s.arn}/*" for s in sources],
            },
            {"Sid": "WriteTheReplicas", "Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], "Resource": [f"{r.arn}/*" for r in replicas]},
            *kms("DecryptWhatItCopies", ["kms:Decrypt"], sources),
            *kms("EncryptTheReplicas", ["kms:Encrypt", "kms:GenerateDataKey"], replicas),
        ]
        return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


@jsii.implements(IStringProducer)
class _Produced:
    """A string cdktf asks for when it synthesizes (Lazy.string_value), not before."""

    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> str:
        return self._produce()


def replicate(scope: Construct, id_: str, *, source: KeptBucket, replica: KeptBucket, prefix: str, role: ReplicationRole, provider: Any) -> None:
    """Every new version under `prefix` (all the bootstrap keeps in `source`) is copied to
    `replica`: SSE-KMS objects re-encrypted there with the replica's key, SSE-S3 ones (the
    access logs) as they are. A prefix, not an empty filter: S3 answers an empty one without
    its Prefix, which the provider reads back as no filter and plans again forever."""
    if bool(source.key_arn) != bool(replica.key_arn):
        raise ValueError(f"{source.name} and its replica {replica.name} must both have a KMS key or both none")
    role.grant(source, replica)
    kms = bool(source.key_arn)
    S3BucketReplicationConfigurationA(
        scope, id_, bucket=source.bucket.id, role=role.role.arn, provider=provider, depends_on=[source.versioning, replica.versioning],
        rule=[
            S3BucketReplicationConfigurationRule(
                id=f"copy-to-{replica.region}",
                status="Enabled",
                priority=0,
                filter=S3BucketReplicationConfigurationRuleFilter(prefix=prefix),
                delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(status="Disabled"),
                source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                    sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(status="Enabled")
                ) if kms else None,
                destination=S3BucketReplicationConfigurationRuleDestination(
                    bucket=replica.bucket.arn, storage_class="STANDARD",
                    encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(replica_kms_key_id=replica.key_arn) if kms else None,
                ),
            )
        ],
    )


class StateReplica(Construct):
    """`<state bucket>-replica` in the replica region, its key and access logs, and the
    replication of the state bucket and of its access logs into them."""

    def __init__(
        self, scope: Construct, id_: str, *, account_id: str, state: KeptBucket, state_keys: str, state_logs: AccessLogs, region: str,
        lifecycle: list[S3BucketLifecycleConfigurationRule], role: ReplicationRole, source_provider: Any, provider: Any,
    ) -> None:
        """state_keys: the prefix of every key the state bucket holds."""
        super().__init__(scope, id_)
        name = replica_bucket(state.name)
        key = ManagedKey(self, "key", region=region, account_id=account_id, alias=bucket_key_alias(name), description=f"Replica of {state.name} (cross-region replication)", provider=provider)
        bucket, _, versioning = private_bucket(self, bucket=name, arn=f"arn:{partition(region)}:s3:::{name}", key_arn=key.arn, lifecycle=lifecycle, statements=[], provider=provider)
        logs = AccessLogs(self, "access-logs", account_id=account_id, region=region, logged=bucket, logged_name=name, provider=provider)
        replicate(self, "state", source=state, replica=KeptBucket(name, region, bucket, key.arn, versioning), prefix=state_keys, role=role, provider=source_provider)
        replicate(self, "access-logs-replication", source=state_logs.kept, replica=logs.kept, prefix=state_logs.prefix, role=role, provider=source_provider)
