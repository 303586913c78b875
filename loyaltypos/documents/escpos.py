"""Opening a thermal (ESC/POS) printer from the till's settings."""

from __future__ import annotations

from escpos import printer as escpos_printer

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _

PRINTER_KINDS = ("network", "usb", "serial", "file")


def open_printer(kind: str, target: str):
    """A thermal printer from the till's settings.

    ``network``: "host" or "host:port" (port 9100 by default); ``usb``: "vendor:product"
    in hex (e.g. "04b8:0202"); ``serial``: "/dev/ttyUSB0" or "/dev/ttyUSB0:19200";
    ``file``: a device or file path (e.g. "/dev/usb/lp0").
    """
    target = (target or "").strip()
    try:
        if kind == "network":
            host, _colon, port = target.partition(":")
            return escpos_printer.Network(host, int(port or 9100), timeout=5)
        if kind == "usb":
            vendor, _colon, product = target.partition(":")
            return escpos_printer.Usb(int(vendor, 16), int(product, 16))
        if kind == "serial":
            device, _colon, baud = target.partition(":")
            return escpos_printer.Serial(device, baudrate=int(baud or 9600))
        if kind == "file":
            return escpos_printer.File(target)
    except (ValueError, OSError) as exc:
        raise Refused(_("the receipt printer ({kind} {target}) is not reachable: {problem}"
                        ).format(kind=kind, target=target, problem=exc)) from None
    except Exception as exc:  # python-escpos raises its own errors for devices it cannot open
        raise Refused(_("the receipt printer ({kind} {target}) is not ready: {problem}").format(
            kind=kind, target=target, problem=exc)) from None
    raise Refused(_("printer kind must be one of {kinds}, not '{kind}'").format(
        kinds=", ".join(PRINTER_KINDS), kind=kind))
