"""Readers for the opt-out signals that already exist on the web, each mapped into the model."""
