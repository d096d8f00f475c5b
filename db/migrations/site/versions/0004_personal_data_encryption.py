"""personal fields encrypted at rest

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 06:00:00

The applicant's ID number, phone and address in `case` become authenticated-encryption envelopes
(`db.crypto`: v1:<sm4gcm|aes256gcm>:<key id>:<nonce>:<ciphertext>), so the columns widen to TEXT;
`applicant_id_hash` (keyed hash of the ID number) is added for lookups.

Existing plain rows are converted here, which needs the site's keys: OneWindow passes its field
cipher as `config.attributes["field_cipher"]`. Without keys, a database that holds plain personal
data is refused with one line (an empty or already-encrypted one upgrades without keys). Every
converted case gets a new row_version and outbox snapshot, so the centre's plain copy is replaced
by ciphertext at the next sync; the local outbox's old snapshots are encrypted in place. On SQLite
freed pages are zeroed (secure_delete) so the old plain text does not linger in the file.

Downgrade decrypts back to plain text when the keys are given and refuses otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from db.base import UTCDateTime
from db.crypto import FieldCipher, is_envelope
from db.migrate import UpgradeRefused

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("applicant_id_number", "applicant_phone", "applicant_address")
PLAIN_LENGTHS = {"applicant_id_number": 18, "applicant_phone": 20, "applicant_address": 200}


class KeysRequired(UpgradeRefused):
    pass


def _cipher() -> FieldCipher | None:
    cipher = context.config.attributes.get("field_cipher")
    return cipher if isinstance(cipher, FieldCipher) else None


def _column(name: str) -> str:
    return f"case.{name}"  # the associated data db.crypto binds each value to


def _id_hash(cipher: FieldCipher, id_number: str) -> str:
    return cipher.lookup_hash(id_number) if id_number else ""


def _secure_delete(bind: sa.engine.Connection) -> None:
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA secure_delete = ON")


def _jsonable(value: Any) -> Any:
    from db.outbox import jsonable

    return jsonable(value)


def upgrade() -> None:
    bind = op.get_bind()
    case = sa.table("case", sa.column("id", sa.Uuid()), *(sa.column(f, sa.Text()) for f in FIELDS))
    plain = [
        row
        for row in bind.execute(sa.select(case)).mappings()
        if any(row[f] and not is_envelope(row[f]) for f in FIELDS)
    ]
    cipher = _cipher()
    if plain and cipher is None:
        raise KeysRequired(
            f"{len(plain)} cases hold personal data in plain text and the upgrade must encrypt them, "
            "but no keys were given: run `main.py secrets init` for this site, then `main.py db upgrade`"
        )
    _secure_delete(bind)
    with op.batch_alter_table("case", schema=None) as batch_op:
        for name in FIELDS:
            batch_op.alter_column(
                name,
                existing_type=sa.String(length=PLAIN_LENGTHS[name]),
                type_=sa.Text(),
                existing_nullable=False,
            )
        batch_op.add_column(
            sa.Column("applicant_id_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_case_applicant_id_hash"), ["applicant_id_hash"], unique=False)
    if not plain:
        return
    assert cipher is not None
    _encrypt_rows(bind, cipher, [row["id"] for row in plain])


def _case_as_stored(bind: sa.engine.Connection) -> sa.TableClause:
    """`case` with the types the models give its values (reflection sees SQLite's UUIDs as CHAR and
    its datetimes as naive), so the new snapshots look exactly like the outbox's own."""
    columns = []
    for col in sa.inspect(bind).get_columns("case"):
        name, kind = col["name"], col["type"]
        if name == "id" or name.endswith("_id"):
            kind = sa.Uuid()
        elif isinstance(kind, sa.DateTime):
            kind = UTCDateTime()
        columns.append(sa.column(name, kind))
    return sa.table("case", *columns)


def _encrypt_rows(bind: sa.engine.Connection, cipher: FieldCipher, ids: list[uuid.UUID]) -> None:
    case = _case_as_stored(bind)
    outbox = sa.table(
        "sync_outbox",
        sa.column("seq", sa.Integer()),
        sa.column("site_id", sa.Uuid()),
        sa.column("channel", sa.String()),
        sa.column("table_name", sa.String()),
        sa.column("row_id", sa.Uuid()),
        sa.column("row_version", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("created_at", UTCDateTime()),
    )
    for case_id in ids:
        row = dict(bind.execute(sa.select(case).where(case.c.id == case_id)).mappings().one())
        values = {
            f: cipher.encrypt(row[f], _column(f)) if not is_envelope(row[f]) else row[f] for f in FIELDS
        }
        id_plain = row["applicant_id_number"] if not is_envelope(row["applicant_id_number"]) else ""
        values["applicant_id_hash"] = _id_hash(cipher, id_plain)
        values["row_version"] = int(row["row_version"]) + 1
        bind.execute(sa.update(case).where(case.c.id == case_id).values(**values))
        row.update(values)
        # A new snapshot replaces the centre's plain copy at the next sync.
        bind.execute(
            sa.insert(outbox).values(
                site_id=row["site_id"],
                channel="cases",
                table_name="case",
                row_id=case_id,
                row_version=values["row_version"],
                payload={k: _jsonable(v) for k, v in row.items()},
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    # Earlier snapshots (sent or not) keep no plain personal data either.
    for seq, payload in bind.execute(
        sa.select(outbox.c.seq, outbox.c.payload).where(outbox.c.table_name == "case")
    ).all():
        data = json.loads(payload) if isinstance(payload, str) else dict(payload)
        changed = False
        for f in FIELDS:
            if data.get(f) and not is_envelope(data[f]):
                data[f] = cipher.encrypt(str(data[f]), _column(f))
                changed = True
        if changed:
            bind.execute(sa.update(outbox).where(outbox.c.seq == seq).values(payload=data))


def downgrade() -> None:
    bind = op.get_bind()
    case = sa.table("case", sa.column("id", sa.Uuid()), *(sa.column(f, sa.Text()) for f in FIELDS))
    rows = [
        row for row in bind.execute(sa.select(case)).mappings() if any(is_envelope(row[f]) for f in FIELDS)
    ]
    cipher = _cipher()
    if rows and cipher is None:
        raise KeysRequired(
            f"{len(rows)} cases hold encrypted personal data; downgrading needs the site's keys to decrypt them"
        )
    for row in rows:
        assert cipher is not None
        values = {f: cipher.decrypt(row[f], _column(f)) if is_envelope(row[f]) else row[f] for f in FIELDS}
        bind.execute(sa.update(case).where(case.c.id == row["id"]).values(**values))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_applicant_id_hash"))
        batch_op.drop_column("applicant_id_hash")
        for name in FIELDS:
            batch_op.alter_column(
                name,
                existing_type=sa.Text(),
                type_=sa.String(length=PLAIN_LENGTHS[name]),
                existing_nullable=False,
            )
