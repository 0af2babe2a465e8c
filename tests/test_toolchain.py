"""Where Terraform takes the AWS provider from: linked from a mirror or cache, never copied."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import zeroetl.synth.toolchain
from zeroetl.synth.toolchain import write_cli_config


@pytest.mark.parametrize("has_mirror", [True, False], ids=["mirror", "registry"])
def test_cli_config_links_the_provider_instead_of_copying_it(has_mirror: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    monkeypatch.setattr(zeroetl.synth.toolchain, "find_mirror", lambda: mirror if has_mirror else None)
    config = tmp_path / "cli" / "terraform.rc"
    config.parent.mkdir()
    write_cli_config(config)
    text = config.read_text()
    if has_mirror:
        assert f'path    = "{mirror}"' in text and "plugin_cache_dir" not in text
    else:
        cache = tmp_path / "cli" / "terraform-plugins"
        assert f'plugin_cache_dir = "{cache}"' in text and cache.is_dir()
    # Terraform itself reads the file without complaint.
    done = subprocess.run(["terraform", "version"], env={"PATH": "/usr/local/bin:/usr/bin:/bin", "TF_CLI_CONFIG_FILE": str(config)}, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
