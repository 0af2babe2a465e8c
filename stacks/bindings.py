"""Import only the AWS binding modules the stacks use (the synthesis workers' fast start).

`import cdktf_cdktf_provider_aws.rds_cluster` first runs the package's __init__, and that
imports all ~2,100 resource modules: ~6 s of Python at start and seconds more of interpreter
teardown at exit, though the stacks use about 35 of them. register_bare_package() puts the
package in sys.modules without running its __init__; each `from cdktf_cdktf_provider_aws.x
import X` then loads module x and `.._jsii`, which loads the assembly into node exactly as the
full import does. The __init__ defines nothing the submodules use (each carries its own
check_type), so the objects built and the JSON synthesized are the same.

Only stacks/worker.py calls this; every other entry point imports the package normally.
"""

from __future__ import annotations

import importlib.util
import sys

PACKAGE = "cdktf_cdktf_provider_aws"


def register_bare_package() -> None:
    if PACKAGE in sys.modules:
        return  # already imported, bare or whole: nothing left to save
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{PACKAGE} is not installed as a package; run scripts/setup")
    sys.modules[PACKAGE] = importlib.util.module_from_spec(spec)
