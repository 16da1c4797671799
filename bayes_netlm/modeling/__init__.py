"""One module per model family; :mod:`.sampling` holds what they share (sample, check)."""
