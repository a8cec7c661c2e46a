"""Alembic environment: run on the connection :mod:`explorer.db.migrate` hands over."""

from alembic import context
from sqlalchemy import create_engine

from explorer.db.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the plain `alembic` command line, with sqlalchemy.url set
        with create_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()
