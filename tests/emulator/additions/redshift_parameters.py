"""Redshift cluster parameter values, which moto 5.2.5 does not store (its
ModifyClusterParameterGroup is not implemented).

Imitates (Amazon Redshift API Reference): ModifyClusterParameterGroup and
DescribeClusterParameters
(https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyClusterParameterGroup.html).
The group itself is moto's; this keeps the values set on it, as `Source: user`. The
integration addition reads them to check a provisioned target's case sensitivity.
"""

from __future__ import annotations

from typing import Any

from moto.redshift.models import redshift_backends

from tests.emulator.additions.store import LOCK
from tests.emulator.protocol import ApiError, Call, members

SERVICE = "redshift"
PROTOCOL = "query"
XMLNS = "http://redshift.amazonaws.com/doc/2012-12-01/"
VALUES: dict[tuple[str, str, str], dict[str, str]] = {}  # (account, region, group) -> {name: value}


def _group(call: Call) -> str:
    name = call.params["ParameterGroupName"]
    if name not in redshift_backends[call.account][call.region].parameter_groups:
        raise ApiError("ClusterParameterGroupNotFound", f"Parameter group {name} not found", 404)
    return name


def values_of(account: str, region: str, group: str) -> dict[str, str]:
    return VALUES.get((account, region, group), {})


def modify_cluster_parameter_group(call: Call) -> dict[str, Any]:
    name = _group(call)
    with LOCK:
        values = VALUES.setdefault((call.account, call.region, name), {})
        for parameter in members(call.params, "Parameters.Parameter"):
            values[parameter["ParameterName"]] = parameter.get("ParameterValue", "")
    return {"ParameterGroupName": name, "ParameterGroupStatus": "Your parameter group has been updated."}


def describe_cluster_parameters(call: Call) -> dict[str, Any]:
    name = _group(call)
    if call.params.get("Source", "user") != "user":
        return {"Parameters": ("Parameter", [])}
    parameters = [
        {"ParameterName": k, "ParameterValue": v, "Source": "user", "DataType": "string", "ApplyType": "static", "IsModifiable": True}
        for k, v in sorted(values_of(call.account, call.region, name).items())
    ]
    return {"Parameters": ("Parameter", parameters)}


HANDLERS = {
    "ModifyClusterParameterGroup": modify_cluster_parameter_group,
    "DescribeClusterParameters": describe_cluster_parameters,
}
