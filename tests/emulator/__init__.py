"""An emulated AWS for the tests: moto's server (moto[server], pinned in the Pipfile's dev
packages) on a loopback port, with the additions in `additions/` for what moto lacks, each
recording the calls it receives. `fixture.Emulator` starts and stops it; `__main__` is the
process it runs."""
