"""Aurora zero-ETL integrations, which moto 5.2.5 lacks.

Imitates (Amazon RDS API Reference): CreateIntegration, DescribeIntegrations,
ModifyIntegration, DeleteIntegration
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateIntegration.html), and the
tag calls for integration ARNs. CreateIntegration refuses what AWS refuses before it starts:
a source cluster that does not exist or lacks the binlog settings the Aurora guide lists
("Configure DB cluster parameters", zero-etl.setting-up), a target whose workgroup lacks
case-sensitive identifiers, and a target whose resource policy does not authorize both the
caller and the source (Redshift management guide, zero-etl-using.redshift-iam). The
integration is `active` from the first describe on.
"""

from __future__ import annotations

from typing import Any

from moto.rds.models import rds_backends
from moto.redshift.models import redshift_backends

from tests.emulator.additions import redshift_parameters, redshift_policy, redshift_serverless
from tests.emulator.additions.store import LOCK, TAGS, Table, arn, arn_parts, iso_now, new_id
from tests.emulator.protocol import ApiError, Call, PassThrough, entries, members

SERVICE = "rds"
PROTOCOL = "query"
XMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"
INTEGRATIONS = Table()  # keyed by (account, region, ARN)

# Aurora guide, "Step 1: Create a custom DB cluster parameter group" (zero-etl.setting-up),
# written here from the guide, not taken from the product.
REQUIRED_BINLOG = {
    "aurora_enhanced_binlog": "1",
    "binlog_backup": "0",
    "binlog_format": "ROW",
    "binlog_replication_globaldb": "0",
    "binlog_row_image": "full",
    "binlog_row_metadata": "full",
}


def _source_problem(source_arn: str) -> str | None:
    parts = arn_parts(source_arn)
    if parts.get("service") != "rds" or not parts["resource"].startswith("cluster:"):
        return f"{source_arn} is not an Aurora cluster ARN"
    backend = rds_backends[parts["account"]][parts["region"]]
    cluster = backend.clusters.get(parts["resource"].split(":", 1)[1])
    if cluster is None:
        return f"source cluster {source_arn} not found"
    group = backend.db_cluster_parameter_groups.get(cluster.parameter_group)
    values = {name: p.get("ParameterValue") for name, p in (group.parameters.items() if group else [])}
    wrong = {k: values.get(k) for k, v in REQUIRED_BINLOG.items() if str(values.get(k, "")).lower() != v.lower()}
    if str(values.get("binlog_transaction_compression", "OFF")).upper() == "ON":
        wrong["binlog_transaction_compression"] = "ON"
    if wrong:
        return f"the parameter group {cluster.parameter_group} of {source_arn} has {wrong}"
    return None


def _target_problem(target_arn: str) -> str | None:
    parts = arn_parts(target_arn)
    if parts.get("service") == "redshift":
        return _provisioned_target_problem(target_arn, parts)
    namespace = next((n for n in redshift_serverless.NAMESPACES.items.values() if n["namespaceArn"] == target_arn), None)
    if namespace is None:
        return f"target namespace {target_arn} not found"
    for workgroup in redshift_serverless.WORKGROUPS.find(namespaceName=namespace["namespaceName"], account=parts["account"]):
        settings = {c["parameterKey"]: c["parameterValue"] for c in workgroup["configParameters"]}
        if settings.get("enable_case_sensitive_identifier") != "true":
            return f"workgroup {workgroup['workgroupName']} does not have enable_case_sensitive_identifier=true"
    return None


def _provisioned_target_problem(target_arn: str, parts: dict[str, str]) -> str | None:
    backend = redshift_backends[parts["account"]][parts["region"]]
    cluster = next((c for c in backend.clusters.values() if c.cluster_namespace_arn == target_arn), None)
    if cluster is None:
        return f"target cluster namespace {target_arn} not found"
    group = cluster.cluster_parameter_group_name[0]
    if redshift_parameters.values_of(parts["account"], parts["region"], group).get("enable_case_sensitive_identifier") != "true":
        return f"parameter group {group} of cluster {cluster.cluster_identifier} does not have enable_case_sensitive_identifier=true"
    return None


