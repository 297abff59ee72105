"""Device labels: ZPL rendered by an independent renderer (zpl-renderer-js, zebrash, under
Node.js) and PDF rasterized by pdftoppm, every barcode decoded by zxing-cpp and compared with
the device's run record; a printer that is away queues and retries.

The renderer is fetched into build/zpl-renderer by .ci/run (npm install); locally the test
skips without it, with KITBENCH_CI=1 it fails. With KITBENCH_LABEL_SCREENSHOTS=DIR the rendered
ZPL label and the rasterized PDF label are also saved there (`make label-screenshots`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from PySide6.QtGui import QColor, QImage, QPainter

from app.cli import cli
from app.labels.layout import DEFAULT_LAYOUT, LabelData
from app.labels.printer import PrinterProblem, parse_target
from app.labels.queue import LabelJob, LabelPrinted, LabelQueue, LabelWaiting
from app.labels.records import labels_for
from app.labels.sim_printer import SimulatedLabelPrinter
from app.labels.zpl import label_zpl
from app.storage import Config, Store
from app.storage.models import Run

ROOT = Path(__file__).resolve().parents[2]
RENDERER = ROOT / "build" / "zpl-renderer" / "node_modules"
CI = bool(os.environ.get("KITBENCH_CI"))
NEEDS_RENDERER = pytest.mark.skipif(
    not CI and (shutil.which("node") is None or not (RENDERER / "zpl-renderer-js").is_dir()),
    reason="needs Node.js and zpl-renderer-js in build/zpl-renderer (see .ci/run)",
)
CUPSD, LP, LPADMIN = "/usr/sbin/cupsd", shutil.which("lp"), shutil.which("lpadmin")
NEEDS_CUPS = pytest.mark.skipif(
    not CI and not (Path(CUPSD).exists() and LP and LPADMIN
                    and Path("/usr/lib/cups/backend/socket").exists()),
    reason="needs Debian's cups (cupsd, its socket backend) and cups-client (lp, lpadmin)",
)  # fmt: skip
NEEDS_POPPLER = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not CI, reason="needs Debian's poppler-utils (pdftoppm)"
)
PHONE = {"serial": "R58N12ABCDE", "imei1": "353012345678903", "imei2": "353012345678911",
         "asset_tag": "AT-000042", "order_number": "PO-4711", "model": "Pixel 8",
         "device_name": "POS-berlin-0042"}  # fmt: skip
TABLET = {"serial": "TAB0001", "model": "Galaxy Tab"}  # Wi-Fi only: no IMEI, no barcode for one


@pytest.fixture(autouse=True)
def qt_application(qapp):
    return qapp


@pytest.fixture
def recorded(tmp_path) -> Store:
    """A station whose history holds a done phone, a done tablet and a failed run."""
    store = Store(recording=True)
    started = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def add(session) -> None:
        for number, (fields, result) in enumerate(
            [
                (PHONE, "done"),
                (TABLET | {"order_number": "PO-4711"}, "done"),
                ({"serial": "FAILED1"}, "failed"),
            ]
        ):
            session.add(Run(id=f"{number:032x}", endpoint=f"tcp:127.0.0.1:{5555 + number}",
                            template_name="pos", template_version=3, result=result,
                            started_at=started, finished_at=started, **fields))  # fmt: skip

    store.writer.submit(add).result()
    yield store
    store.close()


def decode(png: Path) -> dict[str, list[str]]:
    gray = QImage(str(png)).convertToFormat(QImage.Format.Format_Grayscale8)
    found: dict[str, list[str]] = {}
    for result in zxingcpp.read_barcodes(gray):
        found.setdefault(result.format.name, []).append(result.text)
    return {kind: sorted(texts) for kind, texts in found.items()}


def render_zpl(zpl: str, out: Path, size_mm: tuple[float, float] = (100, 50)) -> Path:
    """One label's ZPL as the independent renderer draws it at 8 dots/mm."""
    subprocess.run(
        ["node", str(ROOT / "tests" / "zpl_render.cjs"), str(size_mm[0]), str(size_mm[1]), "8",
         str(out)],
        input=zpl.encode(), check=True, timeout=60, env=os.environ | {"NODE_PATH": str(RENDERER)},
    )  # fmt: skip
    return out


