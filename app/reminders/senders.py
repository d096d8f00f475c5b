"""Who actually sends an SMS: the province's HTTP gateway, or the log (demo).

The gateway protocol (the common shape of provincial 政务短信平台 HTTP interfaces):

    POST <gateway_url>            Content-Type: application/json; charset=utf-8
    X-Account: <account>          X-Timestamp: <unix seconds>
    X-Signature: hex(HMAC-SHA256(secret, "<timestamp>\\n<body>"))
    {"account": "...", "requestId": "<idempotency key>", "mobile": "138...", "content": "【签名】…"}

    200 {"code": "OK" | "DUPLICATE", "msgId": "..."}  accepted (DUPLICATE: a repeat of a requestId
                                                        the gateway already has: nothing sent again)
    400 / 422 {"code": "...", "message": "..."}        refused for good (bad number, bad content)
    401 / 403 / 429 / 5xx                              refused for now: retried later

A timeout or a connection cut after the request went out leaves the result unknown: the message is
retried with the same requestId, so a gateway that deduplicates sends it once. The secret signs
requests and never travels; the phone number is never logged, only its masked form.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from app.cases.personal import mask_phone
from db.vocab import SmsOutcome

log = logging.getLogger("onewindow.sms")


@dataclass(frozen=True, slots=True, repr=False)
class OutgoingSms:
    """One attempt's message; `phone` is plain only in memory, for the send."""

    idempotency_key: str
    phone: str
    text: str

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def __repr__(self) -> str:  # never the number in a repr, log or traceback
        return f"OutgoingSms({self.idempotency_key!r}, {self.phone_masked!r})"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SmsOutcome
    detail: str = ""  # for the attempt row and the operator: never the phone number
    gateway_id: str = ""


class SmsSender(Protocol):
    name: str

    def send(self, message: OutgoingSms) -> SendResult: ...


class LogSender:
    """The demo's sender: writes the masked number and the text to the log; always accepted."""

    name = "log"

    def send(self, message: OutgoingSms) -> SendResult:
        log.info("SMS (log only) to %s: %s", message.phone_masked, message.text)
        return SendResult(SmsOutcome.ACCEPTED, "log only", f"log-{message.idempotency_key[:12]}")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"\n" + body, hashlib.sha256
    ).hexdigest()


_PERMANENT = frozenset({400, 404, 410, 413, 422})


class HttpGatewaySender:
    """The province's SMS gateway over HTTPS (stdlib urllib; system trust store, verified TLS)."""

    name = "http"

    def __init__(
        self,
        url: str,
        account: str,
        secret: str,
        *,
        timeout_s: float = 10.0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        if not url:
            raise ValueError("the SMS gateway URL is not configured ([sms] gateway_url)")
        if not secret:
            raise ValueError("the SMS gateway secret is missing (main.py secrets set sms_gateway_secret)")
        self.url = url
        self.account = account
        self._secret = secret
        self.timeout_s = timeout_s
        self._context = context

    def __repr__(self) -> str:
        return f"HttpGatewaySender({self.url!r}, account={self.account!r})"

    def send(self, message: OutgoingSms) -> SendResult:
        body = json.dumps(
            {
                "account": self.account,
                "requestId": message.idempotency_key,
                "mobile": message.phone,
                "content": message.text,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Account": self.account,
                "X-Timestamp": timestamp,
                "X-Signature": sign(self._secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s, context=self._context) as response:
                status, payload = response.status, response.read(65536)
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read(65536) if exc.fp is not None else b""
        except urllib.error.URLError as exc:
            return _transport_failure(exc.reason)
        except (http.client.HTTPException, OSError) as exc:
            return _transport_failure(exc)
        return _classify(status, payload)


def _transport_failure(reason: object) -> SendResult:
    if isinstance(reason, ConnectionRefusedError | socket.gaierror | ssl.SSLCertVerificationError):
        # Nothing reached the gateway: known not sent.
        return SendResult(SmsOutcome.ERROR, f"gateway unreachable ({type(reason).__name__})")
    if isinstance(reason, TimeoutError):
        return SendResult(SmsOutcome.UNKNOWN, "gateway timed out: result unknown, retried with the same key")
    return SendResult(
        SmsOutcome.UNKNOWN, f"connection failed mid-request ({type(reason).__name__}): result unknown"
    )


def _classify(status: int, payload: bytes) -> SendResult:
    try:
        data = json.loads(payload.decode("utf-8")) if payload else {}
    except (UnicodeDecodeError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    code = str(data.get("code", ""))[:40]
    text = str(data.get("message", ""))[:200]
    gateway_id = str(data.get("msgId", ""))[:80]
    if status == 200 and code in ("OK", "DUPLICATE"):
        return SendResult(SmsOutcome.ACCEPTED, f"HTTP 200 {code}", gateway_id)
    if status == 200:  # a 200 the protocol does not know: the gateway may have taken it
        return SendResult(SmsOutcome.UNKNOWN, f"HTTP 200 with unexpected answer {code or '(none)'}")
    detail = f"HTTP {status} {code} {text}".strip()
    if status in _PERMANENT:
        return SendResult(SmsOutcome.REJECTED, detail)
    return SendResult(SmsOutcome.ERROR, detail)
