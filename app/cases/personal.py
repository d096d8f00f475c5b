"""The applicant's personal fields at rest: sealed on write, opened only for those who need them.

Name, ID number, phone and address are stored as `db.crypto` envelopes (the column name is bound
in as associated data) with a keyed hash of the ID number for lookups. Opening them for a person
is a reveal: allowed for the clerk handling the case and for managers, and each reveal is audited
by the caller. Everyone else (and every list) sees masked values. There is no search by name: a
name is neither unique nor typed the same way twice, and a keyed hash of it would only find exact
spellings; cases are found by case number, ticket or the ID number's keyed hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import validators
from db.crypto import FieldCryptoError, session_cipher
from db.models import Case, Staff

ID_COLUMN = "case.applicant_id_number"
PHONE_COLUMN = "case.applicant_phone"
ADDRESS_COLUMN = "case.applicant_address"
NAME_COLUMN = "case.applicant_name"
REVEAL_ROLES = frozenset({"manager", "admin"})


@dataclass(frozen=True, slots=True, repr=False)  # no personal data in a repr, log or traceback
class PersonalFields:
    id_number: str
    phone: str
    address: str
    name: str = ""


UNREADABLE_TEXT = "（无法解密，请联系管理员）"
UNREADABLE = PersonalFields(UNREADABLE_TEXT, UNREADABLE_TEXT, UNREADABLE_TEXT, UNREADABLE_TEXT)


def seal(
    session: Session, id_number: str, phone: str, address: str, name: str | None = None
) -> dict[str, str]:
    """Column values of `case` for the plain fields (encrypted, and the ID number's lookup hash);
    `applicant_name` too when `name` is given."""
    cipher = session_cipher(session)
    values = {
        "applicant_id_number": cipher.encrypt(id_number, ID_COLUMN),
        "applicant_id_hash": cipher.lookup_hash(id_number),
        "applicant_phone": cipher.encrypt(phone, PHONE_COLUMN),
        "applicant_address": cipher.encrypt(address, ADDRESS_COLUMN),
    }
    if name is not None:
        values["applicant_name"] = cipher.encrypt(name, NAME_COLUMN)
    return values


def open_fields(session: Session, case: Case) -> PersonalFields:
    """The plain fields (FieldCryptoError when a value was tampered with or its key is gone)."""
    cipher = session_cipher(session)
    return PersonalFields(
        cipher.decrypt(case.applicant_id_number, ID_COLUMN),
        cipher.decrypt(case.applicant_phone, PHONE_COLUMN),
        cipher.decrypt(case.applicant_address, ADDRESS_COLUMN),
        open_name(session, case),
    )


def open_name(session: Session, case: Case) -> str:
    """The applicant's plain name (FieldCryptoError as open_fields)."""
    return session_cipher(session).decrypt(case.applicant_name, NAME_COLUMN)


def masked_name(session: Session, case: Case) -> str:
    """The name as lists show it (张*三): no reveal, no audit row; a damaged value says so."""
    try:
        return validators.mask_name(open_name(session, case))
    except FieldCryptoError:
        return UNREADABLE_TEXT


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


def mask_address(address: str) -> str:
    # The first six characters name province/city/district; the street and number are hidden.
    return address[:6] + "****" if len(address) > 6 else "*" * len(address)


def masked(fields: PersonalFields) -> PersonalFields:
    if fields == UNREADABLE:
        return fields
    return PersonalFields(
        validators.mask_id_number(fields.id_number),
        mask_phone(fields.phone),
        mask_address(fields.address),
        validators.mask_name(fields.name),
    )


def may_reveal(session: Session, case: Case, staff_id: uuid.UUID | None) -> bool:
    """The clerk who handles the case, or a manager of the site."""
    if staff_id is None:
        return False
    if case.staff_id == staff_id:
        return True
    role = session.scalar(sa.select(Staff.role).where(Staff.id == staff_id))
    return role in REVEAL_ROLES


def case_ids_by_id_number(session: Session, site_id: uuid.UUID, id_number: str) -> list[uuid.UUID]:
    """Cases of this applicant, found by the keyed hash (the ID number itself is never compared)."""
    digest = session_cipher(session).lookup_hash(validators.normalise_id_number(id_number))
    if not digest:
        return []
    return list(
        session.scalars(
            sa.select(Case.id)
            .where(Case.site_id == site_id, Case.applicant_id_hash == digest)
            .order_by(Case.created_at)
        )
    )


def rewrap_cases(session: Session, site_id: uuid.UUID, *, limit: int = 500) -> int:
    """Re-encrypt up to `limit` of this site's cases whose personal fields use an older key id
    (after `main.py secrets rotate`), each with a new row_version and outbox snapshot so the
    centre's copy follows; returns how many. Once none is left the old key may be retired."""
    from db import outbox

    cipher = session_cipher(session)
    current = f":{cipher.current}:"
    stale = sa.or_(
        *(
            sa.and_(column != "", ~column.contains(current))
            for column in (
                Case.applicant_id_number,
                Case.applicant_phone,
                Case.applicant_address,
                Case.applicant_name,
            )
        )
    )
    cases = session.scalars(sa.select(Case).where(Case.site_id == site_id, stale).limit(limit)).all()
    for case in cases:
        fields = open_fields(session, case)
        sealed = seal(session, fields.id_number, fields.phone, fields.address, fields.name)
        for column, value in sealed.items():
            setattr(case, column, value)
        outbox.save(session, case)
    return len(cases)
