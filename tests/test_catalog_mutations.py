"""Property, at the level of YAML text: mutate the shipped catalogs the way files get broken
(lines dropped or repeated, keys renamed, values retyped, Unicode pasted in, huge values, other
encodings, cut short) and every result either loads or is refused with a CatalogError whose
every line names the file and is short. Never another exception.

The mutants that load are then run the way users run them: `main.py` synthesizes them (exit 0)
and `main.py verify` plans them offline (exit 0); a sample of the refused ones goes through
`main.py` too, which must exit 2 with no traceback."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zeroetl.catalog.loader import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {path.stem: path.read_text(encoding="utf-8") for path in (ROOT / "catalog" / "default.yaml", ROOT / "catalog" / "fleet.yaml", ROOT / "tests" / "catalogs" / "variant.yaml")}
KEY_LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[A-Za-z_][\w-]*)(?P<colon>:\s*)(?P<value>.*)$")
VALUES = ["123", "-1", "0", "1e309", "true", "no", "null", "~", "[]", "{}", "''", "2024-01-01", "0x1F", "'8'", "[a, b]", "{a: 1}", "&anchor x", "*anchor", "!!binary aGk=", "'[bold]x[/]'", "':secret:'", "'${ONCALL}@example.com'", "'%{ if x }y%{ endif }'", "on", "0123"]
UNICODE = ["\u200b", "\u202e", "\u0430", "\uff11", "é", "\U0001f600", "\u0301", "\x00", "\ufeff", "\u2028", "\u00a0"]
ENCODINGS = ["utf-16", "latin-1", "utf-8-sig", "cp1252"]
MAX_LINE = 300


def mutate(text: str, rnd: random.Random, count: int) -> bytes:
    lines = text.splitlines()
    for _ in range(count):
        if not lines:
            break
        index = rnd.randrange(len(lines))
        line = lines[index]
        match = KEY_LINE.match(line)
        op = rnd.choice(["drop", "duplicate", "rename", "retype", "unicode", "huge", "indent", "truncate"])
        if op == "drop":
            del lines[index]
        elif op == "duplicate":
            lines.insert(index, line)
        elif op == "rename" and match:
            key = match["key"]
            key = rnd.choice([key[:-1], key + "s", key.upper(), key.replace("_", "-"), key[::-1], key + "\u0430"]) or "x"
            lines[index] = f"{match['lead']}{key}{match['colon']}{match['value']}"
        elif op == "retype" and match:
            lines[index] = f"{match['lead']}{match['key']}: {rnd.choice(VALUES)}"
        elif op == "unicode":
            at = rnd.randrange(len(line) + 1)
            lines[index] = line[:at] + rnd.choice(UNICODE) + line[at:]
        elif op == "huge" and match:
            lines[index] = f"{match['lead']}{match['key']}: " + rnd.choice(["x" * 200_000, "9" * 5_000, "[" + ", ".join(["a"] * 20_000) + "]"])
        elif op == "indent":
            lines[index] = line[2:] if line.startswith("  ") and rnd.random() < 0.5 else "  " + line
        elif op == "truncate":
            lines = lines[:index]
    out = "\n".join(lines) + "\n"
    if rnd.random() < 0.15:
        return out.encode(rnd.choice(ENCODINGS), errors="replace")
    return out.encode("utf-8", errors="surrogatepass")


def outcome(path: Path) -> str:
    """'loaded' or 'refused'; anything else raises and fails the test."""
    try:
        load_catalog(path)
    except CatalogError as refused:
        lines = str(refused).splitlines()
        assert lines, "an empty refusal"
        for line in lines:
            assert line.startswith(f"{path}:"), line
            assert len(line) - len(str(path)) <= MAX_LINE, line
        return "refused"
    return "loaded"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(sorted(SEEDS)), state=st.integers(min_value=0, max_value=2**32), count=st.integers(min_value=1, max_value=4))
def test_any_mutated_catalog_loads_or_is_refused_cleanly(seed: str, state: int, count: int, tmp_path: Path) -> None:
    path = tmp_path / f"{seed}-{state}.yaml"
    path.write_bytes(mutate(SEEDS[seed], random.Random(state), count))
    outcome(path)


def _mutants(tmp_path: Path, wanted_loaded: int, wanted_refused: int) -> tuple[list[Path], list[Path]]:
    """Deterministic mutants of the default and variant catalogs: the first that load into a
    catalog unlike the seed's and unlike each other, and the first that are refused."""
    loaded, refused, seen = [], [], set()
    for seed in ("default", "variant"):
        seen.add(load_catalog(ROOT / ("catalog" if seed == "default" else "tests/catalogs") / f"{seed}.yaml").model_dump_json())
    rnd = random.Random(20261124)
    for attempt in range(3000):
        seed = rnd.choice(["default", "variant"])
        path = tmp_path / f"mutant-{attempt}.yaml"
        path.write_bytes(mutate(SEEDS[seed], rnd, rnd.randint(1, 2)))
        if outcome(path) == "refused":
            if len(refused) < wanted_refused:
                refused.append(path)
            continue
        model = load_catalog(path).model_dump_json()
        if model not in seen and len(loaded) < wanted_loaded:
            seen.add(model)
            loaded.append(path)
        if len(loaded) == wanted_loaded and len(refused) == wanted_refused:
            break
    return loaded, refused


def _main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)


def test_mutants_that_load_synthesize_and_verify_and_the_rest_exit_2(tmp_path: Path) -> None:
    import os

    loaded, refused = _mutants(tmp_path, wanted_loaded=3, wanted_refused=25)
    assert len(loaded) == 3 and len(refused) == 25
    for path in refused:
        done = _main("--catalog", str(path), env={**os.environ, "CDKTF_OUTDIR": str(tmp_path / "never")})
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert not (tmp_path / "never").exists()
    for path in loaded:
        outdir = tmp_path / f"{path.stem}.out"
        done = _main("--catalog", str(path), env={**os.environ, "CDKTF_OUTDIR": str(outdir)})
        assert done.returncode == 0, f"{path.read_text(errors='replace')}\n{done.stderr[-3000:]}"
        done = _main("verify", "--outdir", str(outdir))
        assert done.returncode == 0, f"{path.read_text(errors='replace')}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_is_read_or_refused_cleanly(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_bytes((SEEDS["fleet"] + "# café ☕\n").encode(encoding, errors="replace"))
    assert outcome(path) in {"loaded", "refused"}
