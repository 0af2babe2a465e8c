"""Server access logging of one bucket the bootstrap keeps: a log bucket of its own in the same
account and region (S3's rule), and the logging configuration.

S3 delivers the logs as the service principal logging.s3.amazonaws.com. The log bucket's
policy lets it write under the logged bucket's prefix, for that bucket and account only.
The log bucket is encrypted by default with S3 managed keys (SSE-S3): the S3 guide (Enabling
Amazon S3 server access logging) supports no other default encryption on a log target, and
says SSE-KMS is not supported. A KMS key would be accepted by every API call and the logs
would silently not arrive in some regions, so this is the one bucket without a customer
managed key; security/checkov-skips.yaml scopes checkov's KMS check away from these buckets
only.
"""

from __future__ import annotations

from typing import Any

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from constructs import Construct

from stacks.constructs.private_bucket import KeptBucket, private_bucket
from zeroetl.catalog.facts import partition, service_principal
from zeroetl.catalog.naming import access_log_bucket

# A year of who touched the state, for an annual audit; a deleted log's version 30 days more.
ACCESS_LOG_DAYS = 365
DELETED_LOG_DAYS = 30


class AccessLogs(Construct):
    """`<logged bucket>-access-logs`; logs land under `<logged bucket>/`."""

    def __init__(self, scope: Construct, id_: str, *, account_id: str, region: str, logged: S3Bucket, logged_name: str, provider: Any) -> None:
        super().__init__(scope, id_)
        self.name = access_log_bucket(logged_name)
        p = partition(region)
        arn = f"arn:{p}:s3:::{self.name}"
        self.prefix = prefix = f"{logged_name}/"
        delivery = {"Service": service_principal("logging.s3", region)}
        self.bucket, policy, versioning = private_bucket(
            self, bucket=self.name, arn=arn, key_arn=None, provider=provider,
            lifecycle=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-old-access-logs",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=ACCESS_LOG_DAYS)],
                    noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=DELETED_LOG_DAYS)],
                    abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)],
                )
            ],
            statements=[
                {
                    "Sid": "S3LogDeliveryWritesTheLogsOfItsBucket",
                    "Effect": "Allow",
                    "Principal": delivery,
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/{prefix}*",
                    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:{p}:s3:::{logged_name}"}, "StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        )
        self.kept = KeptBucket(self.name, region, self.bucket, None, versioning)
        # S3 checks the target's policy when logging is turned on: the policy comes first.
        S3BucketLoggingA(self, "delivery", bucket=logged.id, target_bucket=self.bucket.id, target_prefix=prefix, provider=provider, depends_on=[policy])
