"""Recorded traffic through the engine on simulated time (``skyaccord detect``/``replay``)."""
