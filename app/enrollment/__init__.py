"""Android Enterprise provisioning payloads, QR codes and sheets."""

from app.enrollment.payload import EnrollmentError, PayloadBuilder, package_checksum, payload_text
from app.enrollment.qr import ERROR_LEVELS, make_qr, save_qr, size_warnings
from app.enrollment.sheet import Sheet, SheetCode, plan_sheet, read_devices_csv

__all__ = [
    "ERROR_LEVELS",
    "EnrollmentError",
    "PayloadBuilder",
    "Sheet",
    "SheetCode",
    "make_qr",
    "package_checksum",
    "payload_text",
    "plan_sheet",
    "read_devices_csv",
    "save_qr",
    "size_warnings",
]
