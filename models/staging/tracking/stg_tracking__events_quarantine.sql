{{ select_rejected_rows(ref('base_tracking__events_validated'), 'events') }}
