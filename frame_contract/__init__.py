"""The contract between the worker and its clients: the job input, the output, the failure codes
and the client policy.

Pure Python with no dependencies, so the worker, the Python client and the tests share one
definition: `job_input` declares every key a job may send, `output` builds and reads a job's
output, `codes` lists every failure code and whether trying again may help, `policy` says what a
client retries, how long it waits and its defaults. Generated from them: the JSON Schemas
(`schema`, into `schemas/`), the TypeScript client's constants (`typescript`) and the tables of
docs/client-policy.md (`policy_doc`). `scenarios/` holds the conformance scenarios both clients run.
"""
