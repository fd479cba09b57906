"""Scenarios as data (YAML + GeoJSON): parties, airspace, notice rules, operations, traffic."""
