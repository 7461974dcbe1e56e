"""Storage: engines for SQLite and PostgreSQL, the declarative base, units of work, migrations."""

from qinglang.db.base import Base
from qinglang.db.engine import Database, check_database, create_database

__all__ = ["Base", "Database", "check_database", "create_database"]
