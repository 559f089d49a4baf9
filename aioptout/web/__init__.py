"""The web validator for publishers: ``aioptout serve`` (needs the ``web`` extra).

``create_app`` builds the ASGI application: the validator page, its JSON API (documented at
``/openapi.json``) and the specification at ``/spec``.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
