"""Airspace data: protected sovereign airspace (country borders) and other reference volumes."""
