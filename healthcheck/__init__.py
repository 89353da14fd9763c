"""healthcheck: the quarterly IT health check of a small or mid-size business.

Data flows one way: collect -> canonical datasets -> rules -> scores and cost ->
reports. See README.md for the `assessment.json` contract.
"""

__version__ = "0.1.0"

#: Version of the `assessment.json` contract; bump the major part on breaking changes.
SCHEMA_VERSION = "2.1"
