"""Changes that move money or power need their audit line first; stamps follow the day.

0002 and 0005 guard the facts. The tables the services do change (users, cards,
customers, settings, the open business day) had no guard, so ``UPDATE users SET
role = 'manager'`` worked and left no trace. From here on:

- users: added only right after their ``user_add`` audit line (same name and role); a
  name, role or creation stamp never changes; a PIN hash changes only right after a
  ``user_pin`` line; never deleted. (The wrong-PIN counter and the lock stamp move
  freely: they grant nothing.)
- cards: a new card starts at zero balance and spend, active, unpinned (a replacement
  may carry its predecessor's pinned tier, named by the ``card_replace`` line); its
  number, creation stamp and day never change; its lineage is set once; its kind and
  holder change only right after ``card_register``, its status only to blocked after
  ``card_block`` or to replaced after ``card_replace``, its pinned tier only to what
  the newest ``card_pin_tier`` line says; never deleted.
- customers: their details change only right after a ``customer_change`` line naming
  the customer's id; never deleted.
- settings: written only right after a ``setting`` line with the same key and value;
  never deleted.
- the open business day: its date and opening stamp never change, and it closes only
  right after its ``day_close`` line.
- a sale, refund or ledger entry is never stamped before its business day opened.

"Right after" means the newest audit row (on PostgreSQL, the newest this transaction
wrote; on SQLite writers are serialised, so the newest row is this transaction's).

The migration also writes a ``baseline`` audit line for each existing user (role and a
fingerprint of the PIN hash) and setting (its value), so ``verify`` can compare what the
tables say with what the audit log says from the start.

Revision ID: 0006
Revises: 0005
"""

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STAMPED_TABLES = ("sales", "refunds", "ledger_entries")


def _fingerprint(pin_hash: str) -> str:
    # Frozen copy of loyaltypos.domain.people.pin_fingerprint.
    return hashlib.sha256(pin_hash.encode()).hexdigest()[:16]


def _baseline() -> None:
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for name, role, pin_hash in bind.execute(sa.text("SELECT name, role, pin_hash FROM users "
                                                     "ORDER BY id")):
        rows.append({"action": "user_baseline", "target": name,
                     "detail": json.dumps({"role": role, "pin": _fingerprint(pin_hash)})})
    for key, value in bind.execute(sa.text("SELECT key, value FROM settings ORDER BY key")):
        rows.append({"action": "setting_baseline", "target": key,
                     "detail": json.dumps({"value": value}, ensure_ascii=False)})
    for row in rows:
        bind.execute(sa.text("INSERT INTO audit_log (user_id, action, target, detail, created_at)"
                             " VALUES (NULL, :action, :target, :detail, :now)"),
                     {**row, "now": now})


# ------------------------------------------------------------------------------ SQLite

def _newest(action: str, target: str, also: str = "") -> str:
    """SQL: the newest audit row is ``action`` on ``target`` (and ``also`` holds)."""
    return ("EXISTS (SELECT 1 FROM (SELECT action, target, detail FROM audit_log "
            "ORDER BY id DESC LIMIT 1) AS a "
            f"WHERE a.action = '{action}' AND a.target IS {target}{also})")


def _changed(*columns: str) -> str:
    return "(" + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns) + ")"


def _trigger(name: str, when: str, table: str, condition: str, message: str) -> None:
    op.execute(f"CREATE TRIGGER {name} {when} ON {table} WHEN {condition} "
               f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def _never_deleted(table: str, what: str) -> None:
    op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
               f"BEGIN SELECT RAISE(ABORT, '{what} are never deleted'); END")


SQLITE_TRIGGERS = (
    "users_add_audited", "users_change_audited", "users_no_delete",
    "cards_new_clean", "cards_change_audited", "cards_no_delete",
    "customers_change_audited", "customers_no_delete",
    "settings_add_audited", "settings_change_audited", "settings_no_delete",
    "business_days_open_fixed",
    *(f"{t}_after_opening" for t in STAMPED_TABLES),
)


