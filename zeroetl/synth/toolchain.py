"""Point Terraform at the AWS provider: the local filesystem mirror where the machine has one,
the public registry otherwise. Standard library only: scripts/setup runs it before the
project's virtualenv exists.

    python3 -m zeroetl.synth.toolchain .cache/terraform.rc
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PROVIDER_VERSION = "5.100.0"
PROVIDER_BINARY = f"terraform-provider-aws_v{PROVIDER_VERSION}_x5"
PROVIDER_DIR = Path("registry.terraform.io/hashicorp/aws") / PROVIDER_VERSION
KNOWN_ROOTS = (
    "/opt/tf-plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)
# cdktf's own check for terraform_data (the plain path runs it at synth, once per resource).
TERRAFORM_MINIMUM = (1, 4)
SEARCH_ROOTS = ("/opt", "/usr/local", "/usr/share", "~")
SEARCH_DEPTH = 8


def find_mirror() -> Path | None:
    """The directory that holds registry.terraform.io/hashicorp/aws/5.100.0/, or None.

    TF_PROVIDER_MIRROR overrides; then the usual places; then a bounded search."""
    override = os.environ.get("TF_PROVIDER_MIRROR")
    candidates = [override] if override else list(KNOWN_ROOTS)
    for root in map(lambda p: Path(p).expanduser(), candidates):
        if any((root / PROVIDER_DIR).glob(f"*/{PROVIDER_BINARY}")):
            return root
    if override:
        return None
    for top in SEARCH_ROOTS:
        found = _search(Path(top).expanduser())
        if found:
            return found
    return None


def _search(top: Path) -> Path | None:
    base_depth = len(top.parts)
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        if PROVIDER_BINARY in filenames:
            # .../<root>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/binary
            return here.parents[4]
        if len(here.parts) - base_depth >= SEARCH_DEPTH:
            dirnames.clear()
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("proc", "node_modules")]
    return None


def cli_config(mirror: Path | None, plugin_cache: Path) -> str:
    """The mirror's unpacked layout lets `terraform init` link the provider instead of copying
    its ~700 MB; without a mirror, the plugin cache does the same after the first download."""
    if mirror is None:
        return (
            "# Written by zeroetl.synth.toolchain: no local provider mirror, providers come from the public\n"
            "# registry, downloaded once into the cache and linked from there by every init.\n"
            f'plugin_cache_dir = "{plugin_cache}"\n'
        )
    return (
        "# Written by zeroetl.synth.toolchain: the AWS provider comes from this machine's mirror.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )


class ToolchainError(RuntimeError):
    pass


def check_terraform_version() -> None:
    """Terraform must run and be >= TERRAFORM_MINIMUM. Honours TERRAFORM_BINARY_NAME as cdktf does."""
    binary = os.environ.get("TERRAFORM_BINARY_NAME", "terraform")
    wanted = ".".join(map(str, TERRAFORM_MINIMUM))
    try:
        out = subprocess.run([binary, "version"], capture_output=True, text=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainError(f"could not run `{binary} version` ({exc}); install Terraform >= {wanted} (README, Prerequisites)") from exc
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    if not found or tuple(map(int, found.groups()[:2])) < TERRAFORM_MINIMUM:
        raise ToolchainError(f"`{binary} version` says {out.splitlines()[0] if out else 'nothing'}; the stacks need Terraform >= {wanted}")


def write_cli_config(path: Path) -> Path | None:
    mirror = find_mirror()
    plugin_cache = path.parent.resolve() / "terraform-plugins"
    plugin_cache.mkdir(parents=True, exist_ok=True)  # Terraform wants it to exist
    path.write_text(cli_config(mirror, plugin_cache), encoding="utf-8")
    return mirror


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".cache/terraform.rc")
    found = write_cli_config(target)
    print(f"terraform CLI config {target}: " + (f"provider mirror {found}" if found else "public registry"))
