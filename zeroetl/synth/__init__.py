"""Stage 3, synthesis: a `Catalog` in, `cdktf.out/` out.

- `run.py`: renders the files, runs the worker processes that build the stacks
  (stacks/worker.py), and swaps the result in at the end;
- `manifest.py`: merges the workers' manifests in cdktf's own format;
- `toolchain.py`: points Terraform at the provider (mirror or registry) and checks its version.
"""
