"""A corpus of broken catalogs, written as a platform team's mistakes (tests/catalogs/broken/,
one mistake a file): each is refused with exit 2 and one line per problem that names the file
and the field, is short, carries no traceback, and leaves the previous output untouched.

Each file says what its message must hold in a `# expect:` line (and `# problems: N` when one
mistake is N problems); the two files that are not text at all are listed here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "catalogs" / "broken").glob("*.yaml"))
NOT_TEXT = {"utf16": "not UTF-8", "binary": "not UTF-8"}
# A line may be this much longer than the catalog's path (the "~300 characters").
MAX_LINE = 300


def _expected(catalog: Path) -> tuple[str, int]:
    if catalog.stem in NOT_TEXT:
        return NOT_TEXT[catalog.stem], 1
    head = catalog.read_bytes()[:2000].decode("utf-8", "replace")
    expect = re.search(r"^# expect: (.+)$", head, re.MULTILINE)
    problems = re.search(r"^# problems: ([0-9]+)$", head, re.MULTILINE)
    assert expect, f"{catalog.name} says in no '# expect:' line what its message must hold"
    return expect.group(1).strip(), int(problems.group(1)) if problems else 1


def test_corpus_covers_every_class() -> None:
    stems = {p.stem for p in CORPUS}
    assert len(CORPUS) >= 60
    for prefix in ("tags-", "windows-", "master-username-", "target-database-", "vpc-cidr-", "repeated-", "role-arn-", "state-bucket-", "fleet-", "engine-"):
        assert any(stem.startswith(prefix) for stem in stems), prefix
    assert {"alias-bomb", "nested-too-deeply", "not-utf8", "utf16", "duplicate-key", "defaults-wrong-shape", "non-ascii-digits", "trailing-newline"} <= stems


@pytest.mark.parametrize("catalog", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_catalog_is_refused_and_previous_output_kept(catalog: Path, tmp_path: Path) -> None:
    expect, problems = _expected(catalog)
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "earlier").mkdir(parents=True)
    sentinel = outdir / "stacks" / "earlier" / "cdk.tf.json"
    sentinel.write_text('{"earlier": true}')
    done = subprocess.run(
        [sys.executable, "main.py", "--catalog", str(catalog)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={"CDKTF_OUTDIR": str(outdir), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == problems, done.stderr
    assert all(str(catalog) in line for line in lines), done.stderr
    assert all(len(line) - len(str(catalog)) <= MAX_LINE for line in lines), "a message must not bury its point"
    assert expect in done.stderr
    assert sentinel.read_text() == '{"earlier": true}' and sorted(p.name for p in outdir.rglob("*")) == ["cdk.tf.json", "earlier", "stacks"]


@pytest.mark.slow
def test_failure_during_synthesis_keeps_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stacks.app
    from zeroetl.catalog.loader import load_catalog
    from zeroetl.synth.run import SynthError, synthesize_into

    outdir = tmp_path / "cdktf.out"
    outdir.mkdir()
    (outdir / "previous.txt").write_text("kept")

    def half_written(staging, catalog, environments, **_):  # writes part of the output, then fails
        (staging / "stacks").mkdir(exist_ok=True)
        (staging / "stacks" / "partial.json").write_text("{}")
        raise RuntimeError("synthesis failed half way")

    monkeypatch.setattr(stacks.app, "synthesize", half_written)
    with pytest.raises(SynthError, match="half way") as raised:
        synthesize_into(outdir, load_catalog(ROOT / "catalog" / "default.yaml"), "catalog/default.yaml", plain=True)
    assert raised.value.reason == "RuntimeError: synthesis failed half way"
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"]
    assert [p.name for p in outdir.iterdir()] == ["previous.txt"]
