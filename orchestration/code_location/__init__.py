"""The Dagster code location: `dagster dev -m orchestration.code_location.definitions` (`make dagster`)."""
