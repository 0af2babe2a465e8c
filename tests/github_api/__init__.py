"""A stand-in for GitHub's REST API behind the GitHub CLI (`gh api`), for the tests of
`main.py github-environments` (tests/test_github_environments.py): `gh` here answers from a
JSON file (ZEROETL_FAKE_GH_STATE) as GitHub would, and records every call in it."""
