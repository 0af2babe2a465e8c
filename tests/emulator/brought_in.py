"""What a team already has before it brings an environment in (`create_vpc: false`,
`create_cluster: false`, `create_warehouse: false`), made in the emulator through the AWS API
as the team once made it, and the steps the runbook asks of the team by hand.

The catalog names existing resources by ids AWS chose; the emulator chooses its own, so the
catalog entry is returned with the emulator's ids in their place."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import boto3

from tests.emulator.additions.rds_integration import REQUIRED_BINLOG
from tests.emulator.app import access_key_for
from tests.emulator.fixture import Emulator


def client(emulator: Emulator, service: str, account: str, region: str) -> Any:
    return boto3.client(
        service, region_name=region, endpoint_url=emulator.url,
        aws_access_key_id=access_key_for(account), aws_secret_access_key="emulator",
    )


def state_buckets(emulator: Emulator, buckets: dict[str, tuple[str, str]]) -> None:
    """{bucket: (account, region)}: the state buckets an administrator creates first."""
    for bucket, (account, region) in buckets.items():
        s3 = client(emulator, "s3", account, region)
        extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **extra)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def bring_in(emulator: Emulator, entry: dict[str, Any], configured: bool = False) -> dict[str, Any]:
    """Create the existing network, clusters, warehouse and operator roles an environment entry
    names.
    configured: the team already gave its cluster the binlog settings (a parameter group of
    its own, applied, which the returned entry names as binlog_parameter_group); otherwise the
    cluster has the default group, as before zero-ETL."""
    entry = copy.deepcopy(entry)
    account, region = entry["source_account"]["account_id"], entry["region"]
    network = entry["network"]
    if network.get("create_vpc") is False:
        ec2 = client(emulator, "ec2", account, region)
        vpc = ec2.create_vpc(CidrBlock=network["allowed_cidr_blocks"][0])["Vpc"]["VpcId"]
        network["vpc_id"] = vpc
        network["subnet_ids"] = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"{network['allowed_cidr_blocks'][0].rsplit('.', 2)[0]}.{i * 16}.0/20", AvailabilityZone=zone)["Subnet"]["SubnetId"]
            for i, zone in enumerate(network["availability_zones"])
        ]
    iam = client(emulator, "iam", account, region)
    for role in entry.get("operator_role_names", []):
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    rds = client(emulator, "rds", account, region)
    for source in entry["sources"]:
        if source.get("create_cluster") is False:
            group = {}
            if configured:
                group = {"DBClusterParameterGroupName": f"{source['cluster_identifier']}-binlog"}
                rds.create_db_cluster_parameter_group(**group, DBParameterGroupFamily="aurora-mysql8.0", Description="the team's own")
                rds.modify_db_cluster_parameter_group(**group, Parameters=[
                    {"ParameterName": k, "ParameterValue": v, "ApplyMethod": "pending-reboot"} for k, v in REQUIRED_BINLOG.items()
                ])
                source["binlog_parameter_group"] = group["DBClusterParameterGroupName"]
            rds.create_db_cluster(
                DBClusterIdentifier=source["cluster_identifier"], Engine="aurora-mysql",
                EngineVersion="8.0.mysql_aurora.3.10.3", MasterUsername="admin", MasterUserPassword="brought-in-1234", **group,
            )
            rds.create_db_instance(
                DBInstanceIdentifier=f"{source['cluster_identifier']}-1", DBClusterIdentifier=source["cluster_identifier"],
                Engine="aurora-mysql", DBInstanceClass="db.r6g.large",
            )
    warehouse = entry["warehouse"]
    if warehouse.get("create_warehouse") is False:
        target = entry.get("target_account", entry["source_account"])["account_id"]
        serverless = client(emulator, "redshift-serverless", target, region)
        namespace = serverless.create_namespace(namespaceName=f"{entry['name']}-existing", adminUsername="admin", manageAdminPassword=True)["namespace"]
        serverless.create_workgroup(
            workgroupName=warehouse["workgroup_name"], namespaceName=namespace["namespaceName"],
            configParameters=[{"parameterKey": "enable_case_sensitive_identifier", "parameterValue": "true"}],
        )
        warehouse["namespace_arn"] = namespace["namespaceArn"]
        warehouse["admin_secret_arn"] = namespace["adminPasswordSecretArn"]
    return entry


def named_groups(text: str, after: dict[str, Any]) -> str:
    """The catalog text with `binlog_parameter_group` written under each source that bring_in
    configured with a group of the team's own."""
    for source in after["sources"]:
        if "binlog_parameter_group" in source:
            line = re.compile(rf"^(?P<indent>[ \t]*)cluster_identifier: {re.escape(source['cluster_identifier'])}$", re.MULTILINE)
            text = line.sub(lambda m: f"{m[0]}\n{m['indent']}binlog_parameter_group: {source['binlog_parameter_group']}", text, count=1)
    return text


def renamed(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str]]:
    """(catalog id, emulator id) pairs for rewriting a catalog's text in place."""
    pairs = [(before["network"].get("vpc_id"), after["network"].get("vpc_id"))]
    pairs += list(zip(before["network"].get("subnet_ids", []), after["network"].get("subnet_ids", [])))
    pairs += [(before["warehouse"].get(k), after["warehouse"].get(k)) for k in ("namespace_arn", "admin_secret_arn")]
    return [(old, new) for old, new in pairs if old and old != new]


def attach_prerequisites(emulator: Emulator, entry: dict[str, Any], outputs: dict[str, str]) -> None:
    """The runbook's step for an existing cluster: attach the binlog parameter group and the S3
    role the source stack made, then reboot the writer so the static parameters apply."""
    rds = client(emulator, "rds", entry["source_account"]["account_id"], entry["region"])
    for source in entry["sources"]:
        if source.get("create_cluster") is False:
            name = source["cluster_identifier"]
            rds.modify_db_cluster(
                DBClusterIdentifier=name, DBClusterParameterGroupName=outputs[f"parameter_group_name_{source['name']}"], ApplyImmediately=True,
            )
            rds.reboot_db_instance(DBInstanceIdentifier=f"{name}-1")