def keep_for_docs(png: Path, name: str) -> None:
    """The rendered label, framed so its edge shows on a white page, when screenshots are
    asked for."""
    shots = os.environ.get("KITBENCH_LABEL_SCREENSHOTS")
    if not shots:
        return
    Path(shots).mkdir(parents=True, exist_ok=True)
    label = QImage(str(png))
    framed = QImage(label.width() + 4, label.height() + 4, QImage.Format.Format_RGB32)
    framed.fill(QColor("#9e9e9e"))
    painter = QPainter(framed)
    painter.drawImage(2, 2, label)
    painter.end()
    assert framed.save(str(Path(shots) / name))


def phone_codes() -> dict[str, list[str]]:
    qr = "SN:R58N12ABCDE\nIMEI:353012345678903\nIMEI:353012345678911\nTAG:AT-000042\nPO:PO-4711"
    return {"Code128": sorted([PHONE["serial"], PHONE["imei1"]]), "QRCode": [qr]}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@NEEDS_RENDERER
def test_zpl_labels_of_an_order_decode_to_each_devices_serial_and_imei(recorded, tmp_path):
    out = tmp_path / "po.zpl"
    result = run("label", "--order", "PO-4711", "--zpl", str(out))
    assert result.exit_code == 0, result.output
    assert "2 label(s) written" in result.output
    labels = ["^XA" + part for part in out.read_text().split("^XA")[1:]]
    assert len(labels) == 2
    assert decode(render_zpl(labels[0], tmp_path / "phone.png")) == phone_codes()
    keep_for_docs(tmp_path / "phone.png", "label-zpl.png")
    assert decode(render_zpl(labels[1], tmp_path / "tablet.png")) == {
        "Code128": ["TAB0001"], "QRCode": ["SN:TAB0001\nPO:PO-4711"]}  # fmt: skip


def test_a_label_names_the_device_as_its_run_named_it_else_by_its_model(recorded):
    with recorded.database.sessions() as session:
        phone, tablet = labels_for(session, order="PO-4711")
    assert (phone.device_name, tablet.device_name) == ("POS-berlin-0042", "Galaxy Tab")
    assert "^FDPOS-berlin-0042^FS" in label_zpl(DEFAULT_LAYOUT, phone)


@NEEDS_RENDERER
def test_field_data_that_looks_like_zpl_stays_data(tmp_path):
    data = LabelData("SN^XZ~JA_1", ("353012345678903",), asset_tag="^FDx")
    decoded = decode(render_zpl(label_zpl(DEFAULT_LAYOUT, data), tmp_path / "odd.png"))
    assert decoded["Code128"] == sorted(["SN^XZ~JA_1", "353012345678903"])
    assert decoded["QRCode"] == ["SN:SN^XZ~JA_1\nIMEI:353012345678903\nTAG:^FDx"]


@NEEDS_POPPLER
def test_pdf_label_at_the_labels_size_decodes_to_serial_and_imei(recorded, tmp_path):
    out = tmp_path / "phone.pdf"
    result = run("label", "--serial", PHONE["serial"], "--pdf", str(out))
    assert result.exit_code == 0, result.output
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert "Page size:       283 x 142 pts" in info.stdout  # 100 x 50 mm
    subprocess.run(["pdftoppm", "-r", "203", "-png", str(out), str(tmp_path / "page")],
                   check=True)  # fmt: skip
    assert decode(tmp_path / "page-1.png") == phone_codes()
    keep_for_docs(tmp_path / "page-1.png", "label-pdf.png")


TILL_TEMPLATE = """\
kitbench: 1
name: till
version: 1
steps:
  - timezone: Europe/Berlin
label:
  width_mm: 80
  height_mm: 30
  elements:
    - {kind: text, field: device_name, x_mm: 2, y_mm: 2, height_mm: 3}
    - {kind: code128, field: serial, x_mm: 2, y_mm: 9, height_mm: 10}
    - {kind: qr, field: qr, x_mm: 56, y_mm: 3, height_mm: 22}
"""


