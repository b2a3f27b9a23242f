"""The dbt project as Dagster assets (dagster-dbt)."""
