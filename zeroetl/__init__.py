"""The zero-ETL product's Python side, in the four stages a catalog goes through:

1. `catalog/`: the catalog model, the AWS facts and naming rule it obeys, the fleet-wide
   rules, and the loader. Takes a YAML file; gives a validated `Catalog`, or one message per
   problem.
2. `render/` and `rollout/`: what Jinja renders from a catalog: each stack's variable file,
   each environment's runbook and SQL, the rollout waves and their workflow. Takes a
   `Catalog`; gives file texts.
3. `synth/`: synthesis. Takes a `Catalog`; gives `cdktf.out/` (the stacks built by worker
   processes from `stacks/`, plus the rendered files), written in one swap.
4. `checks/`: checks of what was synthesized: the offline fleet plan (`verify`), the plan
   guard, checkov. Takes `cdktf.out/` or plans; gives findings.

Dependencies point down this list only. Standard library only in this file and in each
stage's `__init__`: scripts/setup runs `zeroetl.synth.toolchain` before the virtualenv exists.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
