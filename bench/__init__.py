"""Benchmarks (bench/): see docs/benchmarks.md."""