def create_integration(call: Call) -> dict[str, Any]:
    p = call.params
    source, target = p["SourceArn"], p["TargetArn"]
    for problem in (_source_problem(source), _target_problem(target), redshift_policy.authorizes(target, source, call.account)):
        if problem:
            raise ApiError("InvalidParameterValue" if "not found" not in problem else "DBClusterNotFoundFault", problem)
    with LOCK:
        if INTEGRATIONS.find(IntegrationName=p["IntegrationName"], account=call.account, region=call.region):
            raise ApiError("IntegrationAlreadyExistsFault", f"Integration {p['IntegrationName']} already exists")
        integration_arn = arn("rds", call.region, call.account, f"integration:{new_id()}")
        item = {
            "SourceArn": source,
            "TargetArn": target,
            "IntegrationName": p["IntegrationName"],
            "IntegrationArn": integration_arn,
            "KMSKeyId": p.get("KMSKeyId") or arn("kms", call.region, call.account, "key/aws-owned-zero-etl"),
            "AdditionalEncryptionContext": ("entry", [{"key": k, "value": v} for k, v in entries(p, "AdditionalEncryptionContext").items()]),
            "Status": "active",
            "CreateTime": iso_now(),
            "DataFilter": p.get("DataFilter", "include: *.*"),
            "Description": p.get("Description"),
            "account": call.account,
            "region": call.region,
        }
        TAGS[integration_arn] = {t["Key"]: t.get("Value", "") for t in members(p, "Tags.Tag")}
        INTEGRATIONS.put(call.account, call.region, integration_arn, item)
    return {**_public(item), "Status": "creating"}


def _public(item: dict[str, Any]) -> dict[str, Any]:
    tags = [{"Key": k, "Value": v} for k, v in TAGS[item["IntegrationArn"]].items()]
    return {**{k: v for k, v in item.items() if k not in ("account", "region")}, "Tags": ("Tag", tags)}


def _integration(call: Call, identifier: str) -> dict[str, Any]:
    for item in INTEGRATIONS.find(account=call.account, region=call.region):
        if identifier in (item["IntegrationArn"], item["IntegrationName"]):
            return item
    raise ApiError("IntegrationNotFoundFault", f"Integration {identifier} not found", 404)


def describe_integrations(call: Call) -> dict[str, Any]:
    identifier = call.params.get("IntegrationIdentifier")
    found = [_integration(call, identifier)] if identifier else INTEGRATIONS.find(account=call.account, region=call.region)
    return {"Integrations": ("Integration", [_public(item) for item in found])}


def modify_integration(call: Call) -> dict[str, Any]:
    with LOCK:
        item = _integration(call, call.params["IntegrationIdentifier"])
        for key in ("IntegrationName", "DataFilter", "Description"):
            if key in call.params:
                item[key] = call.params[key]
        return _public(item)


def delete_integration(call: Call) -> dict[str, Any]:
    with LOCK:
        item = _integration(call, call.params["IntegrationIdentifier"])
        INTEGRATIONS.pop(call.account, call.region, item["IntegrationArn"])
        return {**_public(item), "Status": "deleting"}


def _integration_arn(call: Call) -> str:
    name = call.params.get("ResourceName", "")
    if ":integration:" not in name:
        raise PassThrough
    return name


def list_tags_for_resource(call: Call) -> dict[str, Any]:
    return {"TagList": ("Tag", [{"Key": k, "Value": v} for k, v in TAGS[_integration_arn(call)].items()])}


def add_tags_to_resource(call: Call) -> dict[str, Any]:
    with LOCK:
        TAGS[_integration_arn(call)].update({t["Key"]: t.get("Value", "") for t in members(call.params, "Tags.Tag")})
    return {}


def remove_tags_from_resource(call: Call) -> dict[str, Any]:
    with LOCK:
        tags = TAGS[_integration_arn(call)]
        for name, value in call.params.items():
            if name.startswith("TagKeys.member."):
                tags.pop(value, None)
    return {}


HANDLERS = {
    "CreateIntegration": create_integration,
    "DescribeIntegrations": describe_integrations,
    "ModifyIntegration": modify_integration,
    "DeleteIntegration": delete_integration,
    "ListTagsForResource": list_tags_for_resource,
    "AddTagsToResource": add_tags_to_resource,
    "RemoveTagsFromResource": remove_tags_from_resource,
}
