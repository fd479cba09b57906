"""skyaccord: airspace deconfliction between independent parties."""

__version__ = "0.1.0"
