"""The shared library: what the Dagster code location and the command-line tools both use (the
warehouse and its lock, the raw contract and encodings, the seeds' enumerations, the quality suites)."""
