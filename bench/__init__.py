"""Throughput benchmark of the frame describer: `python -m bench` (see `bench/cli.py`)."""