def _sqlite() -> None:
    role = " AND json_extract(a.detail, '$.role') IS NEW.role"
    _trigger("users_add_audited", "BEFORE INSERT", "users",
             "NOT " + _newest("user_add", "NEW.name", role),
             "a user is added only with its user_add audit line")
    _trigger("users_change_audited", "BEFORE UPDATE", "users",
             _changed("id", "name", "role", "created_at")
             + " OR (NEW.pin_hash IS NOT OLD.pin_hash AND NOT "
             + _newest("user_pin", "OLD.name") + ")",
             "a user keeps their name and role; a PIN changes only with its user_pin line")
    _never_deleted("users", "users")

    carried = ("json_extract(a.detail, '$.new') IS NEW.number "
               "AND json_extract(a.detail, '$.tier') IS NEW.pinned_tier")
    replacing = ("EXISTS (SELECT 1 FROM (SELECT action, detail FROM audit_log "
                 "ORDER BY id DESC LIMIT 1) AS a "
                 f"WHERE a.action = 'card_replace' AND {carried})")
    _trigger("cards_new_clean", "BEFORE INSERT", "cards",
             "NEW.balance != 0 OR NEW.spend != 0 OR NEW.status IS NOT 'active' "
             "OR NEW.replaced_by_id IS NOT NULL "
             f"OR (NEW.pinned_tier IS NOT NULL AND NOT {replacing})",
             "a new card starts empty, active and unpinned")
    tier = " AND json_extract(a.detail, '$.tier') IS NEW.pinned_tier"
    _trigger("cards_change_audited", "BEFORE UPDATE", "cards",
             _changed("id", "number", "created_at", "day_id")
             + " OR (NEW.lineage_id IS NOT OLD.lineage_id AND OLD.lineage_id IS NOT NULL)"
             + " OR (" + _changed("kind", "customer_id") + " AND NOT "
             + _newest("card_register", "OLD.number") + ")"
             + " OR (NEW.status IS NOT OLD.status AND NOT ("
             + "(NEW.status = 'blocked' AND " + _newest("card_block", "OLD.number") + ") OR "
             + "(NEW.status = 'replaced' AND " + _newest("card_replace", "OLD.number") + ")))"
             + " OR (NEW.replaced_by_id IS NOT OLD.replaced_by_id AND NOT "
             + _newest("card_replace", "OLD.number") + ")"
             + " OR (NEW.pinned_tier IS NOT OLD.pinned_tier AND NOT "
             + _newest("card_pin_tier", "OLD.number", tier) + ")",
             "a card changes only with its audit line")
    _never_deleted("cards", "cards")

    _trigger("customers_change_audited", "BEFORE UPDATE", "customers",
             _changed("id", "name", "phone", "email", "birthday", "marketing_consent",
                      "created_at")
             + " AND NOT " + _newest("customer_change", "CAST(OLD.id AS TEXT)"),
             "a customer changes only with a customer_change audit line")
    _never_deleted("customers", "customers")

    value = " AND json_extract(a.detail, '$.value') IS NEW.value"
    _trigger("settings_add_audited", "BEFORE INSERT", "settings",
             "NOT " + _newest("setting", "NEW.key", value),
             "a setting is written only with its audit line")
    _trigger("settings_change_audited", "BEFORE UPDATE", "settings",
             "NEW.key IS NOT OLD.key OR NOT " + _newest("setting", "NEW.key", value),
             "a setting is written only with its audit line")
    _never_deleted("settings", "settings")

    _trigger("business_days_open_fixed", "BEFORE UPDATE", "business_days",
             "OLD.closed_at IS NULL AND (" + _changed("id", "business_date", "opened_at")
             + " OR (NEW.closed_at IS NULL AND (NEW.closed_by IS NOT NULL "
             "OR NEW.z_number IS NOT NULL OR NEW.z_report IS NOT NULL))"
             " OR (NEW.closed_at IS NOT NULL AND NOT "
             + _newest("day_close", "OLD.business_date") + "))",
             "an open business day keeps its date and opening, and closes with its audit line")
    for table in STAMPED_TABLES:
        _trigger(f"{table}_after_opening", "BEFORE INSERT", table,
                 "NEW.created_at < (SELECT opened_at FROM business_days WHERE id = NEW.day_id)",
                 f"{table} rows are never stamped before their business day opened")


