{{ select_rejected_rows(ref('base_shop__products_validated'), 'products') }}
