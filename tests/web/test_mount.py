"""mount_console: the page, its own files, and only the listed npm packages."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from skyaccord.api import create_app
from skyaccord.api.app import Services
from skyaccord.store import Store
from skyaccord.web import VENDOR, missing_packages, mount_console

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    store = Store(tmp_path / "s.db")
    store.upgrade()
    app = create_app(Services.build(store))
    mount_console(app)
    return TestClient(app)


def test_page_has_a_strict_content_security_policy(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'sha256-" in csp  # the import map, by hash
    assert "unsafe-inline" not in csp
    assert '<script type="importmap">' in r.text


def test_static_and_vendor_files_are_served(client: TestClient) -> None:
    assert not missing_packages(), "run scripts/install-data.sh (npm ci)"
    for path in (
        "/static/js/main.js",
        "/static/console.css",
        "/vendor/d3-geo/d3-geo.mjs",
        "/vendor/d3-array/d3-array.mjs",
        "/vendor/topojson-client/index.js",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        if path.endswith(("js", "mjs")):
            assert "javascript" in r.headers["content-type"], path
    r = client.get("/vendor/world-atlas/countries-50m.json")
    assert r.status_code == 200
    assert r.json()["type"] == "Topology"


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/commander/package.json",  # installed, but not listed
        "/vendor/d3-geo/../package.json",
        "/vendor/d3-geo/%2e%2e/package.json",
        "/vendor/world-atlas/../../pyproject.toml",
        "/static/../__init__.py",
        "/vendor/",
    ],
)
def test_nothing_else_is_served(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "skyaccord" not in r.text.lower() or r.headers["content-type"].startswith(
        "application/json"
    )


def test_api_routes_added_after_the_console_still_match(client: TestClient) -> None:
    app = client.app

    @app.get("/v1/late")  # type: ignore[union-attr]
    def late() -> dict[str, str]:
        return {"ok": "yes"}

    assert client.get("/v1/late").json() == {"ok": "yes"}
    assert client.get("/healthz").json() == {"status": "ok"}


def test_missing_packages_are_reported(tmp_path: Path) -> None:
    assert missing_packages(tmp_path) == list(VENDOR)
