"""The emulator's additions refuse what AWS refuses: otherwise a green apply against it would
prove less than it claims. Each case calls the emulator as a team's script would (boto3),
with no Terraform in between."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.additions.rds_integration import REQUIRED_BINLOG
from tests.emulator.brought_in import client
from tests.emulator.fixture import Emulator

ACCOUNT, REGION = "666666666666", "us-east-1"


def _policy(namespace_arn: str, principal: str, sources: list[str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": [principal]}, "Action": "redshift:CreateInboundIntegration", "Resource": namespace_arn},
        {"Effect": "Allow", "Principal": {"Service": "redshift.amazonaws.com"}, "Action": "redshift:AuthorizeInboundIntegration",
         "Resource": namespace_arn, "Condition": {"StringEquals": {"aws:SourceArn": sources}}},
    ]})


@pytest.fixture(scope="module")
def world(emulator: Emulator) -> dict[str, Any]:
    rds = client(emulator, "rds", ACCOUNT, REGION)
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="binlog", DBParameterGroupFamily="aurora-mysql8.0", Description="zero-ETL")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="binlog", Parameters=[
        {"ParameterName": k, "ParameterValue": v, "ApplyMethod": "pending-reboot"} for k, v in REQUIRED_BINLOG.items()
    ])
    arns = {}
    for name, group in (("ready", {"DBClusterParameterGroupName": "binlog"}), ("plain", {})):
        arns[name] = rds.create_db_cluster(
            DBClusterIdentifier=name, Engine="aurora-mysql", MasterUsername="admin", MasterUserPassword="password-1234", **group,
        )["DBCluster"]["DBClusterArn"]
    serverless = client(emulator, "redshift-serverless", ACCOUNT, REGION)
    namespace = serverless.create_namespace(namespaceName="target", manageAdminPassword=True)["namespace"]
    serverless.create_workgroup(workgroupName="target", namespaceName="target", configParameters=[
        {"parameterKey": "enable_case_sensitive_identifier", "parameterValue": "true"},
    ])
    return {"rds": rds, "sources": arns, "namespace": namespace, "redshift": client(emulator, "redshift", ACCOUNT, REGION)}


def _refusal(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    return str(refused.value)


def test_an_integration_needs_a_resource_policy_naming_both_the_caller_and_the_source(world: dict[str, Any]) -> None:
    target, source = world["namespace"]["namespaceArn"], world["sources"]["ready"]
    create = world["rds"].create_integration
    assert "has no resource policy" in _refusal(create, SourceArn=source, TargetArn=target, IntegrationName="a")
    world["redshift"].put_resource_policy(ResourceArn=target, Policy=_policy(target, f"arn:aws:iam::{ACCOUNT}:root", ["arn:aws:rds:us-east-1:666666666666:cluster:other"]))
    assert "not an authorized integration source" in _refusal(create, SourceArn=source, TargetArn=target, IntegrationName="a")
    world["redshift"].put_resource_policy(ResourceArn=target, Policy=_policy(target, "arn:aws:iam::777777777777:root", [source]))
    assert "not an authorized principal" in _refusal(create, SourceArn=source, TargetArn=target, IntegrationName="a")


def test_an_integration_needs_the_binlog_settings_on_its_source(world: dict[str, Any]) -> None:
    target, plain = world["namespace"]["namespaceArn"], world["sources"]["plain"]
    world["redshift"].put_resource_policy(ResourceArn=target, Policy=_policy(target, ACCOUNT, [plain, world["sources"]["ready"]]))
    refusal = _refusal(world["rds"].create_integration, SourceArn=plain, TargetArn=target, IntegrationName="b")
    assert "binlog_format" in refusal and "aurora_enhanced_binlog" in refusal


def test_a_database_is_created_from_an_integration_once(world: dict[str, Any], emulator: Emulator) -> None:
    target = world["namespace"]["namespaceArn"]
    world["redshift"].put_resource_policy(ResourceArn=target, Policy=_policy(target, ACCOUNT, [world["sources"]["ready"]]))
    created = world["rds"].create_integration(SourceArn=world["sources"]["ready"], TargetArn=target, IntegrationName="c")
    integration_id = created["IntegrationArn"].rsplit(":", 1)[1]
    data = client(emulator, "redshift-data", ACCOUNT, REGION)
    sql = f"CREATE DATABASE sales FROM INTEGRATION '{integration_id}'"
    run = {"WorkgroupName": "target", "Database": "dev", "SecretArn": world["namespace"]["adminPasswordSecretArn"]}
    first = data.describe_statement(Id=data.execute_statement(Sql=sql, **run)["Id"])
    again = data.describe_statement(Id=data.execute_statement(Sql=sql, **run)["Id"])
    unknown = data.describe_statement(Id=data.execute_statement(Sql="CREATE DATABASE other FROM INTEGRATION 'nope'", **run)["Id"])
    assert (first["Status"], again["Status"], unknown["Status"]) == ("FINISHED", "FAILED", "FAILED")
    assert 'database "sales" already exists' in again["Error"]
    emulator.post("expire-statements")
    assert "expired" in _refusal(data.describe_statement, Id=first["Id"])


def _as_attempt(kms: Any, invocation: str, attempt: int) -> None:
    """Send the client's next call as attempt `attempt` of SDK invocation `invocation`."""

    def headers(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = invocation
        request.headers["amz-sdk-request"] = f"attempt={attempt}; max=25"

    kms.meta.events.register_first("before-send.kms.CreateAlias", headers, unique_id="zeroetl-attempt")


def test_a_retried_attempt_gets_the_first_answer_and_a_new_duplicate_is_still_refused(emulator: Emulator) -> None:
    kms = client(emulator, "kms", ACCOUNT, REGION)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    _as_attempt(kms, "11111111-2222-3333-4444-555555555555", 1)
    kms.create_alias(AliasName="alias/retried", TargetKeyId=key)
    kms.meta.events.unregister("before-send.kms.CreateAlias", unique_id="zeroetl-attempt")
    # the SDK did not get the first answer and sends the same invocation again: AWS had answered
    # the first attempt; the second gets that answer, not AlreadyExists
    _as_attempt(kms, "11111111-2222-3333-4444-555555555555", 2)
    kms.create_alias(AliasName="alias/retried", TargetKeyId=key)
    kms.meta.events.unregister("before-send.kms.CreateAlias", unique_id="zeroetl-attempt")
    assert "attempt=2; max=25 invocation 11111111-2222-3333-4444-555555555555" in emulator.log_path.read_text()
    # a new invocation of the same create is a duplicate, refused as AWS refuses it
    assert "AlreadyExists" in _refusal(kms.create_alias, AliasName="alias/retried", TargetKeyId=key)
    assert [a["AliasName"] for a in kms.list_aliases(KeyId=key)["Aliases"]] == ["alias/retried"]
