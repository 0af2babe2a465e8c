"""Stage 4, checks on what was synthesized: `cdktf.out/` or plans in, findings out.

- `verify.py`: every stack planned offline in roots of at most 200 stacks, with realistic upstream
  outputs (`upstream.py`);
- `plan_guard.py`: refuses plans that delete or replace stateful resources or integrations;
- `checkov.py`: runs checkov with the reviewed skip list.
"""
