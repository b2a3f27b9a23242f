{{ select_rejected_rows(ref('base_crm__contact_tags_validated'), 'contact_tags') }}
