"""The runbook's TICKIT load in every region. The sample lives in s3://redshift-downloads/tickit/
in us-east-1 (Redshift getting-started guide, "Load data from Amazon S3": COPY ... FROM
's3://redshift-downloads/tickit/...' REGION 'us-east-1'); Aurora MySQL names a bucket's region
in the URI, s3-<region>://bucket/key (Aurora user guide, "Loading data into an Aurora MySQL DB
cluster from text files in an Amazon S3 bucket"); a gateway endpoint reaches only its own
Region's buckets (Amazon VPC, "Gateway endpoints for Amazon S3"), and a VPC created here has no
internet route. So outside us-east-1 the load reads a copy in the environment's region."""

from __future__ import annotations

from pathlib import Path

from tests.harness import Synthesized
from zeroetl.catalog.loader import load_catalog
from zeroetl.render.runbook import render_runbook, render_source_sql

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "tests" / "catalogs" / "valid" / "tickit-copy-in-region.yaml"


def _loads(sql: str) -> list[str]:
    return [line.split("'")[1] for line in sql.splitlines() if line.startswith("LOAD DATA FROM S3")]


def test_us_east_1_reads_the_sample_where_aws_keeps_it(default_synth: Synthesized) -> None:
    env = default_synth.catalog.environments[0]
    assert env.region == "us-east-1"
    sql = render_source_sql(env, env.sources[0])["tickit-load.sql"]
    assert _loads(sql) and all(uri.startswith("s3-us-east-1://redshift-downloads/tickit/") for uri in _loads(sql))
    assert "NOT YET LOADABLE" not in sql


def test_elsewhere_without_a_copy_the_runbook_says_what_to_copy_where(fleet_synth: Synthesized) -> None:
    eu = next(env for env in fleet_synth.catalog.environments if env.name == "eu")
    assert eu.region == "eu-west-1"
    files = render_runbook(fleet_synth.catalog, eu, "catalog/fleet.yaml")
    assert "aws s3 sync s3://redshift-downloads/tickit/ s3://<bucket in eu-west-1>/tickit/ --source-region us-east-1 --region eu-west-1" in files["README.md"]
    assert "NOT YET LOADABLE HERE" in files["orders/tickit-load.sql"]


def test_a_copy_in_the_region_is_what_the_load_reads(tmp_path: Path) -> None:
    catalog = load_catalog(COPY)
    env = catalog.environments[0]
    sql = render_source_sql(env, env.sources[0])["tickit-load.sql"]
    assert len(_loads(sql)) == 7 and all(uri.startswith("s3-eu-west-1://example-tickit-eu-west-1/tickit/") for uri in _loads(sql))
    assert "NOT YET LOADABLE" not in sql
    assert "aws s3 sync" not in render_runbook(catalog, env, str(COPY))["README.md"]
