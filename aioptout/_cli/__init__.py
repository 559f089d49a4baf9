"""Command implementations; each module exposes ``register(app)``."""
