"""Alembic environment: the engine comes from the program, never from a config file.

On SQLite, foreign keys are off while the migrations run (the pragma cannot change inside
a transaction, so it is set before the migrations' transaction begins) and checked whole
before the transaction commits: a migration that rebuilds a table (0012) copies rows a
foreign key points at, which the checks would refuse half-way though nothing ends broken.
"""

from alembic import context

from loyaltypos.db.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
