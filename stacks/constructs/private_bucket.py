"""One private bucket as the bootstrap keeps them: versioned, encrypted by default with a
customer managed key, public access blocked, ACLs off, TLS only, a lifecycle, and its object
events sent to EventBridge.

A function over the caller's scope rather than a construct of its own: the state buckets'
resources keep the addresses they were first applied with (a new construct level would
rename them, and Terraform would plan to replace a bucket holding every state).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls, S3BucketOwnershipControlsRule
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA, S3BucketVersioningVersioningConfiguration
from constructs import Construct

from zeroetl.catalog.facts import partition


@dataclass(frozen=True)
class KeptBucket:
    """A bucket the bootstrap keeps, as what refers to it (replication, its role) needs it:
    its name and region, the bucket, its key and its versioning (which must come first)."""

    name: str
    region: str
    bucket: S3Bucket
    key_arn: str | None  # None: SSE-S3 (private_bucket)
    versioning: S3BucketVersioningA

    @property
    def arn(self) -> str:
        return f"arn:{partition(self.region)}:s3:::{self.name}"


def tls_only(arn: str) -> dict[str, Any]:
    return {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def private_bucket(
    scope: Construct,
    *,
    bucket: str,
    arn: str,
    key_arn: str | None,
    lifecycle: list[S3BucketLifecycleConfigurationRule],
    statements: list[dict[str, Any]],
    provider: Any,
) -> tuple[S3Bucket, S3BucketPolicy, S3BucketVersioningA]:
    """The bucket, its policy (TLS only, then `statements`) and its versioning, which a
    replication or a logging configuration must wait for. Encrypted by default with the
    customer managed key `key_arn`; with None, with S3 managed keys (SSE-S3), for the one kind
    of bucket S3 supports no other default for: a server access log target."""
    made = S3Bucket(scope, "bucket", bucket=bucket, provider=provider, lifecycle=TerraformResourceLifecycle(prevent_destroy=True))
    versioning = S3BucketVersioningA(scope, "versioning", bucket=made.id, versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"), provider=provider)
    S3BucketServerSideEncryptionConfigurationA(
        scope, "encryption", bucket=made.id, provider=provider,
        rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                    sse_algorithm="aws:kms", kms_master_key_id=key_arn
                ) if key_arn else S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(sse_algorithm="AES256"),
                bucket_key_enabled=True if key_arn else None,
            )
        ],
    )
    S3BucketPublicAccessBlock(
        scope, "public-access", bucket=made.id, block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True, provider=provider,
    )
    S3BucketOwnershipControls(scope, "ownership", bucket=made.id, rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"), provider=provider)
    S3BucketLifecycleConfiguration(scope, "lifecycle", bucket=made.id, provider=provider, rule=lifecycle)
    # Object-level events go to EventBridge, where an organisation's audit rules can see every
    # write; nothing here consumes them.
    S3BucketNotification(scope, "events", bucket=made.id, eventbridge=True, provider=provider)
    policy = S3BucketPolicy(
        scope, "policy", bucket=made.id, provider=provider, policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only(arn), *statements]}, indent=2),
    )
    return made, policy, versioning
