"""The duty officer's console: static files served by the API server.

:func:`mount_console` adds to a FastAPI application:

* ``GET /`` — the console page (``static/index.html``), with a Content-Security-Policy that
  allows scripts from this server only (plus the page's own import map, by hash);
* ``/static/...`` — the console's own modules, styles and icons;
* ``/vendor/<package>/...`` — the few npm packages the console uses, each from one folder of
  ``node_modules`` installed from ``package-lock.json`` (see :data:`VENDOR`), never any other
  path.

The console needs no bundler: the page is plain ES modules and resolves the packages' bare
names (``d3-geo``…) with an import map.  Country borders come from ``world-atlas`` TopoJSON;
nothing is fetched from another host.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("skyaccord.web")

STATIC_DIR: Final = Path(__file__).parent / "static"

VENDOR: Final[dict[str, str]] = {
    "d3-geo": "dist",  # projections and spherical geometry (ISC)
    "d3-array": "dist",  # d3-geo's one dependency (ISC; bundles internmap)
    "topojson-client": "src",  # TopoJSON → GeoJSON (ISC)
    "world-atlas": "",  # Natural Earth country borders as TopoJSON (ISC)
}
"""npm package → the one folder inside it that is served under ``/vendor/<package>/``."""

_IMPORTMAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)


def node_modules_dir() -> Path:
    """Where the npm packages are: ``$SKYACCORD_NODE_MODULES`` or the repository's
    ``node_modules`` (installed by ``scripts/install-data.sh``)."""
    env = os.environ.get("SKYACCORD_NODE_MODULES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "node_modules"


def missing_packages(root: Path | None = None) -> list[str]:
    """The packages of :data:`VENDOR` that are not installed under ``root``."""
    base = root or node_modules_dir()
    return [name for name in VENDOR if not (base / name / "package.json").is_file()]


def _page() -> tuple[str, str]:
    """The console page and its Content-Security-Policy."""
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in _IMPORTMAP.findall(html)
    )
    csp = (
        "default-src 'self'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self' ws: wss:; media-src 'self' blob:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )
    return html, csp


def mount_console(app: FastAPI, node_modules: Path | None = None) -> None:
    """Serve the console at ``/`` with its files under ``/static`` and ``/vendor``.

    Routes are added, not a catch-all mount at ``/``, so API routes added later still match.
    A missing npm package is logged (the page then says the map library is not installed)
    and its ``/vendor`` path answers 404.
    """
    base = node_modules or node_modules_dir()
    html, csp = _page()
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    @app.get("/", include_in_schema=False)
    def console_page() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    missing = missing_packages(base)
    if missing:
        log.warning(
            "console: npm packages not installed in %s: %s (run scripts/install-data.sh)",
            base,
            ", ".join(missing),
        )
    for name, sub in VENDOR.items():
        if name in missing:
            continue
        app.mount(
            f"/vendor/{name}",
            StaticFiles(directory=base / name / sub if sub else base / name),
            name=f"vendor-{name}",
        )


__all__ = ["STATIC_DIR", "VENDOR", "missing_packages", "mount_console", "node_modules_dir"]
