"""The study's analyses wired together: published numbers, patient data (no I/O)."""
