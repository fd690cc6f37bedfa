"""The web layer: the JSON API, the live WebSocket, the console and the wall screens.

Build it with :func:`signalroom.web.app.create_app`. It talks to the rest of Signalroom only
through the ``Store`` and ``Broadcaster`` protocols and the shapes in ``signalroom.wire``; it
must never import a concrete backend (``service.py`` picks those).
"""
