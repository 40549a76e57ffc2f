"""Describe video frames for production teams with LLaVA-NeXT v1.6, as a RunPod serverless worker."""
