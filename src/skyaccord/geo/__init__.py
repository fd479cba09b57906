"""Geometry core: frames, 4D volumes, validation, exact intersection and cell coverings.

Positions are WGS84 latitude/longitude in degrees at the edges; relative geometry is computed
on unit vectors and in Earth-centred or local tangent frames, so it holds at the antimeridian
and at the poles.
"""
