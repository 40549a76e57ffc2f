"""Studies behind the docs' figures other than throughput: `python -m bench.studies.<name>`."""
