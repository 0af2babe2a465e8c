"""The two wire protocols the additions speak, as the AWS SDK for Go v2 (the provider) sends
and reads them:
- query (RDS, Redshift): form-encoded `Action=...&Name.member.1=...`, answered with XML
  `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/></ActionResponse>`
  (AWS, "Query API requests" in each service's API reference);
- JSON 1.1 (Redshift Serverless, Redshift Data API): `X-Amz-Target: Prefix.Action` and a JSON
  body, answered with JSON; errors carry `__type`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")


@dataclass
class Call:
    """One request as an addition sees it."""

    service: str  # the SigV4 signing name: rds, redshift, redshift-serverless, redshift-data
    action: str
    region: str
    account: str
    params: dict[str, Any]  # query: flat form fields; JSON: the decoded body

    def record(self) -> dict[str, Any]:
        return {"service": self.service, "action": self.action, "region": self.region, "account": self.account, "params": self.params}


class ApiError(Exception):
    """An AWS error response: code (the fault or exception name), HTTP status, message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class PassThrough(Exception):
    """Raised by an addition's handler: this request is moto's after all."""


def parse(environ: dict[str, Any], body: bytes) -> tuple[str, str, str, str, dict[str, Any]] | None:
    """(service, action, region, access key, params) of a SigV4-signed request, or None."""
    match = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        params = json.loads(body or b"{}")
        action = target.rsplit(".", 1)[-1]
    else:
        params = dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))  # S3 bodies may be binary
        action = params.pop("Action", "")
    return match["service"], action, match["region"], match["key"], params


def members(params: dict[str, str], prefix: str) -> list[dict[str, str]]:
    """The structures of a query list such as `Tags.Tag.1.Key`, in order: prefix `Tags.Tag`."""
    found: dict[int, dict[str, str]] = {}
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.(.+)")
    for name, value in params.items():
        if m := pattern.fullmatch(name):
            found.setdefault(int(m[1]), {})[m[2]] = value
    return [found[i] for i in sorted(found)]


def entries(params: dict[str, str], prefix: str) -> dict[str, str]:
    """A query map such as `AdditionalEncryptionContext.entry.1.key` / `.value`."""
    return {item["key"]: item.get("value", "") for item in members(params, f"{prefix}.entry")}


def xml(name: str, value: Any, item: str = "member") -> str:
    """One XML element. Lists repeat `item` (or the name a (item, values) tuple gives)."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        item, value = value
    if isinstance(value, dict):
        inner = "".join(xml(k, v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(xml(item, v) for v in value)
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return f"<{name}>{inner}</{name}>"


def query_response(service_ns: str, action: str, result: dict[str, Any]) -> tuple[int, str, str]:
    body = (
        f'<{action}Response xmlns="{service_ns}">{xml(f"{action}Result", result)}'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>"
    )
    return 200, "text/xml", body


def query_error(error: ApiError) -> tuple[int, str, str]:
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return error.status, "text/xml", body


def json_response(result: dict[str, Any]) -> tuple[int, str, str]:
    return 200, "application/x-amz-json-1.1", json.dumps(result)


def json_error(error: ApiError) -> tuple[int, str, str]:
    return error.status, "application/x-amz-json-1.1", json.dumps({"__type": error.code, "message": error.message})