# -------------------------------------------------------------------------- PostgreSQL

PG_FUNCTIONS = ("loyaltypos_newest_audit", "loyaltypos_guard_users", "loyaltypos_guard_cards",
                "loyaltypos_guard_customers", "loyaltypos_guard_settings",
                "loyaltypos_guard_open_day", "loyaltypos_after_opening",
                "loyaltypos_never_deleted")


def _postgresql() -> None:
    # The newest audit row this transaction wrote (xmin is the writer's 32-bit xid).
    op.execute(
        "CREATE FUNCTION loyaltypos_newest_audit(want_action text, want_target text) "
        "RETURNS jsonb AS $$ SELECT CASE WHEN a.action = want_action "
        "AND a.target IS NOT DISTINCT FROM want_target "
        "THEN COALESCE(a.detail::jsonb, '{}'::jsonb) END FROM audit_log a "
        "WHERE a.xmin::text = (pg_current_xact_id()::text::numeric % 4294967296)::text "
        "ORDER BY a.id DESC LIMIT 1 $$ LANGUAGE sql STABLE"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_never_deleted() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_guard_users() RETURNS trigger AS $$ DECLARE d jsonb; BEGIN "
        "IF TG_OP = 'INSERT' THEN d := loyaltypos_newest_audit('user_add', NEW.name); "
        "IF d IS NULL OR d->>'role' IS DISTINCT FROM NEW.role THEN RAISE EXCEPTION "
        "'a user is added only with its user_add audit line'; END IF; RETURN NEW; END IF; "
        "IF (NEW.id, NEW.name, NEW.role, NEW.created_at) IS DISTINCT FROM "
        "(OLD.id, OLD.name, OLD.role, OLD.created_at) OR (NEW.pin_hash IS DISTINCT FROM "
        "OLD.pin_hash AND loyaltypos_newest_audit('user_pin', OLD.name) IS NULL) THEN "
        "RAISE EXCEPTION 'a user keeps their name and role; a PIN changes only with its "
        "user_pin line'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_guard_cards() RETURNS trigger AS $$ DECLARE d jsonb; BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        "IF NEW.balance <> 0 OR NEW.spend <> 0 OR NEW.status <> 'active' "
        "OR NEW.replaced_by_id IS NOT NULL THEN "
        "RAISE EXCEPTION 'a new card starts empty, active and unpinned'; END IF; "
        "IF NEW.pinned_tier IS NOT NULL THEN "
        "SELECT COALESCE(a.detail::jsonb, '{}'::jsonb) INTO d FROM audit_log a "
        "WHERE a.action = 'card_replace' "
        "AND a.xmin::text = (pg_current_xact_id()::text::numeric % 4294967296)::text "
        "ORDER BY a.id DESC LIMIT 1; "
        "IF d IS NULL OR d->>'new' IS DISTINCT FROM NEW.number "
        "OR d->>'tier' IS DISTINCT FROM NEW.pinned_tier THEN "
        "RAISE EXCEPTION 'a new card starts empty, active and unpinned'; END IF; END IF; "
        "RETURN NEW; END IF; "
        "IF (NEW.id, NEW.number, NEW.created_at, NEW.day_id) IS DISTINCT FROM "
        "(OLD.id, OLD.number, OLD.created_at, OLD.day_id) "
        "OR (NEW.lineage_id IS DISTINCT FROM OLD.lineage_id AND OLD.lineage_id IS NOT NULL) "
        "OR ((NEW.kind, NEW.customer_id) IS DISTINCT FROM (OLD.kind, OLD.customer_id) "
        "AND loyaltypos_newest_audit('card_register', OLD.number) IS NULL) "
        "OR (NEW.status IS DISTINCT FROM OLD.status AND NOT COALESCE("
        "(NEW.status = 'blocked' AND loyaltypos_newest_audit('card_block', OLD.number) "
        "IS NOT NULL) OR (NEW.status = 'replaced' AND "
        "loyaltypos_newest_audit('card_replace', OLD.number) IS NOT NULL), false)) "
        "OR (NEW.replaced_by_id IS DISTINCT FROM OLD.replaced_by_id AND "
        "loyaltypos_newest_audit('card_replace', OLD.number) IS NULL) THEN "
        "RAISE EXCEPTION 'a card changes only with its audit line'; END IF; "
        "IF NEW.pinned_tier IS DISTINCT FROM OLD.pinned_tier THEN "
        "d := loyaltypos_newest_audit('card_pin_tier', OLD.number); "
        "IF d IS NULL OR d->>'tier' IS DISTINCT FROM NEW.pinned_tier THEN "
        "RAISE EXCEPTION 'a card changes only with its audit line'; END IF; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_guard_customers() RETURNS trigger AS $$ BEGIN "
        "IF (NEW.id, NEW.name, NEW.phone, NEW.email, NEW.birthday, NEW.marketing_consent, "
        "NEW.created_at) IS DISTINCT FROM (OLD.id, OLD.name, OLD.phone, OLD.email, "
        "OLD.birthday, OLD.marketing_consent, OLD.created_at) AND "
        "loyaltypos_newest_audit('customer_change', OLD.id::text) IS NULL THEN "
        "RAISE EXCEPTION 'a customer changes only with a customer_change audit line'; "
        "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_guard_settings() RETURNS trigger AS $$ DECLARE d jsonb; "
        "BEGIN d := loyaltypos_newest_audit('setting', NEW.key); "
        "IF (TG_OP = 'UPDATE' AND NEW.key IS DISTINCT FROM OLD.key) OR d IS NULL "
        "OR d->>'value' IS DISTINCT FROM NEW.value THEN "
        "RAISE EXCEPTION 'a setting is written only with its audit line'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_guard_open_day() RETURNS trigger AS $$ BEGIN "
        "IF OLD.closed_at IS NULL AND ((NEW.id, NEW.business_date, NEW.opened_at) "
        "IS DISTINCT FROM (OLD.id, OLD.business_date, OLD.opened_at) "
        "OR (NEW.closed_at IS NULL AND (NEW.closed_by IS NOT NULL OR NEW.z_number IS NOT NULL "
        "OR NEW.z_report IS NOT NULL)) OR (NEW.closed_at IS NOT NULL AND "
        "loyaltypos_newest_audit('day_close', OLD.business_date::text) IS NULL)) THEN "
        "RAISE EXCEPTION 'an open business day keeps its date and opening, and closes with "
        "its audit line'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION loyaltypos_after_opening() RETURNS trigger AS $$ BEGIN "
        "IF NEW.created_at < (SELECT opened_at FROM business_days WHERE id = NEW.day_id) THEN "
        "RAISE EXCEPTION '% rows are never stamped before their business day opened', "
        "TG_TABLE_NAME; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    for table, function, events in (
        ("users", "loyaltypos_guard_users", "INSERT OR UPDATE"),
        ("cards", "loyaltypos_guard_cards", "INSERT OR UPDATE"),
        ("customers", "loyaltypos_guard_customers", "UPDATE"),
        ("settings", "loyaltypos_guard_settings", "INSERT OR UPDATE"),
        ("business_days", "loyaltypos_guard_open_day", "UPDATE"),
    ):
        op.execute(f"CREATE TRIGGER {table}_audited BEFORE {events} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {function}()")
    for table in ("users", "cards", "customers", "settings"):
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION loyaltypos_never_deleted()")
    for table in STAMPED_TABLES:
        op.execute(f"CREATE TRIGGER {table}_after_opening BEFORE INSERT ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION loyaltypos_after_opening()")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _baseline()
    if dialect == "sqlite":
        _sqlite()
    elif dialect == "postgresql":
        _postgresql()
    else:
        raise RuntimeError(f"no guards written for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table in ("users", "cards", "customers", "settings", "business_days"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_audited ON {table}")
        for table in ("users", "cards", "customers", "settings"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
        for table in STAMPED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_after_opening ON {table}")
        for function in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    # The baseline audit lines stay: audit rows are facts.
