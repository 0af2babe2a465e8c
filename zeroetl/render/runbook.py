"""Per-environment operator material, rendered by Jinja from the catalog: the runbook and the
SQL it points to (TICKIT schema and load for MySQL, monitoring and analyses for Redshift).

The SQL lives in templates/sql/ as data; only the load statements' source clause differs
between Aurora (LOAD DATA FROM S3) and a plain MySQL server (LOAD DATA LOCAL INFILE), so the
tests run the very statements operators get.
"""

from __future__ import annotations

from typing import Callable

from zeroetl.catalog.model import Catalog, Environment, Source
from zeroetl.catalog.naming import Layer, aws_name, binlog_parameter_group, stack_name
from zeroetl.catalog.notices import deprecated_sources
from zeroetl.render.templating import templates

TICKIT_REGION, TICKIT_BUCKET = "us-east-1", "redshift-downloads"  # where AWS keeps the sample
LIKES = ["likesports", "liketheatre", "likeconcerts", "likejazz", "likeclassical", "likeopera", "likerock", "likevegas", "likebroadway", "likemusicals"]


def tickit_prefix(env: Environment, source: Source) -> str:
    """Where the cluster reads the sample: AWS's bucket in us-east-1, or the copy the catalog
    names in the environment's own region (a cluster elsewhere has no route to us-east-1)."""
    if source.tickit_bucket:
        return f"s3-{env.region}://{source.tickit_bucket}/tickit/"
    return f"s3-{TICKIT_REGION}://{TICKIT_BUCKET}/tickit/"


def tickit_copy_needed(env: Environment, source: Source) -> bool:
    return env.region != TICKIT_REGION and not source.tickit_bucket


def render_source_sql(env: Environment, source: Source, load_from: Callable[[str], str] | None = None) -> dict[str, str]:
    """{file name: SQL} for one source: the MySQL schema and load, the Redshift analyses.
    load_from: the source clause of each LOAD DATA (default: FROM S3 where tickit_prefix says)."""
    jinja = templates()
    prefix = tickit_prefix(env, source)
    context = {
        "env": env, "source": source, "schema": source.database_name, "likes": LIKES,
        "load_from": load_from or (lambda file_name: f"FROM S3 '{prefix}{file_name}'"),
        "copy_needed": tickit_copy_needed(env, source), "tickit_region": TICKIT_REGION, "tickit_bucket": TICKIT_BUCKET,
        "database": source.target_database.database_name, "role_hint": f"{source.name}-s3-import",
    }
    return {
        "tickit-schema.sql": jinja.get_template("sql/tickit-schema.mysql.sql.j2").render(**context),
        "tickit-load.sql": jinja.get_template("sql/tickit-load.mysql.sql.j2").render(**context),
        "tickit-analysis.sql": jinja.get_template("sql/tickit-analysis.redshift.sql.j2").render(**context),
    }


def render_runbook(catalog: Catalog, env: Environment, catalog_path: str) -> dict[str, str]:
    """{relative path: text} of one environment's runbook folder."""
    jinja = templates()
    files = {
        "monitoring.sql": jinja.get_template("sql/monitoring.redshift.sql.j2").render(
            env=env, databases=[s.target_database.database_name for s in env.sources]
        ),
        "remedies.sql": jinja.get_template("sql/remedies.redshift.sql.j2").render(env=env),
    }
    for source in env.sources:
        for name, text in render_source_sql(env, source).items():
            files[f"{source.name}/{name}"] = text
    stacks = {layer.name.lower(): stack_name(env, layer) for layer in Layer}
    files["README.md"] = jinja.get_template("runbook/runbook.md.j2").render(
        catalog=catalog, env=env, stacks=stacks, catalog_path=catalog_path, topic=aws_name(catalog, env, "zero-etl-alerts"),
        deprecated=[source for _, source in deprecated_sources(env)],
        binlog_groups={source.name: binlog_parameter_group(source) for source in env.sources},
        copy_needed=[source for source in env.sources if tickit_copy_needed(env, source)],
        tickit_region=TICKIT_REGION, tickit_bucket=TICKIT_BUCKET,
    )
    return files
