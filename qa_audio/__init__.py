"""qa-audio: quality assurance for recorded Mandarin customer-service calls."""

__version__ = "0.1.0"
