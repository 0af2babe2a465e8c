"""The fleet-scale benchmark: `scripts/benchmark [--repeat N] [--sizes 1,10,100] [--all-plans]`.

Generates fleets of 1, 10 and 100 environments (benchmarks/fleet.py) and measures, in one run:
- a bare `import cdktf_cdktf_provider_aws` in a fresh process (the yardstick);
- `main.py` synthesizing each fleet, fast path and --plain, and the peak memory of its whole
  process tree (Python and node together, as proportional set size);
- `main.py verify` checking each fleet (roots of at most 200 stacks, two plans at a time);
- `terraform plan` of each stack on its own, as the tests do, whose sum the verification is
  compared with. Every stack is planned up to 10 environments; at 100 that would be ~400
  plans (~20 minutes), so by default the stacks of the first 8 environments (each of the
  fleet's 4 shapes twice) are planned and the sum is estimated from the mean per shape and
  layer; --all-plans plans every stack.
At 100 environments it also measures re-synthesis through the synthesis cache (a cache of its
own in the work directory): with nothing changed, and after one environment's entry changed
(a new edit each run), and compares each cached output with a cold one byte for byte.
Then a --scale fleet (default 1,000 environments) is synthesized cold and verified once each,
with the peak memory of each.
Each timing is the median of --repeat runs after one warm-up run. Prints the figures, the
ratios the README promises, and exits 1 if a target is missed.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click

from benchmarks.applied import AppliedFigures, measure_applied
from benchmarks.fleet import write_fleet
from benchmarks.rollout import RolloutFigures, measure_rollout
from tests.harness import Synthesized, prepare_offline
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import Layer, stack_name

PROJECT = Path(__file__).resolve().parent.parent
GIB = 1024**3
CACHED_AT = 100  # environments: the fleet whose re-synthesis is measured
PLAN_ALL_UP_TO = 10  # environments; larger fleets plan a sample of stacks on their own
SAMPLED_ENVIRONMENTS = 8  # two of each of the example fleet's four shapes
TARGETS = (
    # (label, ratio name, limit)
    ("synthesize 100 environments / bare import", "synth_100", 1.0),
    ("synthesize 1 environment / bare import", "synth_1", 0.5),
    ("verify 100 environments / sum of separate plans", "verify_100", 0.2),
    ("peak memory of synthesis at 100 environments (GiB)", "memory_100", 1.5),
    ("re-synthesize 100 environments, none changed / bare import", "resynth_none", 0.1),
    ("re-synthesize 100 environments, one changed / bare import", "resynth_one", 0.35),
    ("files where a cached output differs from a cold one", "mismatches", 0),
    ("verify at --scale / verify 100 environments", "verify_scale", 11.0),
    ("cold synthesis + verify at --scale (minutes)", "scale_minutes", 10.0),
    ("peak memory of synthesis at --scale (GiB)", "scale_synth_memory", 2.0),
    ("peak memory of verification at --scale (GiB)", "scale_verify_memory", 2.0),
)


class Failed(RuntimeError):
    pass


def run(command: list[str], env: dict[str, str] | None = None, cwd: Path = PROJECT, memory: bool = False, every: float = 0.05) -> tuple[float, int]:
    """(wall seconds, peak memory in bytes of the process and all its descendants together; 0
    unless memory). Memory is the sum of their proportional set sizes (PSS): a page shared by
    several processes (the node binary, Python's libraries) counts once over all of them, where
    summing RSS would count it once per process. Sampled every `every` seconds: reading the
    PSS of a process of a few GB costs milliseconds, so runs of minutes sample less often."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        peak = 0
        while memory and proc.poll() is None:
            peak = max(peak, tree_pss(proc.pid))
            time.sleep(every)
        code = proc.wait()
        seconds = time.perf_counter() - started
        if code != 0:
            log.seek(0)
            raise Failed(f"{' '.join(command)} exited {code}:\n{log.read().decode(errors='replace')[-3000:]}")
    return seconds, peak


def tree_pss(pid: int) -> int:
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            total += next(int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{current}/task"):
                pending += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue  # exited between two reads
    return total


@dataclass
class Figures:
    repeat: int
    bare: list[float] = field(default_factory=list)
    synth: dict[int, list[float]] = field(default_factory=dict)
    plain: dict[int, list[float]] = field(default_factory=dict)
    memory: dict[int, int] = field(default_factory=dict)
    verify: dict[int, list[float]] = field(default_factory=dict)
    stacks: dict[int, int] = field(default_factory=dict)
    plans: dict[int, dict[str, float]] = field(default_factory=dict)  # planned stacks: seconds
    inits: dict[int, list[float]] = field(default_factory=dict)
    plan_sum: dict[int, tuple[float, bool]] = field(default_factory=dict)  # (seconds, estimated)
    resynth_none: list[float] = field(default_factory=list)
    resynth_one: list[float] = field(default_factory=list)
    compared: int = 0  # files compared between cached and cold outputs
    mismatches: list[str] = field(default_factory=list)
    scale: Scale | None = None
    rollout: RolloutFigures | None = None
    applied: AppliedFigures | None = None


@dataclass
class Scale:
    environments: int
    stacks: int
    synth: float
    synth_memory: int
    verify: float = 0.0
    verify_memory: int = 0


def median(values: list[float]) -> float:
    return statistics.median(values)


def timings(command: list[str], repeat: int, env: dict[str, str] | None = None) -> list[float]:
    """Wall seconds of `repeat` runs after one warm-up run, which is not counted."""
    return [run(command, env)[0] for _ in range(repeat + 1)][1:]


def measure(figures: Figures, sizes: list[int], scale: int, workdir: Path, all_plans: bool, say) -> None:
    python = sys.executable
    figures.bare = timings([python, "-c", "import cdktf_cdktf_provider_aws"], figures.repeat)
    say(f"bare import: {median(figures.bare):.2f} s")
    for size in sizes:
        catalog = write_fleet(size, workdir / f"fleet-{size}.yaml")
        outdir = workdir / f"out-{size}"
        env = {"CDKTF_OUTDIR": str(outdir)}
        # --no-cache: every run here is a cold synthesis; the cache would turn the repeats into copies.
        synth = [python, "main.py", "--no-cache", "--catalog", str(workdir / f"fleet-{size}.yaml")]
        figures.synth[size] = times = timings(synth, figures.repeat, env)
        figures.memory[size] = run(synth, env, memory=True)[1]
        figures.plain[size] = [run([*synth, "--plain"], {"CDKTF_OUTDIR": str(workdir / f"plain-{size}")})[0]]
        figures.stacks[size] = len(list((outdir / "stacks").iterdir()))
        say(f"{size} environment(s), {figures.stacks[size]} stacks: synth {median(times):.2f} s, plain {figures.plain[size][0]:.2f} s, peak {figures.memory[size] / GIB:.2f} GiB")
        if size == CACHED_AT:
            resynthesis(figures, size, outdir, workdir, say)
        verify = [python, "main.py", "verify", "--outdir", str(outdir)]
        figures.verify[size] = timings(verify, figures.repeat)
        say(f"  verify {median(figures.verify[size]):.2f} s")
        separate_plans(figures, size, catalog, outdir, all_plans, say)
    if scale:
        large_fleet(figures, scale, workdir, say)


def resynthesis(figures: Figures, size: int, cold: Path, workdir: Path, say) -> None:
    """main.py through a cache of its own: filled once, then timed with nothing changed and
    after a one-environment edit; each cached output compared with a cold one."""
    python = sys.executable
    cached = workdir / f"cached-{size}"
    env = {"CDKTF_OUTDIR": str(cached), "ZEROETL_CACHE_DIR": str(workdir / "cache")}
    synth = [python, "main.py", "--catalog", str(workdir / f"fleet-{size}.yaml")]
    run(synth, env)  # fills the cache
    figures.resynth_none = timings(synth, figures.repeat, env)
    compare(figures, cold, cached)
    edited = workdir / f"fleet-{size}-edited.yaml"
    for edit in range(1, figures.repeat + 2):  # the first is the warm-up
        write_fleet(size, edited, edit=edit)
        figures.resynth_one.append(run([python, "main.py", "--catalog", str(edited)], env)[0])
    del figures.resynth_one[0]
    run([python, "main.py", "--no-cache", "--catalog", str(edited)], {"CDKTF_OUTDIR": str(workdir / f"cold-edited-{size}")})
    compare(figures, workdir / f"cold-edited-{size}", cached)
    say(f"  re-synthesis from the cache: none changed {median(figures.resynth_none):.2f} s, one changed {median(figures.resynth_one):.2f} s; {len(figures.mismatches)} file(s) differ from cold")


def compare(figures: Figures, cold: Path, cached: Path) -> None:
    """Record every file missing from either output or differing in a byte."""
    files = {root: {p.relative_to(root) for p in root.rglob("*") if p.is_file()} for root in (cold, cached)}
    both = files[cold] & files[cached]
    figures.compared += len(files[cold] | files[cached])
    figures.mismatches += [f"{cached}/{p}" for p in sorted(files[cold] ^ files[cached])]
    figures.mismatches += [f"{cached}/{p}" for p in sorted(both) if (cold / p).read_bytes() != (cached / p).read_bytes()]


def large_fleet(figures: Figures, size: int, workdir: Path, say) -> None:
    """One cold synthesis and one verification of a --scale fleet, each with its peak memory."""
    python = sys.executable
    path, outdir = workdir / f"fleet-{size}.yaml", workdir / f"out-{size}"
    write_fleet(size, path)
    seconds, memory = run([python, "main.py", "--no-cache", "--catalog", str(path)], {"CDKTF_OUTDIR": str(outdir)}, memory=True, every=0.5)
    figures.scale = Scale(environments=size, stacks=len(list((outdir / "stacks").iterdir())), synth=seconds, synth_memory=memory)
    say(f"{size} environments, {figures.scale.stacks} stacks: cold synth {seconds:.1f} s, peak {memory / GIB:.2f} GiB; verifying")
    figures.scale.verify, figures.scale.verify_memory = run([python, "main.py", "verify", "--outdir", str(outdir)], memory=True, every=0.5)
    say(f"  verify {figures.scale.verify:.1f} s, peak {figures.scale.verify_memory / GIB:.2f} GiB")


def separate_plans(figures: Figures, size: int, catalog: Catalog, outdir: Path, all_plans: bool, say) -> None:
    """terraform plan of each stack on its own (init first, timed apart), as the tests do."""
    stacks = {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in (outdir / "stacks").iterdir()}
    synth = Synthesized(catalog=catalog, outdir=outdir, stacks=stacks)
    envs = catalog.environments if all_plans or len(catalog.environments) <= PLAN_ALL_UP_TO else catalog.environments[:SAMPLED_ENVIRONMENTS]
    planned: dict[str, float] = {}
    inits: list[float] = []
    env = {"TF_IN_AUTOMATION": "1"}
    for environment in envs:
        for layer in Layer:
            name = stack_name(environment, layer)
            prepare_offline(synth, name)
            inits.append(run(["terraform", "init", "-input=false", "-no-color"], env, cwd=synth.stack_dir(name))[0])
            planned[name] = run(["terraform", "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false"], env, cwd=synth.stack_dir(name))[0]
            shutil.rmtree(synth.stack_dir(name) / ".terraform")  # only a link to the provider, but 400 of them
    figures.plans[size], figures.inits[size] = planned, inits
    if len(planned) == len(stacks):
        figures.plan_sum[size] = (sum(planned.values()), False)
    else:
        # Environment i has the shape i % 4 of the example fleet: estimate each stack by the
        # mean of the planned stacks of its shape and layer.
        shape_of = {stack_name(e, layer): (i % 4, layer) for i, e in enumerate(catalog.environments) for layer in Layer}
        by_shape: dict[tuple, list[float]] = defaultdict(list)
        for name, seconds in planned.items():
            by_shape[shape_of[name]].append(seconds)
        figures.plan_sum[size] = (sum(statistics.mean(by_shape[shape_of[name]]) for name in stacks), True)
    total, estimated = figures.plan_sum[size]
    say(f"  separate plans: {len(planned)} planned, sum {'~' if estimated else ''}{total:.1f} s")


def ratios(figures: Figures) -> dict[str, float]:
    bare = median(figures.bare)
    found = {}
    if 100 in figures.synth:
        found["synth_100"] = median(figures.synth[100]) / bare
        found["verify_100"] = median(figures.verify[100]) / figures.plan_sum[100][0]
        found["memory_100"] = figures.memory[100] / GIB
    if 1 in figures.synth:
        found["synth_1"] = median(figures.synth[1]) / bare
    if figures.resynth_none:
        found["resynth_none"] = median(figures.resynth_none) / bare
        found["resynth_one"] = median(figures.resynth_one) / bare
        found["mismatches"] = len(figures.mismatches)
    if figures.scale:
        if 100 in figures.verify:
            found["verify_scale"] = figures.scale.verify / median(figures.verify[100])
        found["scale_minutes"] = (figures.scale.synth + figures.scale.verify) / 60
        found["scale_synth_memory"] = figures.scale.synth_memory / GIB
        found["scale_verify_memory"] = figures.scale.verify_memory / GIB
    return found


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))

    def version(*command: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True)
        return (done.stdout or done.stderr).splitlines()[0] if done.returncode == 0 else "?"

    return [
        f"date        {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"machine     {platform.platform()}; {cpu}; {len(os.sched_getaffinity(0))} cores usable; {int(memory) / 1024**2:.1f} GiB",
        f"python      {platform.python_version()}; node {version(os.environ.get('JSII_NODE', 'node'), '--version')}; {version('terraform', 'version')}",
    ]


