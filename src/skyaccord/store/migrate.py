"""Schema migrations with Alembic, driven from Python (``skyaccord db upgrade``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

if TYPE_CHECKING:
    from skyaccord.store.db import Store


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "skyaccord.store:migrations")
    return cfg


def upgrade(store: Store, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` in one transaction."""
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
