"""The Redshift Data API for the statements the product runs, in place of moto's (whose
timestamps the provider cannot read).

Imitates (Redshift Data API Reference): ExecuteStatement and DescribeStatement
(https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html).
Each warehouse keeps the databases its statements created, so the SQL a stack runs has the
effect it has in Redshift: `CREATE DATABASE ... FROM INTEGRATION` fails on a name that exists
or an integration id that does not, `ALTER DATABASE ... INTEGRATION` needs the database,
`DROP DATABASE` removes it (Redshift Database Developer Guide, CREATE DATABASE). The Data API
forgets a statement after about 24 hours: `/_zeroetl/expire-statements` makes that happen now,
and DescribeStatement then answers the ValidationException AWS answers.
"""

from __future__ import annotations

import re
from typing import Any

from moto.redshift.models import redshift_backends
from moto.secretsmanager.models import secretsmanager_backends

from tests.emulator.additions import rds_integration, redshift_serverless
from tests.emulator.additions.store import LOCK, arn_parts, new_id, now
from tests.emulator.protocol import ApiError, Call

SERVICE = "redshift-data"
PROTOCOL = "json"
STATEMENTS: dict[str, dict[str, Any]] = {}
EXPIRED: set[str] = set()
DATABASES: dict[tuple[str, str, str], dict[str, str]] = {}  # warehouse -> {database: integration id}
FAILING: list[str] = []  # the next statement whose SQL or warehouse contains one of these fails, once

CREATE = re.compile(r"\s*CREATE\s+DATABASE\s+(?P<name>\S+)\s+FROM\s+INTEGRATION\s+'(?P<id>[^']*)'", re.I)
ALTER = re.compile(r"\s*ALTER\s+DATABASE\s+(?P<name>\S+)\s+INTEGRATION\b", re.I)
DROP = re.compile(r"\s*DROP\s+DATABASE\s+(?P<name>\S+)", re.I)


def _warehouse(call: Call) -> tuple[str, str, str]:
    p = call.params
    if p.get("WorkgroupName"):
        if not redshift_serverless.WORKGROUPS.get(call.account, call.region, p["WorkgroupName"]):
            raise ApiError("ValidationException", f"Workgroup {p['WorkgroupName']} not found")
        return call.account, call.region, p["WorkgroupName"]
    if p.get("ClusterIdentifier"):
        if p["ClusterIdentifier"] not in redshift_backends[call.account][call.region].clusters:
            raise ApiError("ValidationException", f"Cluster {p['ClusterIdentifier']} not found")
        return call.account, call.region, p["ClusterIdentifier"]
    raise ApiError("ValidationException", "Either WorkgroupName or ClusterIdentifier is required")


def _check_secret(call: Call) -> None:
    secret = call.params.get("SecretArn")
    if secret and secret not in {s.arn for s in secretsmanager_backends[call.account][call.region].secrets.values()}:
        raise ApiError("ValidationException", f"Secret {secret} not found")


def _integration_exists(integration_id: str) -> bool:
    return any(arn_parts(arn)["resource"] == f"integration:{integration_id}" for (_, _, arn) in rds_integration.INTEGRATIONS.items)


def _run(warehouse: tuple[str, str, str], sql: str) -> str | None:
    """The error Redshift would give, or None; the effect on the warehouse's databases."""
    databases = DATABASES.setdefault(warehouse, {})
    if m := CREATE.match(sql):
        if m["name"] in databases:
            return f'ERROR: database "{m["name"]}" already exists'
        if not _integration_exists(m["id"]):
            return f"ERROR: Integration {m['id']} does not exist or is not active"
        databases[m["name"]] = m["id"]
    elif m := ALTER.match(sql):
        if m["name"] not in databases:
            return f'ERROR: database "{m["name"]}" does not exist'
    elif m := DROP.match(sql):
        if databases.pop(m["name"], None) is None:
            return f'ERROR: database "{m["name"]}" does not exist'
    return None


def execute_statement(call: Call) -> dict[str, Any]:
    p = call.params
    warehouse = _warehouse(call)
    _check_secret(call)
    with LOCK:
        injected = next((text for text in FAILING if text in p["Sql"] or text in warehouse[2]), None)
        if injected is not None:
            FAILING.remove(injected)
        error = f"ERROR: failed as the test asked ({injected!r})" if injected is not None else _run(warehouse, p["Sql"])
        statement_id = new_id()
        created = now()
        STATEMENTS[statement_id] = {
            "Id": statement_id,
            "QueryString": p["Sql"],
            "Database": p.get("Database"),
            "SecretArn": p.get("SecretArn"),
            "WorkgroupName": p.get("WorkgroupName"),
            "ClusterIdentifier": p.get("ClusterIdentifier"),
            "DbUser": p.get("DbUser"),
            "Status": "FAILED" if error else "FINISHED",
            "Error": error,
            "CreatedAt": created,
            "UpdatedAt": created,
            "HasResultSet": False,
            "Duration": 1000000,
        }
    return {k: v for k, v in STATEMENTS[statement_id].items() if k in ("Id", "CreatedAt", "Database", "SecretArn", "WorkgroupName", "ClusterIdentifier", "DbUser") and v is not None}


def describe_statement(call: Call) -> dict[str, Any]:
    statement_id = call.params["Id"]
    if statement_id in EXPIRED:
        raise ApiError("ValidationException", f"Query {statement_id} has expired. Query results are stored for 24 hours")
    if statement_id not in STATEMENTS:
        raise ApiError("ResourceNotFoundException", f"Query {statement_id} does not exist")
    return {k: v for k, v in STATEMENTS[statement_id].items() if v is not None}


def fail_next(text: str) -> list[str]:
    with LOCK:
        FAILING.append(text)
        return list(FAILING)


def expire_all() -> int:
    with LOCK:
        EXPIRED.update(STATEMENTS)
        return len(STATEMENTS)


HANDLERS = {"ExecuteStatement": execute_statement, "DescribeStatement": describe_statement}
