"""AutCloud: a production-grade AWS foundation from a sentence."""

__version__ = "0.1.0"
