"""What the tests, the benchmark and `scripts/run.sh --tiny` build on: no test lives here.

Tiny random checkpoints of every model family (`tiny_model`, `tiny_families`, `tiny_parts`,
`tiny_tokenizer`, `fields_model`, `real_processors`), the full-size architectures on the meta
device (`meta`), generated frames, text frames and clips (`images`, `hostile_frames`,
`text_frames`, `clips`), loopback servers that serve and misbehave (`frame_server`,
`client_proxy`, `scripted_endpoint`, the last two on `loopback`), the worker's local API
(`local_api`), the installed command (`commands`), headless chromium (`browser`) and the
client's fast options (`client_support`).
"""