def report(figures: Figures) -> list[str]:
    lines = machine() + ["", f"medians of {figures.repeat} runs after a warm-up (plain path and separate plans: one run)", ""]
    lines.append(f"bare `import cdktf_cdktf_provider_aws`: {median(figures.bare):6.2f} s")
    lines.append("")
    lines.append(f"{'environments':>12} {'stacks':>6} {'synth':>8} {'plain':>8} {'peak PSS':>9} {'verify':>8} {'separate plans':>15}")
    for size in figures.synth:
        total, estimated = figures.plan_sum[size]
        plans = f"{'~' if estimated else ''}{total:.1f} s"
        lines.append(
            f"{size:>12} {figures.stacks[size]:>6} {median(figures.synth[size]):>6.2f} s {median(figures.plain[size]):>6.2f} s "
            f"{figures.memory[size] / GIB:>5.2f} GiB {median(figures.verify[size]):>6.2f} s {plans:>15}"
        )
        if estimated:
            lines.append(f"{'':>12} (~ estimated from {len(figures.plans[size])} planned stacks, by shape and layer; --all-plans plans all)")
    sizes = sorted(figures.synth)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        extra = figures.stacks[large] - figures.stacks[small]
        per_stack = lambda series: (median(series[large]) - median(series[small])) / extra * 1000  # noqa: E731
        all_plans = [s for size in sizes for s in figures.plans[size].values()]
        all_inits = [s for size in sizes for s in figures.inits[size]]
        lines += [
            "",
            f"per stack ({small} -> {large} environments): synth {per_stack(figures.synth):.0f} ms, plain {per_stack(figures.plain):.0f} ms, "
            f"verify {per_stack(figures.verify):.0f} ms; one separate plan {median(all_plans) * 1000:.0f} ms "
            f"(+ init {median(all_inits) * 1000:.0f} ms)",
        ]
    if figures.resynth_none:
        lines += [
            "",
            f"re-synthesis of {CACHED_AT} environments from the cache: none changed {median(figures.resynth_none):.2f} s, "
            f"one changed {median(figures.resynth_one):.2f} s; cached vs cold: {figures.compared} files compared, {len(figures.mismatches)} differ",
        ]
        lines += [f"  differs: {path}" for path in figures.mismatches[:10]]
    if figures.scale:
        big = figures.scale
        lines += [
            "",
            f"{big.environments} environments, {big.stacks} stacks (one run each): cold synth {big.synth:.1f} s (peak {big.synth_memory / GIB:.2f} GiB), "
            f"verify {big.verify:.1f} s (peak {big.verify_memory / GIB:.2f} GiB); together {(big.synth + big.verify) / 60:.1f} min",
        ]
    if figures.rollout:
        lines += ["", *figures.rollout.lines()]
    if figures.applied:
        lines += ["", *figures.applied.lines()]
    found = ratios(figures)
    lines += ["", "targets:"]
    for label, key, limit in TARGETS:
        if key in found:
            verdict = "ok" if found[key] <= limit else "MISSED"
            lines.append(f"  {label:<58} {found[key]:6.3f}  (<= {limit})  {verdict}")
    return lines


