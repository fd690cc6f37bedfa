"""Connectors that yield raw items with resumable checkpoints (``base``), and the demo."""
