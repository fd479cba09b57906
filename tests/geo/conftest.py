"""Hypothesis profiles for the geometry tests, chosen with HYPOTHESIS_PROFILE.

* unset: the default counts, about 30 s of CPU for the whole of ``tests/geo``;
* ``geo-quick``: a fifth of the examples, for a fast edit–test loop;
* ``geo-thorough``: ten times the examples (a few minutes), e.g. nightly or after touching
  ``skyaccord.geo``.

Every test sets ``deadline=None`` (the brute-force reference is slow by design); counts go
through :func:`tests.geo.strategies.examples`, which applies the scale.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("geo-quick", deadline=None)
settings.register_profile("geo-thorough", deadline=None, print_blob=True)
if os.environ.get("HYPOTHESIS_PROFILE") in ("geo-quick", "geo-thorough"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
