"""Redshift Serverless namespaces and workgroups, which moto 5.2.5 lacks.

Imitates (Redshift Serverless API Reference): CreateNamespace, GetNamespace, UpdateNamespace,
DeleteNamespace, CreateWorkgroup, GetWorkgroup, UpdateWorkgroup, DeleteWorkgroup,
ListTagsForResource, TagResource, UntagResource
(https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_Operations.html).
Objects are AVAILABLE at once. A namespace created with manageAdminPassword gets its secret in
moto's Secrets Manager, named as Redshift names it (`redshift!<namespace>-<admin user>`), so
the Data API addition can check the secret a statement uses.
"""

from __future__ import annotations

import json
from typing import Any

from moto.secretsmanager.models import secretsmanager_backends

from tests.emulator.additions.store import LOCK, TAGS, Table, arn, iso_now, new_id
from tests.emulator.protocol import ApiError, Call

SERVICE = "redshift-serverless"
PROTOCOL = "json"
NAMESPACES = Table()
WORKGROUPS = Table()

NAMESPACE_FIELDS = ("adminUsername", "dbName", "kmsKeyId", "logExports", "iamRoles", "defaultIamRoleArn", "adminPasswordSecretKmsKeyId")
WORKGROUP_FIELDS = (
    "baseCapacity", "maxCapacity", "enhancedVpcRouting", "publiclyAccessible", "subnetIds",
    "securityGroupIds", "port", "configParameters",
)


def _not_found(kind: str, name: str) -> ApiError:
    return ApiError("ResourceNotFoundException", f"{kind} {name} not found", 400)


def _namespace(call: Call, name: str) -> dict[str, Any]:
    found = NAMESPACES.get(call.account, call.region, name)
    if not found:
        raise _not_found("namespace", name)
    return found


def _workgroup(call: Call, name: str) -> dict[str, Any]:
    found = WORKGROUPS.get(call.account, call.region, name)
    if not found:
        raise _not_found("Workgroup", name)
    return found


def _tag(resource_arn: str, tags: list[dict[str, str]] | None) -> None:
    TAGS[resource_arn].update({t["key"]: t["value"] for t in tags or []})


