"""The contract between the worker and its clients: the output shape and the failure codes.

Pure Python with no dependencies, so the worker, the Python client and the tests share one
definition: `output` builds and reads a job's output, `codes` lists every failure code and
whether trying again may help.
"""
