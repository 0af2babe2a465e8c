"""The tests' own endpoints, under /_zeroetl/: what the additions recorded, what a test does
behind Terraform's back that AWS does by itself (a statement expiring), and a failure AWS may
give (the next statement whose SQL or warehouse holds a text fails once)."""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.additions import redshift_data


def handle(app: Any, environ: dict[str, Any]) -> tuple[int, str, str]:
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if path == "/_zeroetl/health":
        return 200, "application/json", "{}"
    if path == "/_zeroetl/calls" and method == "GET":
        with app.lock:
            return 200, "application/json", json.dumps(app.calls)
    if path == "/_zeroetl/databases" and method == "GET":
        found = [{"account": a, "region": r, "warehouse": w, "databases": d} for (a, r, w), d in redshift_data.DATABASES.items()]
        return 200, "application/json", json.dumps(found)
    if path == "/_zeroetl/expire-statements" and method == "POST":
        return 200, "application/json", json.dumps({"expired": redshift_data.expire_all()})
    if path == "/_zeroetl/fail-next-statement" and method == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        wanted = json.loads(environ["wsgi.input"].read(length) or b"{}")["containing"]
        return 200, "application/json", json.dumps({"failing": redshift_data.fail_next(wanted)})
    return 404, "application/json", json.dumps({"error": f"no endpoint {method} {path}"})
