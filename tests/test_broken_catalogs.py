"""A corpus of broken catalogs: each exits non-zero with messages that name the file (and the
field, where there is one), and leaves the previous output directory untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "catalogs" / "broken").glob("*.yaml"))
FIELD_NAMED = {
    "duplicate-key": "'region' appears twice",
    "not-utf8": "not UTF-8",
    "defaults-wrong-shape": "defaults",
    "non-ascii-digits": "account_id",
    "trailing-newline": "role_arn",
    "glob-data-filter": "data_filter",
    "missing-required": "sources",
    "no-environments": "environments",
    "unicode-cluster": "cluster_identifier",
    "unicode-name": "name",
    "unknown-field": "regoin",
    "very-long-name": "namespace_name",
    "very-long-value": "integration_name",
    "wrong-types": "instance_count",
}


def test_corpus_is_complete() -> None:
    assert {p.stem for p in CORPUS} >= set(FIELD_NAMED) | {"empty", "malformed-yaml", "not-a-mapping"}


@pytest.mark.parametrize("catalog", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_catalog_is_refused_and_previous_output_kept(catalog: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "earlier").mkdir(parents=True)
    sentinel = outdir / "stacks" / "earlier" / "cdk.tf.json"
    sentinel.write_text('{"earlier": true}')
    done = subprocess.run(
        [sys.executable, "main.py", "--catalog", str(catalog)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={"CDKTF_OUTDIR": str(outdir), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines and all(str(catalog) in line for line in lines), done.stderr
    assert all(len(line) < 600 for line in lines), "a huge value must not bury the message"
    if catalog.stem in FIELD_NAMED:
        assert FIELD_NAMED[catalog.stem] in done.stderr
    assert "Traceback" not in done.stderr
    assert sentinel.read_text() == '{"earlier": true}' and sorted(p.name for p in outdir.rglob("*")) == ["cdk.tf.json", "earlier", "stacks"]


def test_failure_during_synthesis_keeps_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stacks.app
    from zeroetl.catalog.loader import load_catalog
    from zeroetl.synth.run import synthesize_into

    outdir = tmp_path / "cdktf.out"
    outdir.mkdir()
    (outdir / "previous.txt").write_text("kept")

    def half_written(staging, catalog, environments):  # writes part of the output, then fails
        (staging / "stacks").mkdir(exist_ok=True)
        (staging / "stacks" / "partial.json").write_text("{}")
        raise RuntimeError("synthesis failed half way")

    monkeypatch.setattr(stacks.app, "synthesize", half_written)
    with pytest.raises(RuntimeError, match="half way"):
        synthesize_into(outdir, load_catalog(ROOT / "catalog" / "default.yaml"), "catalog/default.yaml", plain=True)
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"]
    assert [p.name for p in outdir.iterdir()] == ["previous.txt"]
