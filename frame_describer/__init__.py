"""Describe video frames for production teams with open vision-language models, as a RunPod
serverless worker: LLaVA-NeXT (the default) and seven other families (`families.py`).

A job's way through: `handler.py` hands the input to `job_input.parse_job`, which resolves it
once into a `JobRequest`; `worker.Worker.run_job` fetches (`sources`, `download`), decodes
(`decode`) and prepares (`preprocess`) each frame and hands it to the shared `engine`, whose
batches `generation` runs on the GPU; `response.job_output` shapes the outcomes as
`frame_contract.output` has it.
"""
