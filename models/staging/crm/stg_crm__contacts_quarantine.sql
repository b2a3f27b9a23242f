{{ select_rejected_rows(ref('base_crm__contacts_validated'), 'contacts') }}
