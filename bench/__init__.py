"""Throughput benchmark of the frame describer: `python -m bench` (see `bench/cli.py`).

The one-off studies behind the docs' other figures live in `bench.studies`, each runnable as
`python -m bench.studies.<name>`.
"""
