"""Mutation testing (scripts/mutation): mutmut changes the modules whose mistakes lose data
or open access one small edit at a time, and the tests must notice each change. `scope` picks
the tests each mutant runs against, `score` reports per module and holds the reviewed list of
mutants that cannot be noticed because they change nothing."""
