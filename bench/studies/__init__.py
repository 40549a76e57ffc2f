"""One-off studies behind the documentation's figures, apart from the throughput benchmark.

Each measures one change, before and after, on a CPU with the tiny random models, and prints
what the docs quote. Run from the repository root:

- `python -m bench.studies.decode_memory`: peak memory that decoding one large frame adds,
  per image mode, each in a fresh process.
- `python -m bench.studies.fairness`: how long a small base64 job waits behind another job's
  dripping URLs.
- `python -m bench.studies.fields_overhead`: what the fields grammar costs per decoding step,
  and how often its rows parse.
- `python -m bench.studies.measure_cost`: what each measurement (OCR, palette, exposure) costs per
  frame on the CPU, and how many lines the OCR reads exactly; `--worker N`: the whole worker's
  frames per second with and without `measure`.
- `python -m bench.studies.outage`: what a short outage of the endpoint costs a client run
  (`--client-root DIR` measures an older client against the same worker).
- `python -m bench.studies.hostile_input`: how long and with which code misbehaving frame
  servers (dripping, broken HTTP) fail their frame.
- `python -m bench.studies.scenes`: cuts at the video's rate against cuts on 1-fps samples,
  camera-motion labels, and the client's CPU per minute of 1080p video.
- `python -m bench.studies.measure_cost`: seconds per frame of each measurement on the CPU.

The throughput benchmark itself is `python -m bench` (`bench/cli.py` and the modules it uses).
"""
