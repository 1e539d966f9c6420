"""Alembic environment: run from code by ``station_app.storage.migrate``.

The caller hands its open connection in ``config.attributes["connection"]``; the command
line (``alembic -x url=...``) is supported for developers writing new revisions.
"""

from alembic import context
from sqlalchemy import create_engine

from station_app.domain.models import Base, use_dialect

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    use_dialect(connection.dialect.name)  # the models' options for this database
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
