-- The SQL is segment_summary_query() (macros/segment_insights/), which
-- `dbt run-operation segment_summary_sql` also prints for one segment.
{{ segment_summary_query() }}
