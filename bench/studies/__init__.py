"""Studies: one-off measurements, each run as `python -m bench.studies.<name>`."""
