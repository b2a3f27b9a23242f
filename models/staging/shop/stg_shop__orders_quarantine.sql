{{ select_rejected_rows(ref('base_shop__orders_validated'), 'orders') }}
