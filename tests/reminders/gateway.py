"""A real local HTTP SMS gateway (http.server on 127.0.0.1, in a thread) for the reminder tests.

It speaks the protocol of app/reminders/senders.py: checks the HMAC signature, deduplicates by
requestId like a real gateway (a repeat answers DUPLICATE and is not delivered again), and can be
told what to do with the next requests: answer OK, fail with an HTTP status, or time out —
`timeout_after_delivery` delivers and then holds the answer past the client's timeout (the result
is unknown to the sender), `timeout_before_delivery` holds without delivering.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OK = "ok"
TIMEOUT_AFTER = "timeout_after_delivery"
TIMEOUT_BEFORE = "timeout_before_delivery"


class GatewayEmulator:
    def __init__(
        self, secret: str, account: str = "xb-hall", hold_s: float = 5.0, latency_s: float = 0.0
    ) -> None:
        self.secret = secret
        self.latency_s = latency_s  # each answer takes this long (a real network's round trip)
        self.account = account
        self.hold_s = hold_s
        self.lock = threading.Lock()
        self.script: collections.deque[str | int] = collections.deque()  # per request; then `default`
        self.default: str | int = OK
        self.requests: list[dict[str, Any]] = []  # every well-signed request, in arrival order
        self.delivered: collections.Counter[str] = collections.Counter()  # requestId → deliveries
        self.deliveries: list[tuple[str, str]] = []  # (mobile, content) actually sent to phones
        self.bad_signatures = 0
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-gateway", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/sms/send"

    def start(self) -> GatewayEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def then(self, *behaviours: str | int) -> None:
        with self.lock:
            self.script.extend(behaviours)

    def requests_for(self, request_id: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r["requestId"] == request_id)

    def _next(self) -> str | int:
        with self.lock:
            return self.script.popleft() if self.script else self.default

    def _deliver(self, body: dict[str, Any]) -> tuple[str, str]:
        """(code, msgId): OK the first time a requestId is seen, DUPLICATE afterwards."""
        key = str(body["requestId"])
        with self.lock:
            if self.delivered[key]:
                return "DUPLICATE", f"m-{key[:12]}"
            self.delivered[key] += 1
            self.deliveries.append((str(body["mobile"]), str(body["content"])))
            return "OK", f"m-{key[:12]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timed out) before the answer
                    pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stamp = self.headers.get("X-Timestamp", "")
                expected = hmac.new(
                    gw.secret.encode(), stamp.encode() + b"\n" + raw, hashlib.sha256
                ).hexdigest()
                if not hmac.compare_digest(expected, self.headers.get("X-Signature", "")):
                    with gw.lock:
                        gw.bad_signatures += 1
                    self._answer(401, {"code": "BAD_SIGNATURE", "message": "signature mismatch"})
                    return
                body = json.loads(raw.decode("utf-8"))
                with gw.lock:
                    gw.requests.append(body)
                behaviour = gw._next()
                if behaviour == TIMEOUT_BEFORE:
                    gw._release.wait(gw.hold_s)
                    return
                if isinstance(behaviour, int):
                    self._answer(behaviour, {"code": f"E{behaviour}", "message": "emulated failure"})
                    return
                if gw.latency_s:
                    gw._release.wait(gw.latency_s)
                code, msg_id = gw._deliver(body)
                if behaviour == TIMEOUT_AFTER:
                    gw._release.wait(gw.hold_s)
                    return
                self._answer(200, {"code": code, "msgId": msg_id})

        return Handler


@contextmanager
def running_gateway(secret: str, **kw: Any) -> Iterator[GatewayEmulator]:
    gw = GatewayEmulator(secret, **kw).start()
    try:
        yield gw
    finally:
        gw.stop()
