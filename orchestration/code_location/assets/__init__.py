"""The assets: raw files, the dbt project, static lists and the customers exports."""
