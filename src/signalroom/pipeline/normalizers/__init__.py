"""Normalizers of the connectors with their own payload shapes: one module per source kind.

Each turns a RawItem of its kind into a Post, or raises RejectError with a precise reason.
They are registered in ``pipeline.normalize.normalizers()``; they never do I/O or read the clock.
"""
