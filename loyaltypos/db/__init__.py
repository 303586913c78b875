"""The database layer: the engine and its set-up, the models, the append-only guards,
the ledger's writes, numbering and the migrations. Services are its only users."""

from loyaltypos.db.engine import (
    ENV_DB,
    SCHEMA_HEAD,
    Database,
    database_url,
    default_db_path,
    migrate,
    open_database,
    schema_revision,
)

__all__ = ["ENV_DB", "SCHEMA_HEAD", "Database", "database_url", "default_db_path", "migrate",
           "open_database", "schema_revision"]
