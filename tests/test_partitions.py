"""A China region (partition aws-cn): every ARN, service principal, endpoint name and OIDC
audience the stacks and the rollout write takes that partition's form, and the stacks plan
offline. The expected forms are written here from AWS's pages, not read from the product:
- ARNs: arn:aws-cn:... (AWS General Reference, ARN format);
- CloudWatch Logs' principal: logs.<region>.amazonaws.com.cn (REFERENCE.md, Partitions);
  the other services' principals stay <service>.amazonaws.com there (the provider's
  aws_service_principal data source keeps only codedeploy, elasticmapreduce and logs on the
  partition's suffix);
- endpoint names, as kms:ViaService compares them: s3.<region>.amazonaws.com.cn;
- the S3 gateway endpoint's service: cn.com.amazonaws.<region>.s3;
- GitHub's token audience for STS in China: sts.amazonaws.com.cn (configure-aws-credentials'
  README, OIDC audience)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.harness import Synthesized, synthesize_catalog
from zeroetl.catalog.loader import load_catalog
from zeroetl.checks.iam_lint import documents, lint, unreviewed
from zeroetl.checks.pipeline import role
from zeroetl.checks.verify import verify

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tests" / "catalogs" / "valid" / "china-partition.yaml"
REGION = "cn-north-1"
# Service principals that keep the global suffix in aws-cn, and the ones that take .com.cn.
# S3 assumes the replication role as s3, and delivers access logs as logging.s3.
GLOBAL_SUFFIX_PRINCIPALS = {"rds", "monitoring.rds", "redshift", "vpc-flow-logs", "events", "cloudwatch", "s3", "logging.s3"}
HOST_NAME = re.compile(r"[a-z0-9.-]+\.amazonaws\.com(?:\.cn)?")


@pytest.fixture(scope="module")
def china(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize_catalog(load_catalog(CATALOG), tmp_path_factory.mktemp("china") / "cdktf.out", str(CATALOG.relative_to(ROOT)))


def _texts(synth: Synthesized) -> dict[str, str]:
    texts = {name: json.dumps(config) for name, config in synth.stacks.items()}
    texts.update({f"rollout/{name}": text for name, text in synth.rollout.items()})
    return texts


def test_every_arn_is_of_the_china_partition(china: Synthesized) -> None:
    assert any(name.startswith("bootstrap-") for name in china.stacks)
    for name, text in _texts(china).items():
        assert not re.findall(r"arn:aws:", text), name
        assert not re.findall(r"arn:\$\{data\.aws_partition", text), name


def test_every_host_name_is_the_china_form(china: Synthesized) -> None:
    found: set[str] = set()
    for name, text in _texts(china).items():
        for host in HOST_NAME.findall(text):
            found.add(host)
            if not host.endswith(".cn"):
                assert host.removesuffix(".amazonaws.com") in GLOBAL_SUFFIX_PRINCIPALS, (name, host)
    assert {f"logs.{REGION}.amazonaws.com.cn", f"s3.{REGION}.amazonaws.com.cn", "sts.amazonaws.com.cn"} <= found, found
    assert not {f"logs.{REGION}.amazonaws.com", "sts.amazonaws.com", f"s3.{REGION}.amazonaws.com"} & found


def test_the_gateway_endpoint_and_the_oidc_audience(china: Synthesized) -> None:
    endpoints = [e for config in china.stacks.values() for e in config.get("resource", {}).get("aws_vpc_endpoint", {}).values()]
    assert endpoints and {e["service_name"] for e in endpoints} == {f"cn.com.amazonaws.{REGION}.s3"}
    for name, config in china.stacks.items():
        for provider in config.get("resource", {}).get("aws_iam_openid_connect_provider", {}).values():
            assert provider["client_id_list"] == ["sts.amazonaws.com.cn"], name
    credentials = json.loads(china.rollout["credentials.json"])
    assert {row["audience"] for row in credentials.values()} == {"sts.amazonaws.com.cn"}
    workflow = china.rollout["github-workflow.yml"]
    assert workflow.count("audience: ${{ steps.role.outputs.audience }}") == workflow.count("aws-actions/configure-aws-credentials") > 0
    assert role("china-integration", "apply", china.outdir).splitlines() == [
        "arn=arn:aws-cn:iam::111111111111:role/zeroetl-rollout-apply", f"region={REGION}", "audience=sts.amazonaws.com.cn", "seconds=10800",
    ]


def test_the_china_stacks_plan_offline_and_lint_clean(china: Synthesized, tmp_path: Path) -> None:
    result = verify(china.outdir, tmp_path / "root")
    # and the bootstrap's replicas, in cn-northwest-1 (catalog/region_facts.yaml)
    assert result.stacks == len(china.stacks) == 6 and result.regions == [REGION, "cn-northwest-1"]
    docs = [doc for name, config in china.stacks.items() for doc in documents(name, config)]
    assert [str(f) for f in unreviewed(lint(docs))] == []
