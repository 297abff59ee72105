"""The simulated device's evidence: what its screen shows (screencap) and its log (logcat)."""

import io

import pytest
from PIL import Image

from app.sim.android import AndroidDevice
from app.sim.apk import build_apk
from app.sim.profiles import PROFILES
from app.sim.screen import ScreenState, scene_of


@pytest.fixture
def device(tmp_path):
    return AndroidDevice(tmp_path / "device", PROFILES["pixel8"], "35201FDKXQ00B7")


def screen(device: AndroidDevice) -> Image.Image:
    result = device.run_shell("screencap -p")
    assert result.exit_code == 0
    return Image.open(io.BytesIO(result.stdout))


@pytest.mark.parametrize("name", list(PROFILES))
def test_screencap_is_a_png_of_the_profiles_screen(tmp_path, name):
    device = AndroidDevice(tmp_path / name, PROFILES[name], "SERIAL1")
    image = screen(device)
    assert image.format == "PNG"
    assert image.size == PROFILES[name].screen_size


def test_the_screen_follows_the_devices_state(device):
    home = screen(device)
    assert scene_of(device).state is ScreenState.HOME
    device.allow_prompts.append(b"a host's key")
    assert scene_of(device).state is ScreenState.ALLOW_PROMPT
    prompt = screen(device)
    device.allow_prompts.clear()
    device.state.settings["secure"]["user_setup_complete"] = "0"
    assert scene_of(device).state is ScreenState.SETUP_WIZARD
    wizard = screen(device)
    width, height = home.size
    corner, centre = (width // 10, height // 20), (width // 2, height // 2)
    # the dialog, light, in the middle of a screen it dims; the wizard is a light page
    assert _grey(prompt, corner) < _grey(home, corner) < _grey(wizard, corner)
    assert _grey(prompt, centre) > 200 > _grey(home, centre)


def test_raw_screencap_has_screencaps_header(device):
    data = device.run_shell("screencap").stdout
    width, height = PROFILES["pixel8"].screen_size
    assert int.from_bytes(data[0:4], "little") == width
    assert int.from_bytes(data[4:8], "little") == height
    assert len(data) == 12 + width * height * 4


def test_logcat_gives_the_last_lines_asked_for(device):
    for number in range(5):
        device.run_shell(f"log -t Probe line {number}")
    lines = device.run_shell("logcat -d -t 2").stdout.decode().splitlines()
    assert lines[0] == "--------- beginning of main"
    assert [line.split(": ", 1)[1] for line in lines[1:]] == ["line 3", "line 4"]
    assert " I Probe   " in lines[1]
    device.run_shell("logcat -c")
    assert device.run_shell("logcat -d").stdout == b""


def test_a_refused_install_is_in_the_log(device):
    apk = build_apk("com.example.newer", 5, min_sdk=99)
    device.write_file("/data/local/tmp/new.apk", apk)
    result = device.run_shell("pm install /data/local/tmp/new.apk")
    assert result.exit_code == 1
    log = device.run_shell("logcat -d").stdout.decode()
    assert "E PackageManager: session" in log
    assert "INSTALL_FAILED_OLDER_SDK" in log


def test_a_refused_setting_is_in_the_log(device):
    assert device.run_shell("settings put nowhere key value").exit_code != 0
    log = device.run_shell("logcat -d -t 1").stdout.decode()
    assert "E SettingsProvider: shell request 'put' refused: Invalid namespace 'nowhere'" in log


def test_a_reboot_starts_a_new_log(device):
    device.run_shell("log -t Probe before the reboot")
    device.begin_reboot()
    device.finish_boot()
    log = device.run_shell("logcat -d").stdout.decode()
    assert "before the reboot" not in log
    assert "boot completed" in log


def _grey(image: Image.Image, at: tuple[int, int]) -> int:
    value = image.convert("L").getpixel(at)
    assert isinstance(value, int)
    return value


def test_exec_runs_the_command_in_the_shells_place(device):
    """`adb logcat` runs `exec logcat …` in the device's shell: nothing after it runs."""
    result = device.run_shell("log -t Probe seen; exec logcat -d -t 1; echo not reached")
    assert result.stdout.decode().endswith(" I Probe   : seen\n")
    assert device.run_shell("(exec false); echo $?").stdout == b"1\n"