@NEEDS_RENDERER
def test_a_templates_label_layout_comes_before_the_stations(recorded, tmp_path):
    station_layout = tmp_path / "station.yaml"
    station_layout.write_text(
        "width_mm: 100\nheight_mm: 50\nelements:\n"
        "  - {kind: code128, field: imei, x_mm: 4, y_mm: 4, height_mm: 8}\n"
    )
    Config().set("label.layout", str(station_layout))
    template = tmp_path / "till.yaml"
    template.write_text(TILL_TEMPLATE)
    out = tmp_path / "till.zpl"

    result = run(
        "label", "--serial", PHONE["serial"], "--template", str(template), "--zpl", str(out)
    )
    assert result.exit_code == 0, result.output
    zpl = out.read_text()
    assert "^PW640" in zpl and "^LL240" in zpl  # 80 x 30 mm at 8 dots/mm
    assert decode(render_zpl(zpl, tmp_path / "till.png", (80, 30))) == {
        "Code128": [PHONE["serial"]], "QRCode": [phone_codes()["QRCode"][0]]}  # fmt: skip

    template.write_text(TILL_TEMPLATE.replace("height_mm: 22", "height_mm: 28"))
    refused = CliRunner().invoke(cli, ["label", "--serial", PHONE["serial"], "--template",
                                       str(template), "--zpl", str(out)])  # fmt: skip
    assert refused.exit_code == 1
    assert f"{template}:12:7: label.elements[2] does not fit" in refused.output


class CupsServer:
    """A private CUPS scheduler on a socket of its own (CUPS_SERVER), so the test needs no
    system printing service and touches none; its folder is readable by the backends' user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kitbench-cups-"))
        self.folder.chmod(0o755)
        self.socket = self.folder / "cups.sock"
        for name in ("spool", "cache", "state", "tmp", "log"):
            (self.folder / name).mkdir()
        (self.folder / "cupsd.conf").write_text(
            f"Listen {self.socket}\nLogLevel warn\n<Location />\n  Order allow,deny\n"
            "  Allow all\n</Location>\n<Policy default>\n  <Limit All>\n"
            "    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        (self.folder / "cups-files.conf").write_text(
            f"ServerRoot {self.folder}\nRequestRoot {self.folder}/spool\n"
            f"CacheDir {self.folder}/cache\nStateDir {self.folder}/state\n"
            f"TempDir {self.folder}/tmp\nErrorLog {self.folder}/log/error_log\n"
            f"AccessLog {self.folder}/log/access_log\nPageLog {self.folder}/log/page_log\n"
        )
        self.env = os.environ | {"CUPS_SERVER": str(self.socket), "LC_ALL": "C"}
        self.process = subprocess.Popen(
            [CUPSD, "-f", "-c", str(self.folder / "cupsd.conf"),
             "-s", str(self.folder / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        # until the scheduler answers: lpstat -r exits 0 whether or not it runs
        while self._asked(["lpstat", "-r"]).stdout.strip() != "scheduler is running":
            assert self.process.poll() is None, "cupsd exited"
            assert time.monotonic() < deadline, "cupsd did not answer in 20 s"
            time.sleep(0.05)

    def _asked(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=20)

    def add_raw_queue(self, name: str, host: str, port: int) -> None:
        """A queue without a driver, to a printer's raw port: what a Zebra printer is given."""
        added = self._asked([LPADMIN or "lpadmin", "-p", name, "-E", "-v",
                             f"socket://{host}:{port}", "-m", "raw"])  # fmt: skip
        assert added.returncode == 0, added.stderr

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cups(monkeypatch):
    server = CupsServer()
    monkeypatch.setenv("CUPS_SERVER", str(server.socket))  # for the `lp` the station runs
    yield server
    server.close()


