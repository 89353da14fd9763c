"""The rule catalogue and reference data, shipped as package data.

One ``<layer>.toml`` per layer holds the rules' metadata; the evaluators live
in :mod:`healthcheck.rules`. A test keeps the two one to one.
"""

#: Bump when a rule is added, removed or changes meaning.
CATALOG_VERSION = "2026.11"
