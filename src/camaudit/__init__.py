"""camaudit: audit the surveillance equipment on a network."""

__version__ = "0.1.0"
