"""Persistence: the Store contract (``base``) and its backends (``sqlite``; later ``postgres``)."""
