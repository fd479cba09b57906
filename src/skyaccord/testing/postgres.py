"""A throwaway PostgreSQL server from Debian's ``postgresql`` package, for tests and benchmarks.

:func:`postgres_server` runs ``initdb`` into a temporary directory and starts ``postgres`` on a
free loopback port; as root it runs the server as the ``postgres`` user (PostgreSQL refuses
root).  Set ``SKYACCORD_TEST_PG_URL`` to use an existing server instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    return bool(os.environ.get("SKYACCORD_TEST_PG_URL")) or _bindir() is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a ``postgresql://`` URL of a fresh, empty database; stops the server afterwards."""
    url = os.environ.get("SKYACCORD_TEST_PG_URL")
    if url:
        yield url
        return
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    tmp = Path(tempfile.mkdtemp(prefix="skyaccord-pg-"))
    data = tmp / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
        tmp.chmod(0o700)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    log = tmp / "server.log"
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "skyaccord",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    opts = (
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=on -c max_connections=200 -c shared_buffers=256MB "
        "-c max_pred_locks_per_transaction=256"
    )
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            opts,
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        deadline = time.time() + 30
        while True:
            r = subprocess.run(
                [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True,
            )
            if r.returncode == 0:
                break
            if time.time() > deadline:
                raise RuntimeError(f"PostgreSQL did not start: {log.read_text()}")
            time.sleep(0.1)
        subprocess.run(
            [
                str(bindir.parent / "bin" / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "skyaccord",
                "skyaccord",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://skyaccord@127.0.0.1:{port}/skyaccord"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_database(url: str, name: str, template: str | None = None) -> str:
    """Creates database ``name`` on the server at ``url`` (dropping an old one), optionally as a
    copy of database ``template`` (fast: no migrations to run); returns its URL."""
    import sqlalchemy as sa

    from skyaccord.store.db import normalize_url

    engine = sa.create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name