@click.command()
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True, help="Timed runs per measurement, after one warm-up.")
@click.option("--sizes", default="1,10,100", show_default=True, help="Fleet sizes in environments, comma separated.")
@click.option("--scale", type=click.IntRange(min=0), default=1000, show_default=True, help="Also synthesize and verify a fleet of this many environments once (0: skip).")
@click.option("--rollout", "rollout_size", type=click.IntRange(min=0), default=100, show_default=True, help="Also run the rollout workflow's pull request for one changed environment of a fleet this large under act (0: skip).")
@click.option("--applied/--no-applied", default=True, show_default=True, help="Also apply and re-plan the default catalog and the example fleet against the emulated AWS (~15 minutes).")
@click.option("--all-plans", is_flag=True, help="Plan every stack of every fleet on its own (~20 minutes at 100 environments).")
@click.option("--keep", type=click.Path(path_type=Path, file_okay=False), help="Work in this directory and keep it (default: a temporary one).")
def main(repeat: int, sizes: str, scale: int, rollout_size: int, applied: bool, all_plans: bool, keep: Path | None) -> None:
    """Measure synthesis and verification at fleet scale; print the figures and the ratios."""
    say = lambda line: click.echo(line, err=True)  # noqa: E731 - progress on stderr, the report on stdout
    figures = Figures(repeat=repeat)
    with tempfile.TemporaryDirectory(prefix="zeroetl-bench-") as scratch:
        workdir = keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            measure(figures, [int(s) for s in sizes.split(",") if s], scale, workdir, all_plans, say)
            if rollout_size:
                figures.rollout = measure_rollout(rollout_size, say)
            if applied:
                figures.applied = measure_applied(say)
        except Failed as exc:
            raise click.ClickException(str(exc)) from exc
    lines = report(figures)
    click.echo("\n".join(lines))
    if any("MISSED" in line for line in lines):
        sys.exit(1)


if __name__ == "__main__":
    main()
