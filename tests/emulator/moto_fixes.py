"""Where moto 5.2.5 answers differently from AWS in a way the provider reads back as a change.
Each fix names the field; without it the plan after an apply is not empty.

- DescribeDBClusters: moto returns a ScalingConfigurationInfo (Aurora Serverless v1's block)
  for every cluster; AWS returns it only for engine mode `serverless`
  (RDS API Reference, DBCluster.ScalingConfigurationInfo).
- DescribeDBInstances: moto drops PerformanceInsightsEnabled, PerformanceInsightsKMSKeyId and
  PerformanceInsightsRetentionPeriod (RDS API Reference, DBInstance); AWS returns what
  CreateDBInstance / ModifyDBInstance set, with 7 days of retention by default.
- Redshift clusters: moto has no ClusterNamespaceArn (the zero-ETL target ARN,
  `arn:aws:redshift:REGION:ACCOUNT:namespace:UUID`) and ignores ManageMasterPassword, so there
  is no MasterPasswordSecretArn (Redshift API Reference, Cluster). The namespace id is derived
  from the cluster's ARN, so it is stable; the secret is made in moto's Secrets Manager, as
  Redshift names it. moto has no ClusterAvailabilityStatus either, which the provider waits
  to read as `Available`.
- GetBucketNotificationConfiguration: moto stores an EventBridgeConfiguration but leaves it out
  of the answer (S3 API Reference, NotificationConfiguration.EventBridgeConfiguration), so the
  bootstrap's state buckets would plan `eventbridge = false -> true` forever.
- Bucket policies: moto evaluates only StringEquals conditions and takes any other operator
  as matching, so the state bucket's TLS-only Deny (`Bool aws:SecureTransport false`) refuses
  every object call; and it answers DENIED for a statement whose condition does not match,
  even an Allow. In IAM such a statement does not apply (IAM User Guide, policy evaluation
  logic), and the calls the emulator stands for are made over TLS, where the Deny never matches.
- PutBucketLogging: moto looks for the log delivery's grant in the target bucket's policy by
  reading every statement's Principal as an object, and answers 500 on a `"Principal": "*"`
  (the log buckets' TLS-only Deny), which IAM allows (IAM User Guide, Principal). Statements
  whose Principal is a string cannot be the service's grant; the check skips them.
- GetBucketReplication: moto answers each rule with its own Filter and DeleteMarkerReplication
  and without SourceSelectionCriteria (S3 API Reference, ReplicationRule), so the state
  buckets' replication would plan its SSE-KMS selection as added forever. The rule is
  answered as it was put.
"""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.rds import models as rds
from moto.redshift import models as redshift
from moto.s3.models import FakeBucket
from moto.redshift.responses import RedshiftResponse
from moto.s3.exceptions import ReplicationConfigurationNotFoundError
from moto.s3.responses import S3Response
from moto.secretsmanager.models import secretsmanager_backends

PERFORMANCE_INSIGHTS = {
    "enable_performance_insights": "performance_insights_enabled",
    "performance_insights_kms_key_id": "performance_insights_kms_key_id",
    "performance_insights_retention_period": "performance_insights_retention_period",
}


def _scaling_configuration_info(cluster: Any) -> dict[str, Any] | None:
    if cluster.engine_mode != "serverless":
        return None
    return _original_scaling(cluster)


def _remember_performance_insights(instance: Any, kwargs: dict[str, Any]) -> None:
    for given, field in PERFORMANCE_INSIGHTS.items():
        if kwargs.get(given) is not None:
            setattr(instance, field, kwargs[given])
    if getattr(instance, "performance_insights_enabled", False) and not getattr(instance, "performance_insights_retention_period", None):
        instance.performance_insights_retention_period = 7


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    _remember_performance_insights(self, kwargs)


def _update(self: Any, **kwargs: Any) -> None:
    _original_update(self, **kwargs)
    _remember_performance_insights(self, kwargs)


def _cluster_namespace_arn(cluster: Any) -> str:
    namespace_id = uuid.uuid5(uuid.NAMESPACE_URL, cluster.arn)
    return f"arn:{cluster.arn.split(':')[1]}:redshift:{cluster.region}:{cluster.account_id}:namespace:{namespace_id}"


def _create_cluster(self: Any) -> Any:
    result = _original_create_cluster(self)
    if self._get_bool_param("ManageMasterPassword", False):
        cluster = self.redshift_backend.clusters[self._get_param("ClusterIdentifier")]
        created = secretsmanager_backends[cluster.account_id][cluster.region].create_secret(
            name=f"redshift!{cluster.cluster_identifier}-{cluster.master_username}",
            secret_string=json.dumps({"username": cluster.master_username, "password": str(uuid.uuid4())}),
            secret_binary=None, description=None, tags=[], kms_key_id=self._get_param("MasterPasswordSecretKmsKeyId"),
            client_request_token=None, replica_regions=[], force_overwrite=False,
        )
        cluster.master_password_secret_arn = json.loads(created)["ARN"]
        cluster.master_password_secret_kms_key_id = self._get_param("MasterPasswordSecretKmsKeyId")
    return result