@NEEDS_CUPS
def test_a_label_goes_through_a_cups_raw_queue_to_the_printer_unchanged(recorded, cups, tmp_path):
    printer = SimulatedLabelPrinter()
    try:
        cups.add_raw_queue("zebra", printer.host, printer.port)
        result = run("label", "--serial", PHONE["serial"], "--printer", "cups:zebra")
        assert result.exit_code == 0, result.output
        assert "1 label(s) sent to cups:zebra" in result.output
        assert printer.wait_for(1, timeout=30)
        written = tmp_path / "phone.zpl"
        assert run("label", "--serial", PHONE["serial"], "--zpl", str(written)).exit_code == 0
        # byte for byte as written (the printer keeps ^XA…^XZ, without the newline after it)
        assert printer.labels == [written.read_text().removesuffix("\n")]

        missing = run("label", "--serial", PHONE["serial"], "--printer", "cups:nope")
        assert missing.exit_code == 1
        assert "CUPS refused the label for cups:nope" in missing.output
        assert "does not exist" in missing.output
    finally:
        printer.close()


def test_label_is_sent_to_a_zebra_printers_raw_port(recorded):
    printer = SimulatedLabelPrinter()
    try:
        result = run("label", "--serial", PHONE["serial"], "--printer", printer.url)
        assert result.exit_code == 0, result.output
        assert printer.wait_for(1)
        assert "^FDR58N12ABCDE^FS" in printer.labels[0]
    finally:
        printer.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_printer_is_one_sentence_and_exit_1(recorded):
    result = run(
        "label", "--serial", PHONE["serial"], "--printer", f"zpl://127.0.0.1:{free_port()}"
    )
    assert result.exit_code == 1
    assert "is off or unreachable" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--serial", "R58N12ABCDE"], 2, "give one of --printer"),
        (["--zpl", "x.zpl"], 2, "give one of --serial"),
        (["--serial", "NOPE", "--zpl", "x.zpl"], 1, "no done run for device NOPE"),
        (["--serial", "FAILED1", "--zpl", "x.zpl"], 1, "no done run for device FAILED1"),
        (["--serial", "R58N12ABCDE", "--printer", "http://x"], 2, "zpl://HOST"),
    ],
)
def test_bad_requests_are_named(recorded, args, code, words):
    result = run("label", *args)
    assert result.exit_code == code
    assert words in result.output


def test_an_unreachable_printer_queues_and_retries_until_it_is_back():
    port = free_port()
    target = parse_target(f"zpl://127.0.0.1:{port}")
    events: list[object] = []
    printed, refused = threading.Event(), threading.Event()

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, LabelWaiting):
            refused.set()
        if isinstance(event, LabelPrinted) and event.serial == "B":
            printed.set()

    queue = LabelQueue(on_event, pauses=(0.05, 0.1))
    try:
        queue.submit(LabelJob("A", "^XA^FDA^FS^XZ", target))
        queue.submit(LabelJob("B", "^XA^FDB^FS^XZ", target))
        assert refused.wait(10)  # the printer is off: the labels wait
        assert queue.waiting == 2
        printer = SimulatedLabelPrinter(port=port)  # the printer is switched on
        try:
            assert printed.wait(10) and printer.wait_for(2)
            assert printer.labels == ["^XA^FDA^FS^XZ", "^XA^FDB^FS^XZ"]  # in order, once each
        finally:
            printer.close()
    finally:
        queue.close()
    waiting = [event for event in events if isinstance(event, LabelWaiting)]
    assert waiting and waiting[0].problem is PrinterProblem.UNREACHABLE
    assert waiting[0].serial == "A" and waiting[0].queued == 2


def test_submitting_never_waits_on_the_printer():
    """A printer that takes the connection and never the label: the worker is not held."""
    started, release = threading.Event(), threading.Event()

    def stuck(_target, _zpl) -> None:
        started.set()
        release.wait(10)

    queue = LabelQueue(send=stuck)
    try:
        queue.submit(LabelJob("A", "^XA^XZ", parse_target("zpl://printer")))
        assert started.wait(5)
        done = threading.Event()
        threading.Thread(target=lambda: (queue.submit(LabelJob("B", "^XA^XZ",
                         parse_target("zpl://printer"))), done.set())).start()  # fmt: skip
        assert done.wait(5)
        assert queue.waiting == 2
    finally:
        release.set()
        queue.close()
