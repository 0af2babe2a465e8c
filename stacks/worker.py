"""One synthesis worker: `python -O -m stacks.worker OUTDIR`, with a pickled
(catalog, first, stop, credentials, bootstrap) on stdin, synthesizes environments[first:stop]
(and, with bootstrap, every account's bootstrap stack) into OUTDIR.

zeroetl/synth/run.py starts these to split a fleet over the cores. Each worker is made to start
and stop fast, and each trick leaves the output unchanged (tests/test_fast_path.py compares
it byte for byte with the plain, in-process path):
- -O (set by the parent) compiles out the bindings' `if __debug__:` runtime type checks
  (typeguard on every argument: 15-20% of a worker's build time here); the plain path keeps
  them and is tested.
- only the binding modules the stacks use are imported (stacks/bindings.py);
- cdktf's per-resource validations are skipped (stacks/app.py says why);
- the process ends with os._exit once node has written every file: the interpreter's
  teardown of thousands of jsii proxies is seconds of work whose result nobody reads. The
  exit handlers still run first (atexit._run_exitfuncs, CPython's own hook for them): jsii's
  stops node and removes the runtime it unpacked into a temporary directory.
"""

from __future__ import annotations

import atexit
import os
import pickle
import sys
from pathlib import Path


def main() -> None:
    outdir = Path(sys.argv[1])
    catalog, first, stop, credentials, bootstrap = pickle.load(sys.stdin.buffer)
    from stacks.bindings import register_bare_package

    register_bare_package()
    from stacks.app import synthesize

    # A failure raises and exits 1 with its traceback, the normal way; the parent reports it.
    synthesize(outdir, catalog, catalog.environments[first:stop], validate=False, credentials=credentials, bootstrap=bootstrap)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
