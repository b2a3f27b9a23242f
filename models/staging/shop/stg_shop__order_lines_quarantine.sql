{{ select_rejected_rows(ref('base_shop__order_lines_validated'), 'order_lines') }}
