"""The kiosk's flow without Qt: the categories on offer, issuing (real-name, appointment check-in),
printing as a separate step, and temperature screening.

Issuing and printing are separate on purpose: a ticket is issued once (the queue service gives
out the number in one transaction) and `IssuedTicket.data` is frozen — a retry after the printer
fails prints exactly the same ticket again, so no number is burnt and none is duplicated.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa

from app import rating_codes
from app.errors import StorageError
from app.hall.policy import KioskPolicy
from app.queue import errors as qerrors
from app.queue.estimate import display_minutes
from app.queue.service import QueueService
from app.queue.types import TicketInfo
from app.temperature import DEFAULT_FEVER_THRESHOLD, TempClass, classify
from app.validators import card_problem
from db import outbox
from db.models import Appointment, TemperatureReading
from printing.models import TicketData

log = logging.getLogger("onewindow.ui.kiosk")


# A booking's QR code carries its code, bare or as OW-APPT:<code> (or a link ending in code=<code>).
_CODE_PREFIXES = ("OW-APPT:", "APPT:")


def booking_qr_payload(code: str) -> str:
    """What the QR code on a booking confirmation holds (ASCII, so every scanner reads it the
    same): OW-APPT:<code>. The kiosk also accepts the bare code and links ending in code=<code>."""
    return f"{_CODE_PREFIXES[0]}{code}"


def normalise_appointment_code(text: str) -> str:
    """The booking code typed on the keypad or read by a keyboard-wedge scanner: NFKC (full-width
    input), no spaces, upper-case; a scanned OW-APPT:… payload or a …code=… link gives its code."""
    import unicodedata

    v = "".join(unicodedata.normalize("NFKC", text).split())
    if "code=" in v.lower():
        v = v[v.lower().rindex("code=") + 5 :].split("&")[0]
    upper = v.upper()
    for prefix in _CODE_PREFIXES:
        if upper.startswith(prefix):
            upper = upper[len(prefix) :]
    return upper


class KioskError(Exception):
    """A refusal for the applicant; `str(exc)` is the Chinese message to show."""


@dataclass(frozen=True)
class CategoryOption:
    code: str
    name: str
    prefix: str
    waiting: int  # people ahead of a ticket taken now
    est_wait_minutes: int | None  # whole minutes, rounded up; None: no open window serves it
    available: bool
    reason: str  # why not available (已取完 / 不在取号时间)
    wait_text: str = ""  # 无需等候 / 等候 4 人，约 32 分钟 / 等候 4 人，窗口暂未开放


@dataclass(frozen=True)
class IssuedTicket:
    info: TicketInfo
    data: TicketData  # exactly what is printed, every time


@dataclass(frozen=True)
class Screening:
    value: float
    result: TempClass
    threshold: float
    action: str  # proceed | remeasure | desk | refuse
    message: str


class TicketPrinter(Protocol):
    def print_ticket(self, ticket: TicketData) -> object: ...


class PdfDirectoryPrinter:
    """For kiosks that print through the system (A4 or roll): writes the ticket PDF for the
    spooler to pick up. Overwrites on retry, so a reprint is the same file, not a new ticket."""

    def __init__(self, directory: Path, width_mm: int = 80) -> None:
        self.directory = directory
        self.width_mm = width_mm
        self.printed: list[Path] = []

    def print_ticket(self, ticket: TicketData) -> Path:
        from printing.ticket_pdf import build_ticket_pdf

        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"ticket-{ticket.issued_at:%Y%m%d}-{ticket.number}.pdf"
        path.write_bytes(build_ticket_pdf(ticket, self.width_mm))
        self.printed.append(path)
        return path


class KioskService:
    def __init__(
        self,
        service: QueueService,
        site_name: str,
        *,
        printer: TicketPrinter | None = None,
        policy: KioskPolicy | None = None,
        fever_threshold: float = DEFAULT_FEVER_THRESHOLD,
        device: str = "",
    ) -> None:
        self.service = service
        self.site_name = site_name
        self.printer = printer
        self.policy = policy or KioskPolicy()
        self.fever_threshold = fever_threshold
        self.device = device

    # --- what is on offer ------------------------------------------------------------------

    def categories(self, *, elderly: bool = False) -> list[CategoryOption]:
        """Every category on offer (elderly mode too: it shows them bigger, on more pages), with
        the people waiting and the hall's one wait estimate (app/queue/estimate.py)."""
        del elderly  # same categories in both modes; kept for callers of the old signature
        svc = self.service
        status = svc.status()
        ref = svc.reference()
        local = status.at.astimezone(ref.tz)
        screening = self._screening_code()
        estimates = svc.wait_estimates()
        out: list[CategoryOption] = []
        by_code = {c.code: c for c in ref.categories.values()}
        for c in status.categories:
            cat = by_code.get(c.code)
            if cat is None or not cat.active or c.code == screening:
                continue
            est = estimates.get(c.code)
            reason = ""
            if c.daily_cap is not None and c.issued_today >= c.daily_cap:
                reason = "今日已取完"
            elif not (cat.issue_start <= local.time() < cat.issue_end):
                reason = f"取号时间 {cat.issue_start:%H:%M}–{cat.issue_end:%H:%M}"
            minutes = display_minutes(est.minutes) if est is not None and est.minutes is not None else None
            ahead = est.ahead if est is not None else c.waiting
            wait_text = est.text() if est is not None else ("无需等候" if ahead == 0 else f"等候 {ahead} 人")
            out.append(
                CategoryOption(c.code, c.name, c.prefix, ahead, minutes, not reason, reason, wait_text)
            )
        return out

    # --- issuing ---------------------------------------------------------------------------

    def issue(
        self,
        category: str,
        *,
        id_number: str | None = None,
        name: str = "",
        priority: bool = False,
        card: object | None = None,
    ) -> IssuedTicket:
        """Take a ticket; raises QueueError (Chinese message) on caps, hours, the per-ID limit,
        KioskError for an ID card outside its validity period (`card`: the card as read)."""
        if self.policy.require_id and not id_number:
            raise KioskError("请先刷身份证再取号")
        self.check_card(card)
        if id_number:
            self._audit_card(id_number, "issue")
        info = self.service.issue(
            category, id_number=id_number, name=name, priority=priority, channel="kiosk"
        )
        return self._issued(info)

    def check_in(
        self, code: str | None = None, *, id_number: str | None = None, card: object | None = None
    ) -> IssuedTicket:
        code = normalise_appointment_code(code or "") or None
        if code is None and not id_number:
            raise KioskError("请输入预约码或刷身份证")
        self.check_card(card)
        if id_number:
            self._audit_card(id_number, "check-in")
        return self._issued(self.service.check_in(code, id_number=id_number))

    def check_card(self, card: object | None) -> None:
        """Refuse a card the hall's one card rule (app.validators.card_problem) refuses on today's
        business date — a bad number for its type, expired or not yet valid: the unattended kiosk
        cannot judge a replacement certificate the way a clerk can."""
        if card is None:
            return
        problem = card_problem(card, self.service.business_date())
        if problem is not None:
            raise KioskError(f"{problem}，请持有效证件到服务台办理")

    def appointment_today(self, id_number: str) -> bool:
        """Whether the card holder has a booking (not cancelled) for today at this site."""
        from app.queue.service import hash_id_number

        svc = self.service
        ref = svc.reference()
        day0 = dt.datetime.combine(svc.business_date(), dt.time(0), ref.tz)
        digest = hash_id_number(id_number, svc.id_hash_key)
        with svc.session_factory() as s:
            found = s.scalar(
                sa.select(Appointment.id)
                .where(
                    Appointment.site_id == svc.site_id,
                    Appointment.cancelled.is_(False),
                    Appointment.id_number_hash == digest,
                    Appointment.slot_start >= day0,
                    Appointment.slot_start < day0 + dt.timedelta(days=1),
                )
                .limit(1)
            )
        return found is not None

    def swipe_at_home(self, card: object) -> IssuedTicket | None:
        """An ID card swiped on the home page: the holder's appointment today is checked in (the
        ticket), else None — the kiosk then offers the categories for a real-name ticket."""
        self.check_card(card)
        id_number = str(getattr(card, "id_number", "") or "")
        if not self.appointment_today(id_number):
            return None
        self._audit_card(id_number, "check-in")
        return self._issued(self.service.check_in(id_number=id_number))

    def _audit_card(self, id_number: str, purpose: str) -> None:
        """Every ID card the kiosk reads is in the audit log (masked; origin: this kiosk)."""
        from app.auth import audit
        from app.validators import mask_id_number

        masked = mask_id_number(id_number)
        with self.service.session_factory.begin() as s:
            audit(
                s,
                self.service.site_id,
                None,
                "kiosk.card_read",
                f"{purpose} {masked}",
                entity="idcard",
                entity_id=masked,
            )

    def _issued(self, info: TicketInfo) -> IssuedTicket:
        waiting = info.people_ahead if info.people_ahead is not None else 0
        est = info.estimated_wait_minutes  # the hall's one estimator (app/queue/estimate.py)
        qr = self.policy.qr_template.format(
            site=self.site_name, date=info.business_date.isoformat(), number=info.number
        )
        data = TicketData(
            number=info.number,
            category_name=info.category_name,
            issued_at=info.issued_at.astimezone(self.service.reference().tz),
            waiting_ahead=waiting,
            est_wait_minutes=display_minutes(est) if est is not None else None,
            site_name=self.site_name,
            qr_payload=qr,
            notice=self.policy.notice,
            rating_code=(rating := self._rating_code(info)),
            rating_qr=rating_codes.qr_payload(rating) if rating else "",
        )
        log.info("kiosk issued %s (%s)", info.number, info.category_code)
        return IssuedTicket(info, data)

    def _rating_code(self, info: TicketInfo) -> str:
        """The visit's 评价码 for the ticket; a ticket is never lost for want of one (printed without)."""
        svc = self.service
        try:
            return rating_codes.RatingCodeService(svc.session_factory, svc.site_id).code_for_ticket(info.id)
        except StorageError:
            log.warning("kiosk: no rating code for %s (database)", info.number)
            return ""

    def print(self, ticket: IssuedTicket) -> object:
        """Print (or reprint) the issued ticket. Raises printing's PrinterError on failure; the
        ticket stays valid and the caller may call again with the same `ticket`."""
        if self.printer is None:
            raise KioskError("本机未连接打印机，请记住您的号码")
        return self.printer.print_ticket(ticket.data)

    # --- temperature screening -------------------------------------------------------------

    def _screening_code(self) -> str | None:
        key = self.policy.screening_category.strip()
        if not key:
            return None
        try:
            return self.service.reference().category(key).code
        except qerrors.UnknownCategory:
            log.warning("screening category %r not found; fever readings get guidance only", key)
            return None

    def screen(self, value: float) -> Screening:
        result = classify(value, self.fever_threshold)
        if result == TempClass.NORMAL:
            return Screening(
                value, result, self.fever_threshold, "proceed", f"体温 {value:.1f}°C，正常，请取号"
            )
        if result == TempClass.REMEASURE:
            return Screening(
                value,
                result,
                self.fever_threshold,
                "remeasure",
                "未测到有效体温，请摘下帽子，正对测温区重新测量",
            )
        desk = self.policy.fever_action == "desk" and self._screening_code() is not None
        if desk:
            msg = f"体温 {value:.1f}°C，高于 {self.fever_threshold:.1f}°C。请持号票到防疫登记处复测登记，工作人员会为您办理"
            return Screening(value, result, self.fever_threshold, "desk", msg)
        msg = f"体温 {value:.1f}°C，高于 {self.fever_threshold:.1f}°C。请到大厅入口防疫登记处复测，或联系工作人员"
        return Screening(value, result, self.fever_threshold, "refuse", msg)

    def issue_screening(self) -> IssuedTicket:
        """The ticket of the screening desk (green channel: they should not wait in the hall)."""
        code = self._screening_code()
        if code is None or self.policy.fever_action != "desk":
            raise KioskError("请联系大厅工作人员")
        return self.issue(code, priority=True)

    def record_reading(self, screening: Screening, ticket_id: object | None = None, raw: str = "") -> None:
        """Keep the reading (the retention job deletes it after the configured days)."""
        svc = self.service
        with svc.session_factory() as s, s.begin():
            reading = TemperatureReading(
                site_id=svc.site_id,
                at=dt.datetime.now(dt.UTC),
                value=round(screening.value, 2),
                raw=raw[:80],
                ambient=None,
                result=screening.result.value,
                device=self.device[:80],
                ticket_id=ticket_id,
            )
            outbox.save(s, reading)
