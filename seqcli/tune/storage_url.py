"""A --storage URL checked before any work: one line naming what is wrong with it (it does not
parse, its port is no port, SQLAlchemy knows no such database, its driver is missing or async,
its SQLite folder does not exist), not the SQLAlchemy text the first trial would raise."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from seqcli.errors import UsageError
from seqcli.extras import require

DATABASES = ("postgresql", "mysql", "sqlite", "oracle", "mssql")  # SQLAlchemy's own dialects
# The pip package that installs each driver module SQLAlchemy imports, where the names differ.
PACKAGES = {
    "psycopg": "'seqcli[postgres]'",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "mysql": "mysql-connector-python",
}
EXAMPLE = "e.g. postgresql://user@host/db or sqlite:///study.db"
# SQLite with no file: each connection gets its own empty database, so the study's tables
# vanish between the connections Optuna opens (and the results at the end are not found).
IN_MEMORY = re.compile(r"sqlite(\+\w+)?://(/(:memory:)?)?(\?.*)?")


def check_storage(url: str, where: str | None = None) -> None:
    """Refuse a storage URL Optuna could never open, naming where it came from (--storage)
    and what is wrong. open_storage calls it, so no path to a storage skips it."""
    where = where or f"--storage {shown_url(url)}"
    if IN_MEMORY.fullmatch(url):
        raise UsageError(
            f"{where}: an SQLite study in memory is lost between connections; name a file, as "
            "in sqlite:///study.db"
        )
    sqlalchemy = require("sqlalchemy", extra="tune", wanted_by="seqcli tune --storage")
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        raise UsageError(f"{where}: not a database URL; {EXAMPLE}") from None
    except ValueError:  # the port, read as int()
        raise UsageError(
            f"{where}: cannot read the host and port {_host_port(url)!r}; the port is a number "
            "and an IPv6 address goes in brackets, as in [::1]:5432"
        ) from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UsageError(f"{where}: port {parsed.port} is not a port (1-65535)")
    _check_driver(where, parsed, sqlalchemy)
    _check_sqlite_folder(where, parsed)


def _check_driver(where: str, parsed, sqlalchemy) -> None:
    try:
        dialect = parsed.get_dialect()
    except sqlalchemy.exc.NoSuchModuleError:
        close = difflib.get_close_matches(parsed.get_backend_name(), DATABASES, n=1)
        hint = f"; did you mean {close[0]}://?" if close else f"; {EXAMPLE}"
        raise UsageError(
            f"{where}: SQLAlchemy knows no database {parsed.drivername!r}{hint}"
        ) from None
    if getattr(dialect, "is_async", False):
        raise UsageError(
            f"{where}: {parsed.drivername} is an asyncio driver; Optuna needs a blocking one, "
            f"as in {parsed.get_backend_name()}://"
        )
    try:
        dialect.import_dbapi()
    except ImportError as err:
        module = (err.name or parsed.get_driver_name()).split(".")[0]
        package = PACKAGES.get(module, module)
        raise UsageError(
            f"{where}: its driver {module} is not installed; pip install {package}"
        ) from None


def _check_sqlite_folder(where: str, parsed) -> None:
    """SQLite creates the file, never its folder ("unable to open database file")."""
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    folder = Path(parsed.database).parent
    if not folder.is_dir():
        raise UsageError(f"{where}: no folder {folder} to hold the database; create it first")


def _host_port(url: str) -> str:
    """The host[:port] of a URL, after any user and password."""
    return url.partition("://")[2].partition("/")[0].rpartition("@")[2]


def shown_url(url: str) -> str:
    """The URL without its password: postgresql://user:...@host/db."""
    head, at, tail = url.rpartition("@")
    scheme, slashes, credentials = head.rpartition("//")
    user, colon, _ = credentials.partition(":")
    return f"{scheme}{slashes}{user}:...@{tail}" if at and colon else url
