"""The warehouse stack: Serverless target with case sensitivity and both policy halves."""

from __future__ import annotations

import json

import pytest

from tests.aws_facts import SERVERLESS_CONFIG_KEYS
from tests.harness import Synthesized, only, resources
from zeroetl.catalog.naming import Layer


@pytest.fixture(scope="module")
def warehouse(default_synth: Synthesized) -> dict:
    return default_synth.stack(default_synth.catalog.environments[0], Layer.WAREHOUSE)


def test_workgroup_is_case_sensitive_private_without_enhanced_vpc_routing(warehouse: dict) -> None:
    workgroup = only(warehouse, "aws_redshiftserverless_workgroup")
    params = {p["parameter_key"]: p["parameter_value"] for p in workgroup["config_parameter"]}
    assert set(params) == SERVERLESS_CONFIG_KEYS, "every key, or AWS's answer is a diff in every plan"
    assert params["enable_case_sensitive_identifier"] == "true"
    assert params["require_ssl"] == "true"
    assert workgroup["enhanced_vpc_routing"] is False
    assert workgroup["publicly_accessible"] is False
    assert workgroup["base_capacity"] == "${var.base_capacity}"


def test_namespace_secret_managed_encrypted_and_logged(warehouse: dict) -> None:
    namespace = only(warehouse, "aws_redshiftserverless_namespace")
    key = next(iter(resources(warehouse, "aws_kms_key")))
    assert namespace["manage_admin_password"] is True
    assert "admin_user_password" not in namespace
    assert namespace["kms_key_id"] == f"${{aws_kms_key.{key}.arn}}"
    assert namespace["admin_password_secret_kms_key_id"] == f"${{aws_kms_key.{key}.arn}}"
    assert set(namespace["log_exports"]) == {"userlog", "connectionlog", "useractivitylog"}


def test_resource_policy_authorizes_principal_and_source(default_synth: Synthesized, warehouse: dict) -> None:
    env = default_synth.catalog.environments[0]
    assert not resources(warehouse, "aws_redshiftserverless_resource_policy")
    policy_resource = only(warehouse, "aws_redshift_resource_policy")
    namespace = next(iter(resources(warehouse, "aws_redshiftserverless_namespace")))
    namespace_arn = f"${{aws_redshiftserverless_namespace.{namespace}.arn}}"
    assert policy_resource["resource_arn"] == namespace_arn
    statements = {s["Sid"]: s for s in json.loads(policy_resource["policy"])["Statement"]}
    principal = statements["AuthorizedPrincipals"]
    assert principal["Action"] == "redshift:CreateInboundIntegration"
    assert principal["Principal"] == {"AWS": [f"arn:aws:iam::{env.source_account.account_id}:root"]}
    assert principal["Resource"] == namespace_arn
    source = statements["AuthorizedIntegrationSources"]
    assert source["Principal"] == {"Service": "redshift.amazonaws.com"}
    assert source["Action"] == "redshift:AuthorizeInboundIntegration"
    assert source["Condition"]["StringEquals"]["aws:SourceArn"] == [
        f"arn:aws:rds:{env.region}:{env.source_account.account_id}:cluster:{env.sources[0].cluster_identifier}"
    ]
