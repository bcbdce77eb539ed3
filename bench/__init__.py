"""Benchmarks: `python -m bench` prints the tables and writes bench/results.json."""
