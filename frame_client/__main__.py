"""`python -m frame_client`: the same as the `describe-frames` command."""

from .cli import main

raise SystemExit(main())
