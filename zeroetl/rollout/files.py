"""The rollout's files: the GitHub Actions workflow (from the waves), the human listing, and the
role each stack's jobs assume (from the accounts)."""

from __future__ import annotations

import json

from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.model import Catalog
from zeroetl.render.templating import templates
from zeroetl.rollout.accounts import credentials
from zeroetl.rollout.waves import waves


def render_rollout(catalog: Catalog, catalog_path: str) -> dict[str, str]:
    """{file name: text}: the GitHub Actions workflow, the human listing, the role each
    stack's jobs assume (zeroetl/rollout/accounts.py), and the plan guard's facts."""
    context = {"catalog": catalog, "waves": waves(catalog), "catalog_path": catalog_path}
    deprecated = sorted(version for version, status in FACTS.engine_versions.status.items() if status == "deprecated")
    return {
        "credentials.json": credentials(catalog),
        # zeroetl/checks/plan_guard.py: the versions no cluster may be created with.
        "guard.json": json.dumps({"deprecated_engine_versions": deprecated}, indent=1) + "\n",
        "github-workflow.yml": templates().get_template("rollout/github-workflow.yml.j2").render(**context),
        "rollout.md": templates().get_template("rollout/rollout.md.j2").render(**context),
    }