def _cluster_nodes(cluster: Any) -> list[dict[str, str]]:
    if cluster.number_of_nodes <= 1:
        return [{"NodeRole": "SHARED", "PrivateIPAddress": "10.0.0.10"}]
    compute = [{"NodeRole": f"COMPUTE-{i}", "PrivateIPAddress": f"10.0.0.{11 + i}"} for i in range(cluster.number_of_nodes)]
    return [{"NodeRole": "LEADER", "PrivateIPAddress": "10.0.0.10"}, *compute]


def _lower_case_window() -> property:
    def get(cluster: Any) -> str | None:
        return cluster.__dict__.get("_zeroetl_window")

    def put(cluster: Any, value: str | None) -> None:
        cluster.__dict__["_zeroetl_window"] = value.lower() if value else value

    return property(get, put)


_original_scaling = rds.DBCluster.scaling_configuration_info.fget
_original_init = rds.DBInstance.__init__
_original_update = rds.DBInstance.update
_original_create_cluster = RedshiftResponse.create_cluster
_original_get_bucket_notification = S3Response.get_bucket_notification
_original_is_action_permitted = IAMPolicyStatement.is_action_permitted
_original_log_permissions = FakeBucket._log_permissions_enabled_policy
REPLICATION_RULE = ("ID", "Priority", "Status", "Filter", "DeleteMarkerReplication", "SourceSelectionCriteria", "Destination")


def _get_bucket_replication(self: Any) -> Any:
    self.data["Action"] = "GetBucketReplication"
    replication = self.backend.get_bucket_replication(self.bucket_name)
    if not replication:
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = [{field: rule[field] for field in REPLICATION_RULE if field in rule} for rule in replication["Rule"]]
    return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}))


def _log_permissions_enabled_policy(target_bucket: Any, target_prefix: str | None) -> bool:
    if not target_bucket.policy:
        return False
    policy = json.loads(target_bucket.policy.decode())
    grants = [statement for statement in policy["Statement"] if isinstance(statement.get("Principal"), dict)]
    shadow = SimpleNamespace(policy=json.dumps({**policy, "Statement": grants}).encode(), partition=target_bucket.partition, name=target_bucket.name)
    return _original_log_permissions(shadow, target_prefix)


def _is_action_permitted(self: Any, action: str, resource: str = "*", principal: str | None = None, incoming_condition_values: dict[str, str] | None = None) -> Any:
    condition = self._statement.get("Condition") or {}
    if str(condition.get("Bool", {}).get("aws:SecureTransport", "")).lower() == "false":
        return PermissionResult.NEUTRAL
    if condition and not self._check_conditions(incoming_condition_values):
        return PermissionResult.NEUTRAL
    return _original_is_action_permitted(self, action, resource, principal, incoming_condition_values)
EVENTBRIDGE_XML = "<EventBridgeConfiguration></EventBridgeConfiguration>"


def _get_bucket_notification(self: Any) -> Any:
    answer = _original_get_bucket_notification(self)
    configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if configuration is None or configuration.event_bridge is None:
        return answer
    status, headers, body = answer if isinstance(answer, tuple) else (200, {}, answer)
    body = body.decode() if isinstance(body, bytes) else body
    if "</NotificationConfiguration>" in body:
        body = body.replace("</NotificationConfiguration>", EVENTBRIDGE_XML + "</NotificationConfiguration>")
    else:  # moto's empty answer for a configuration with no topic, queue or function
        body = f'<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{EVENTBRIDGE_XML}</NotificationConfiguration>'
    return status, headers, body


def install() -> None:
    rds.DBCluster.scaling_configuration_info = property(_scaling_configuration_info)
    rds.DBInstance.__init__ = _init
    rds.DBInstance.update = _update
    redshift.Cluster.cluster_namespace_arn = property(_cluster_namespace_arn)
    redshift.Cluster.cluster_availability_status = "Available"
    redshift.Cluster.availability_zone_relocation_status = "disabled"
    redshift.Cluster.multi_az = "Disabled"
    redshift.Cluster.cluster_nodes = property(_cluster_nodes)
    redshift.Cluster.maintenance_track_name = "current"
    redshift.Cluster.manual_snapshot_retention_period = -1
    redshift.Cluster.preferred_maintenance_window = _lower_case_window()
    RedshiftResponse.create_cluster = _create_cluster
    S3Response.get_bucket_notification = _get_bucket_notification
    IAMPolicyStatement.is_action_permitted = _is_action_permitted
    FakeBucket._log_permissions_enabled_policy = staticmethod(_log_permissions_enabled_policy)
    S3Response.get_bucket_replication = _get_bucket_replication
