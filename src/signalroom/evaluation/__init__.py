"""Measurements: benchmarks of the pipeline and the matcher, and (later) model evaluations."""
