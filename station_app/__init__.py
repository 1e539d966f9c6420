"""Station app: offline-first records for community trade-union stations (社区工联会)."""

__version__ = "0.1.0"
