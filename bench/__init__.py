"""Benchmarks (run by hand, never as timed tests): see bench/RESULTS.md."""
