"""applicant names and appointment names/phones encrypted at rest

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 07:00:00

0004 encrypted the case's ID number, phone and address; the applicant's name stayed plain, and so
did the name and phone of appointments the centre hands down. They become `db.crypto` envelopes
too (associated data `case.applicant_name`, `appointment.name`, `appointment.phone`), so the
columns widen to TEXT.

As in 0004, plain rows are converted with the site's field cipher
(`config.attributes["field_cipher"]`) and a database holding plain names is refused with one line
without it. Every converted case gets a new row_version and outbox snapshot (the centre's plain
copy is replaced at the next sync) and the local outbox's old snapshots are encrypted in place;
appointments are reference rows (not synced up) and are encrypted in place. On SQLite freed pages
are zeroed (secure_delete). Downgrade decrypts with the keys and refuses without them.
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

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) -> the width the column had while it held plain text
PLAIN_LENGTHS = {
    ("case", "applicant_name"): 100,
    ("appointment", "name"): 64,
    ("appointment", "phone"): 20,
}
APPOINTMENT_FIELDS = ("name", "phone")


class KeysRequired(UpgradeRefused):
    pass


def _cipher() -> FieldCipher | None:
    cipher = context.config.attributes.get("field_cipher")
    return cipher if isinstance(cipher, FieldCipher) else None


def _plain(value: Any) -> bool:
    return bool(value) and not is_envelope(value)


def _cases() -> sa.TableClause:
    return sa.table("case", sa.column("id", sa.Uuid()), sa.column("applicant_name", sa.Text()))


def _appointments() -> sa.TableClause:
    return sa.table(
        "appointment", sa.column("id", sa.Uuid()), *(sa.column(f, sa.Text()) for f in APPOINTMENT_FIELDS)
    )


def _outbox() -> sa.TableClause:
    return sa.table(
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


def _alter(widen: bool) -> None:
    for table in ("case", "appointment"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for (t, name), length in PLAIN_LENGTHS.items():
                if t != table:
                    continue
                narrow = sa.String(length=length)
                batch_op.alter_column(
                    name,
                    existing_type=narrow if widen else sa.Text(),
                    type_=sa.Text() if widen else narrow,
                    existing_nullable=False,
                )


def upgrade() -> None:
    bind = op.get_bind()
    cases = [r.id for r in bind.execute(sa.select(_cases())) if _plain(r.applicant_name)]
    appts = [
        r.id
        for r in bind.execute(sa.select(_appointments()))
        if any(_plain(getattr(r, f)) for f in APPOINTMENT_FIELDS)
    ]
    cipher = _cipher()
    if (cases or appts) and cipher is None:
        raise KeysRequired(
            f"{len(cases)} cases and {len(appts)} appointments hold names or phones in plain text and the "
            "upgrade must encrypt them, but no keys were given: run `main.py secrets init` for this site, "
            "then `main.py db upgrade`"
        )
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA secure_delete = ON")
    _alter(widen=True)
    if cipher is None:
        return
    _encrypt_cases(bind, cipher, cases)
    appointment = _appointments()
    for appt_id in appts:
        row = bind.execute(sa.select(appointment).where(appointment.c.id == appt_id)).one()
        values = {
            f: cipher.encrypt(getattr(row, f), f"appointment.{f}")
            if _plain(getattr(row, f))
            else getattr(row, f)
            for f in APPOINTMENT_FIELDS
        }
        bind.execute(sa.update(appointment).where(appointment.c.id == appt_id).values(**values))


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


def _encrypt_cases(bind: sa.engine.Connection, cipher: FieldCipher, ids: list[uuid.UUID]) -> None:
    from db.outbox import jsonable

    case = _case_as_stored(bind)
    outbox = _outbox()
    for case_id in ids:
        row = dict(bind.execute(sa.select(case).where(case.c.id == case_id)).mappings().one())
        values = {
            "applicant_name": cipher.encrypt(row["applicant_name"], "case.applicant_name"),
            "row_version": int(row["row_version"]) + 1,
        }
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
                payload={k: jsonable(v) for k, v in row.items()},
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    # Earlier snapshots (sent or not) keep no plain name either.
    for seq, payload in bind.execute(
        sa.select(outbox.c.seq, outbox.c.payload).where(outbox.c.table_name == "case")
    ).all():
        data = json.loads(payload) if isinstance(payload, str) else dict(payload)
        if _plain(data.get("applicant_name")):
            data["applicant_name"] = cipher.encrypt(str(data["applicant_name"]), "case.applicant_name")
            bind.execute(sa.update(outbox).where(outbox.c.seq == seq).values(payload=data))


def downgrade() -> None:
    bind = op.get_bind()
    case, appointment = _cases(), _appointments()
    names = [r for r in bind.execute(sa.select(case)) if is_envelope(r.applicant_name)]
    appts = [
        r
        for r in bind.execute(sa.select(appointment))
        if any(is_envelope(getattr(r, f)) for f in APPOINTMENT_FIELDS)
    ]
    cipher = _cipher()
    if (names or appts) and cipher is None:
        raise KeysRequired(
            f"{len(names)} cases and {len(appts)} appointments hold encrypted names or phones; "
            "downgrading needs the site's keys to decrypt them"
        )
    for r in names:
        assert cipher is not None
        plain = cipher.decrypt(r.applicant_name, "case.applicant_name")
        bind.execute(sa.update(case).where(case.c.id == r.id).values(applicant_name=plain))
    for r in appts:
        assert cipher is not None
        values = {
            f: cipher.decrypt(getattr(r, f), f"appointment.{f}")
            if is_envelope(getattr(r, f))
            else getattr(r, f)
            for f in APPOINTMENT_FIELDS
        }
        bind.execute(sa.update(appointment).where(appointment.c.id == r.id).values(**values))
    _alter(widen=False)
