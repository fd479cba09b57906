"""HTTP API (FastAPI) under ``/v1``; OpenAPI at ``/openapi.json`` is the contract."""

from skyaccord.api.app import create_app

__all__ = ["create_app"]
