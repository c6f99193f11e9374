"""synthlab's ML CLI: train / predict / embed for sequence classification."""

__version__ = "0.1.0"
