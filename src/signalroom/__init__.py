"""Signalroom: a self-hosted social media command center.

Listens to public social media and news for the topics a brand cares about, understands
what it hears, and shows it live on wall screens. See ``docs/`` for the user guide.
"""

__version__ = "0.1.0"
