"""Stage 4, checks on what was synthesized: `cdktf.out/` or plans in, findings out.

- `verify.py`: every stack planned offline in roots of at most 200 stacks, with realistic upstream
  outputs (`upstream.py`);
- `changes.py`: the stacks whose output differs from a base commit's, in wave order;
- `plan_guard.py`: refuses plans that delete or replace stateful resources or integrations;
- `pipeline.py`: the rollout workflow's plan, apply and summary steps (standard library only);
- `checkov.py`: runs checkov with the reviewed skip list;
- `iam_lint.py`: runs parliament over every policy document, with the reviewed findings.
"""
