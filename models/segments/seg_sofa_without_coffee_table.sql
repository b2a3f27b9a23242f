{{ segment_model() }}
