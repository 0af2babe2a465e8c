"""Apply + re-plan against the emulated AWS (tests/emulator): part of `scripts/benchmark`
(`--applied/--no-applied`).

Measured, this run, each in a fresh emulator: the default catalog's one environment, and the
example fleet (catalog/fleet.yaml, its bring-your-own environment's existing resources made
in the emulator first), each applied wave by wave (three stacks at a time, as the tests do)
and then re-planned. Most of the time is the provider's fixed waits around RDS and Data API
calls (~30 s each), not CPU."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.emulator.brought_in import bring_in, state_buckets
from tests.emulator.cycle import Cycle
from tests.emulator.fixture import Emulator
from tests.harness import synthesize_catalog
from zeroetl import PROJECT_ROOT
from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.naming import Layer, layer_account, state_bucket
from zeroetl.rollout.accounts import bootstrap_enabled


@dataclass
class AppliedFigures:
    rows: list[tuple[str, int, float, float, int]] = field(default_factory=list)  # name, stacks, apply s, re-plan s, non-empty

    def lines(self) -> list[str]:
        out = ["apply + re-plan against the emulator (wall time)", f"  {'catalog':<28}{'stacks':>7}{'apply':>10}{'re-plan':>10}{'total':>10}  re-plans not empty"]
        for name, stacks, apply_s, replan_s, dirty in self.rows:
            out.append(f"  {name:<28}{stacks:>7}{apply_s:>9.0f}s{replan_s:>9.0f}s{apply_s + replan_s:>9.0f}s  {dirty}{'  MISSED: must be 0' if dirty else ''}")
        return out


def _cycle(name: str, catalog_path: Path, work: Path, figures: AppliedFigures, say: Callable[[str], None], prepare: Callable[[Emulator], Path] | None = None) -> None:
    emulator = Emulator(work / f"{name}-emulator.log").start()
    try:
        path = prepare(emulator) if prepare else catalog_path
        catalog = load_catalog(path)
        if not bootstrap_enabled(catalog):  # otherwise the bootstrap stacks, applied first, create them
            state_buckets(emulator, {
                state_bucket(catalog, env, layer): (layer_account(env, layer).account_id, env.region)
                for env in catalog.environments for layer in Layer if catalog.state.backend == "s3"
            })
        synth = synthesize_catalog(catalog, work / name / "cdktf.out", str(path))
        cycle = Cycle(emulator, synth, work / f"{name}-terraform.log")
        say(f"applied: {name}, {len(synth.stacks)} stacks")
        start = time.monotonic()
        cycle.apply()
        applied = time.monotonic()
        dirty = sum(1 for changes in cycle.replan().values() if changes)
        figures.rows.append((name, len(synth.stacks), applied - start, time.monotonic() - applied, dirty))
    finally:
        emulator.stop()


def measure_applied(say: Callable[[str], None]) -> AppliedFigures:
    figures = AppliedFigures()
    with tempfile.TemporaryDirectory(prefix="zeroetl-applied-") as scratch:
        work = Path(scratch)
        _cycle("default (1 environment)", PROJECT_ROOT / "catalog" / "default.yaml", work, figures, say)

        def fleet(emulator: Emulator) -> Path:
            raw = yaml.safe_load((PROJECT_ROOT / "catalog" / "fleet.yaml").read_text())
            raw["environments"] = [bring_in(emulator, entry, configured=True) for entry in raw["environments"]]
            path = work / "fleet.yaml"
            path.write_text(yaml.safe_dump(raw, sort_keys=False))
            return path

        _cycle(f"example fleet ({len(yaml.safe_load((PROJECT_ROOT / 'catalog' / 'fleet.yaml').read_text())['environments'])} environments)", PROJECT_ROOT / "catalog" / "fleet.yaml", work, figures, say, fleet)
    return figures
