"""Stage 2, rendering: a `Catalog` in, file texts out, all through one Jinja environment
(`templating.py`): each stack's variable file (`tfvars.py`) and each environment's runbook
and SQL (`runbook.py`). The rollout files are rendered by `zeroetl.rollout`."""
