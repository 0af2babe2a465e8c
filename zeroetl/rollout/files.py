"""The rollout's files: the GitHub Actions workflow (from the waves), the human listing, and the
role each stack's jobs assume (from the accounts)."""

from __future__ import annotations

from zeroetl.catalog.model import Catalog
from zeroetl.render.templating import templates
from zeroetl.rollout.accounts import credentials
from zeroetl.rollout.waves import waves


def render_rollout(catalog: Catalog, catalog_path: str) -> dict[str, str]:
    """{file name: text}: the GitHub Actions workflow, the human listing, and the role each
    stack's jobs assume (zeroetl/rollout/accounts.py)."""
    context = {"catalog": catalog, "waves": waves(catalog), "catalog_path": catalog_path}
    return {
        "credentials.json": credentials(catalog),
        "github-workflow.yml": templates().get_template("rollout/github-workflow.yml.j2").render(**context),
        "rollout.md": templates().get_template("rollout/rollout.md.j2").render(**context),
    }
