"""The contract between the worker and its clients: the job input, the output and the failure codes.

Pure Python with no dependencies, so the worker, the Python client and the tests share one
definition: `job_input` declares every key a job may send, `output` builds and reads a job's
output, `codes` lists every failure code and whether trying again may help.
"""
