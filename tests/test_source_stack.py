"""The source stack: binlog parameter group, engine floor, encryption, protection, network."""

from __future__ import annotations

import json

import pytest

from tests.aws_facts import BINLOG
from tests.harness import Synthesized, named, only, resources
from zeroetl.catalog.naming import Layer


@pytest.fixture(scope="module")
def source(default_synth: Synthesized) -> dict:
    return default_synth.stack(default_synth.catalog.environments[0], Layer.SOURCE)


def _parameters(stack: dict) -> dict[str, dict]:
    group = only(stack, "aws_rds_cluster_parameter_group")
    return {p["name"]: p for p in group["parameter"]}


def test_parameter_group_holds_all_eight_zero_etl_binlog_values(source: dict) -> None:
    group = only(source, "aws_rds_cluster_parameter_group")
    assert group["family"] == "aurora-mysql8.0"
    params = _parameters(source)
    for name, value in BINLOG.items():
        assert params[name]["value"] == value, name
        assert params[name]["apply_method"] == "pending-reboot", name


def test_parameter_group_sets_s3_role_and_tls_only(source: dict) -> None:
    params = _parameters(source)
    role_address, _ = named(source, "aws_iam_role", "s3-import")
    assert params["aws_default_s3_role"]["value"] == f"${{aws_iam_role.{role_address}.arn}}"
    assert params["require_secure_transport"]["value"] == "ON"


def test_cluster_uses_the_parameter_group_and_a_supported_engine(source: dict) -> None:
    cluster = only(source, "aws_rds_cluster")
    group_name = next(iter(resources(source, "aws_rds_cluster_parameter_group")))
    assert cluster["db_cluster_parameter_group_name"] == f"${{aws_rds_cluster_parameter_group.{group_name}.name}}"
    assert cluster["engine"] == "aurora-mysql"
    version = tuple(int(x) for x in cluster["engine_version"].split(".")[-3:])
    assert version >= (3, 5, 2)


def test_cluster_is_encrypted_protected_backed_up_and_logged(source: dict) -> None:
    cluster = only(source, "aws_rds_cluster")
    key = next(iter(resources(source, "aws_kms_key")))
    assert cluster["storage_encrypted"] is True
    assert cluster["kms_key_id"] == f"${{aws_kms_key.{key}.arn}}"
    assert cluster["manage_master_user_password"] is True
    assert cluster["master_user_secret_kms_key_id"] == f"${{aws_kms_key.{key}.arn}}"
    assert "master_password" not in cluster
    assert cluster["deletion_protection"] is True
    assert cluster["skip_final_snapshot"] is False
    assert cluster["final_snapshot_identifier"]
    assert cluster["backup_retention_period"] == "${var.backup_retention_period_tickit}"
    assert set(cluster["enabled_cloudwatch_logs_exports"]) >= {"audit", "error", "slowquery"}
    assert only(source, "aws_kms_key")["enable_key_rotation"] is True


def test_s3_import_role_is_associated_with_the_cluster(source: dict) -> None:
    cluster = only(source, "aws_rds_cluster")
    role_name, role = named(source, "aws_iam_role", "s3-import")
    assert cluster["iam_roles"] == [f"${{aws_iam_role.{role_name}.arn}}"]
    trust = json.loads(role["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "rds.amazonaws.com"}
    read = json.loads(named(source, "aws_iam_role_policy", "s3-import")[1]["policy"])
    actions = {a for s in read["Statement"] for a in s["Action"]}
    assert actions == {"s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion"}


def test_writer_and_reader_in_different_zones_private_with_article_class(default_synth: Synthesized, source: dict) -> None:
    instances = list(resources(source, "aws_rds_cluster_instance").values())
    assert len(instances) == 2
    assert len({i["availability_zone"] for i in instances}) == 2
    assert all(i["publicly_accessible"] is False for i in instances)
    assert all(i["instance_class"] == "${var.instance_class_tickit}" for i in instances)
    assert 'instance_class_tickit               = "db.r6g.2xlarge"' in default_synth.tfvars["demo-source"]


def test_no_security_group_is_open_to_the_internet(default_synth: Synthesized) -> None:
    for name, stack in default_synth.stacks.items():
        for group in resources(stack, "aws_security_group").values():
            for rule in group.get("ingress", []) + group.get("egress", []):
                assert "0.0.0.0/0" not in (rule.get("cidr_blocks") or []), name
                assert "::/0" not in (rule.get("ipv6_cidr_blocks") or []), name
        for group in resources(stack, "aws_default_security_group").values():
            assert group["ingress"] == [] and group["egress"] == []


def test_existing_network_is_used_as_given(variant_synth: Synthesized) -> None:
    env = variant_synth.catalog.environments[0]
    source = variant_synth.stack(env, Layer.SOURCE)
    assert not resources(source, "aws_vpc") and not resources(source, "aws_subnet")
    assert only(source, "aws_db_subnet_group")["subnet_ids"] == env.network.subnet_ids
    assert only(source, "aws_security_group")["vpc_id"] == env.network.vpc_id
    ingress = only(source, "aws_security_group")["ingress"][0]
    assert ingress["cidr_blocks"] == ["10.8.0.0/16", "192.168.10.0/24"]
    assert len(resources(source, "aws_rds_cluster_instance")) == 3
