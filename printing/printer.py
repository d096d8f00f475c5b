"""ESC/POS ticket printer on a serial port (or any pyserial URL such as socket://host:port).

The paper sensor is read before every ticket and again after it: out of paper or no answer raises
a typed error with a Chinese message for the kiosk. Printing consumes nothing — the caller keeps
its TicketData and calls again after the paper is refilled, so a ticket is never lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from printing.escpos import PAPER_STATUS_QUERY, PaperStatus, ticket_escpos, ticket_escpos_raster
from printing.models import TicketData
from printing.ticket_pdf import check_width

if TYPE_CHECKING:
    import serial

    from printing.settings import TicketPrinterSettings

log = logging.getLogger("onewindow.device")


class PrinterError(Exception):
    """A ticket could not be printed; str(exc) is the Chinese message to show."""


class PaperOutError(PrinterError):
    def __init__(self, detail: str = "请装纸后重新打印") -> None:
        super().__init__(f"打印机缺纸，{detail}")


class PrinterNoResponseError(PrinterError):
    def __init__(self, detail: str = "请检查电源和连接线") -> None:
        super().__init__(f"打印机无响应，{detail}")


@dataclass(frozen=True, slots=True)
class PrintResult:
    status: PaperStatus  # paper sensor after printing
    bytes_sent: int

    @property
    def near_end(self) -> bool:
        """Paper is running low: the kiosk should ask for a new roll."""
        return self.status.near_end


class EscPosPrinter:
    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        timeout: float = 1.0,
        width_mm: int = 80,
        raster: bool = False,
        font_spec: str | None = None,
    ) -> None:
        check_width(width_mm)
        self.port = port
        self.baudrate = baudrate
        self.timeout = timeout
        self.width_mm = width_mm
        self.raster = raster
        self.font_spec = font_spec
        self._serial: serial.Serial | None = None

    @classmethod
    def from_settings(cls, ticket: TicketPrinterSettings, font_path: str = "") -> EscPosPrinter:
        """From `settings.printers.ticket` (and the document font, used for raster tickets)."""
        if not ticket.port:
            raise ValueError("未配置票据打印机端口（printers.ticket.port）")
        return cls(
            ticket.port, baudrate=ticket.baud, width_mm=ticket.width_mm, raster=ticket.raster, font_spec=font_path or None
        )

    def open(self) -> None:
        if self._serial is not None:
            return
        import serial

        try:
            self._serial = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=self.timeout, write_timeout=max(5.0, self.timeout)
            )
        except (serial.SerialException, ValueError) as exc:
            raise PrinterNoResponseError(f"无法打开端口 {self.port}（{exc}）") from exc

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def __enter__(self) -> EscPosPrinter:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _port(self) -> serial.Serial:
        self.open()
        assert self._serial is not None
        return self._serial

    def paper_status(self) -> PaperStatus:
        """DLE EOT 4; one retry because a busy printer may miss the first query."""
        import serial

        port = self._port()
        try:
            for _ in range(2):
                port.reset_input_buffer()
                port.write(PAPER_STATUS_QUERY)
                port.flush()
                answer = port.read(1)
                if answer:
                    return PaperStatus(answer[0])
        except serial.SerialException as exc:
            self.close()  # the port is gone (unplugged): reopen on the next call
            raise PrinterNoResponseError(f"端口 {self.port} 通信失败（{exc}）") from exc
        raise PrinterNoResponseError()

    def ticket_bytes(self, ticket: TicketData) -> bytes:
        if self.raster:
            return ticket_escpos_raster(ticket, self.width_mm, self.font_spec)
        return ticket_escpos(ticket, self.width_mm)

    def print_bytes(self, data: bytes) -> PrintResult:
        """Send one job with the paper checks around it."""
        import serial

        before = self.paper_status()
        if before.paper_out:
            raise PaperOutError()
        port = self._port()
        try:
            port.write(data)
            port.flush()
        except serial.SerialException as exc:  # includes the write timeout of a stalled printer
            self.close()
            raise PrinterNoResponseError(f"数据发送失败（{exc}），请重新打印") from exc
        after = self.paper_status()
        if after.paper_out:
            raise PaperOutError("票据可能未打印完整，请装纸后重新打印")
        if after.near_end:
            log.warning("ticket printer on %s: paper near end", self.port)
        return PrintResult(after, len(data))

    def print_ticket(self, ticket: TicketData) -> PrintResult:
        result = self.print_bytes(self.ticket_bytes(ticket))
        log.info("ticket %s printed on %s", ticket.number, self.port)
        return result


def print_ticket(
    port: str,
    ticket: TicketData,
    *,
    baudrate: int = 9600,
    width_mm: int = 80,
    raster: bool = False,
    timeout: float = 1.0,
    font_spec: str | None = None,
) -> PrintResult:
    """Open the port, print one ticket, close. Raises PaperOutError / PrinterNoResponseError."""
    with EscPosPrinter(
        port, baudrate=baudrate, timeout=timeout, width_mm=width_mm, raster=raster, font_spec=font_spec
    ) as printer:
        return printer.print_ticket(ticket)
