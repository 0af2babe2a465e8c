"""What the additions remember, per account and region, and the helpers they share."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from typing import Any

LOCK = threading.RLock()


def partition(region: str) -> str:
    """AWS partitions by region prefix (AWS General Reference, "ARN format")."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition(region)}:{service}:{region}:{account}:{resource}"


def arn_parts(value: str) -> dict[str, str]:
    """partition, service, region, account and resource of an ARN ({} when it is none)."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return {}
    return dict(zip(("arn", "partition", "service", "region", "account", "resource"), parts))


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> float:
    """A timestamp as awsJson and query protocols send it by default: epoch seconds."""
    return round(time.time(), 3)


def iso_now() -> str:
    """A timestamp for shapes whose timestampFormat is iso8601 (Redshift Serverless)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Table:
    """Objects of one kind, keyed by (account, region, name)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], dict[str, Any]] = {}

    def get(self, account: str, region: str, name: str) -> dict[str, Any] | None:
        return self.items.get((account, region, name))

    def put(self, account: str, region: str, name: str, item: dict[str, Any]) -> dict[str, Any]:
        self.items[(account, region, name)] = item
        return item

    def pop(self, account: str, region: str, name: str) -> dict[str, Any] | None:
        return self.items.pop((account, region, name), None)

    def find(self, **match: Any) -> list[dict[str, Any]]:
        return [item for item in self.items.values() if all(item.get(k) == v for k, v in match.items())]


TAGS: dict[str, dict[str, str]] = defaultdict(dict)  # resource ARN -> tags, for added resources
