"""Benchmark of kg-builder (issue 7): a reproducible synthetic corpus and a runner.

Not part of the installed package: run from a checkout (``python -m bench.run --help``).
"""
