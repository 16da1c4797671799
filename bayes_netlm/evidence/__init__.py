"""Evidence in: published summaries, count specifications and patient-level data."""
