"""Great Expectations suites for every mart, run by `make validate` and as Dagster asset checks."""