def create_namespace(call: Call) -> dict[str, Any]:
    p = call.params
    name = p["namespaceName"]
    with LOCK:
        if NAMESPACES.get(call.account, call.region, name):
            raise ApiError("ConflictException", f"Namespace {name} already exists")
        namespace_id = new_id()
        item = {
            "namespaceName": name,
            "namespaceId": namespace_id,
            "namespaceArn": arn("redshift-serverless", call.region, call.account, f"namespace/{namespace_id}"),
            "status": "AVAILABLE",
            "creationDate": iso_now(),
            "adminUsername": p.get("adminUsername", "admin"),
            "dbName": p.get("dbName", "dev"),
            "kmsKeyId": p.get("kmsKeyId", "AWS_OWNED_KMS_KEY"),
            "logExports": p.get("logExports", []),
            "iamRoles": p.get("iamRoles", []),
        }
        for key in ("defaultIamRoleArn", "adminPasswordSecretKmsKeyId"):
            if key in p:
                item[key] = p[key]
        if p.get("manageAdminPassword"):
            secrets = secretsmanager_backends[call.account][call.region]
            created = secrets.create_secret(
                name=f"redshift!{name}-{item['adminUsername']}",
                secret_string=json.dumps({"username": item["adminUsername"], "password": new_id()}),
                secret_binary=None,
                description=f"Admin password of Redshift Serverless namespace {name}",
                tags=[],
                kms_key_id=p.get("adminPasswordSecretKmsKeyId"),
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
            item["adminPasswordSecretArn"] = json.loads(created)["ARN"]
        _tag(item["namespaceArn"], p.get("tags"))
        return {"namespace": NAMESPACES.put(call.account, call.region, name, item)}


def get_namespace(call: Call) -> dict[str, Any]:
    return {"namespace": _namespace(call, call.params["namespaceName"])}


def update_namespace(call: Call) -> dict[str, Any]:
    with LOCK:
        item = _namespace(call, call.params["namespaceName"])
        item.update({k: v for k, v in call.params.items() if k in NAMESPACE_FIELDS})
        return {"namespace": item}


def delete_namespace(call: Call) -> dict[str, Any]:
    name = call.params["namespaceName"]
    with LOCK:
        item = _namespace(call, name)
        if WORKGROUPS.find(namespaceName=name, account=call.account, region=call.region):
            raise ApiError("ConflictException", f"Namespace {name} has a workgroup: delete it first")
        NAMESPACES.pop(call.account, call.region, name)
        if secret := item.get("adminPasswordSecretArn"):
            secretsmanager_backends[call.account][call.region].delete_secret(secret, None, True)
        return {"namespace": {**item, "status": "DELETING"}}


def create_workgroup(call: Call) -> dict[str, Any]:
    p = call.params
    name = p["workgroupName"]
    with LOCK:
        _namespace(call, p["namespaceName"])
        if WORKGROUPS.get(call.account, call.region, name):
            raise ApiError("ConflictException", f"Workgroup {name} already exists")
        workgroup_id = new_id()
        port = p.get("port", 5439)
        item = {
            "workgroupName": name,
            "workgroupId": workgroup_id,
            "workgroupArn": arn("redshift-serverless", call.region, call.account, f"workgroup/{workgroup_id}"),
            "namespaceName": p["namespaceName"],
            "status": "AVAILABLE",
            "creationDate": iso_now(),
            "baseCapacity": p.get("baseCapacity", 128),
            "maxCapacity": p.get("maxCapacity"),
            "enhancedVpcRouting": p.get("enhancedVpcRouting", False),
            "publiclyAccessible": p.get("publiclyAccessible", False),
            "subnetIds": p.get("subnetIds", []),
            "securityGroupIds": p.get("securityGroupIds", []),
            "configParameters": p.get("configParameters", []),
            "port": port,
            "endpoint": {"address": f"{name}.{call.account}.{call.region}.redshift-serverless.amazonaws.com", "port": port},
            "account": call.account,
            "region": call.region,
        }
        _tag(item["workgroupArn"], p.get("tags"))
        return {"workgroup": _public(WORKGROUPS.put(call.account, call.region, name, item))}


def _public(workgroup: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in workgroup.items() if k not in ("account", "region") and v is not None}


def get_workgroup(call: Call) -> dict[str, Any]:
    return {"workgroup": _public(_workgroup(call, call.params["workgroupName"]))}


def update_workgroup(call: Call) -> dict[str, Any]:
    with LOCK:
        item = _workgroup(call, call.params["workgroupName"])
        item.update({k: v for k, v in call.params.items() if k in WORKGROUP_FIELDS and k != "configParameters"})
        if "configParameters" in call.params:
            merged = {c["parameterKey"]: c["parameterValue"] for c in item["configParameters"]}
            merged.update({c["parameterKey"]: c["parameterValue"] for c in call.params["configParameters"]})
            item["configParameters"] = [{"parameterKey": k, "parameterValue": v} for k, v in merged.items()]
        return {"workgroup": _public(item)}


def delete_workgroup(call: Call) -> dict[str, Any]:
    with LOCK:
        item = _workgroup(call, call.params["workgroupName"])
        WORKGROUPS.pop(call.account, call.region, call.params["workgroupName"])
        return {"workgroup": {**_public(item), "status": "DELETING"}}


def list_tags_for_resource(call: Call) -> dict[str, Any]:
    return {"tags": [{"key": k, "value": v} for k, v in TAGS[call.params["resourceArn"]].items()]}


def tag_resource(call: Call) -> dict[str, Any]:
    with LOCK:
        _tag(call.params["resourceArn"], call.params.get("tags"))
    return {}


def untag_resource(call: Call) -> dict[str, Any]:
    with LOCK:
        for key in call.params.get("tagKeys", []):
            TAGS[call.params["resourceArn"]].pop(key, None)
    return {}


HANDLERS = {
    "CreateNamespace": create_namespace,
    "GetNamespace": get_namespace,
    "UpdateNamespace": update_namespace,
    "DeleteNamespace": delete_namespace,
    "CreateWorkgroup": create_workgroup,
    "GetWorkgroup": get_workgroup,
    "UpdateWorkgroup": update_workgroup,
    "DeleteWorkgroup": delete_workgroup,
    "ListTagsForResource": list_tags_for_resource,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
}
