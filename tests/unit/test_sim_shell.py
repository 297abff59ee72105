"""The simulated device's shell: sh semantics and Android's command texts and exit codes."""

import pytest

from app.provisioning.steps import setting_command
from app.sim.android import AndroidDevice
from app.sim.apk import build_apk
from app.sim.profiles import PROFILES


def device_for(tmp_path, profile_name: str, *, with_account: bool) -> AndroidDevice:
    profile = PROFILES[profile_name]
    serial = next(
        serial
        for port in range(7400, 7600)
        if bool(profile.leftover_accounts(serial := profile.serial_for(port, "t"))) == with_account
    )
    return AndroidDevice(tmp_path / f"{profile_name}-{with_account}", profile, serial)


@pytest.fixture
def pixel(tmp_path):
    return device_for(tmp_path, "pixel8", with_account=False)


@pytest.fixture
def legacy(tmp_path):
    return device_for(tmp_path, "legacy_phone", with_account=True)


def run(device: AndroidDevice, command: str, stdin: bytes = b"") -> tuple[str, str, int]:
    result = device.run_shell(command, stdin)
    return result.stdout.decode(), result.stderr.decode(), result.exit_code


def push_apk(device, path: str, package: str, version: int, **options) -> bytes:
    apk = build_apk(package, version, f"{version}.0", **options)
    device.fs_write(path, apk, 0o644, 1_700_000_000)
    return apk


# --- the interpreter ---------------------------------------------------------------------------


def test_exit_statuses_and_markers(pixel):
    assert run(pixel, "false; echo $?") == ("1\n", "", 0)
    assert run(pixel, 'true; echo "KB_EXIT:$?"') == ("KB_EXIT:0\n", "", 0)
    assert run(pixel, "echo before; exit 3; echo after") == ("before\n", "", 3)
    assert run(pixel, "nosuch --flag; echo $?") == (
        "127\n",
        "/system/bin/sh: nosuch: inaccessible or not found\n",
        0,
    )
    assert run(pixel, "nosuch")[2] == 127


def test_what_swallows_a_status_marker_in_sh_swallows_it_here(pixel):
    """As mksh: `exit N` ends the shell, `#` comments out the rest of the line, `&;` is a
    syntax error, so `{command}; echo MARKER:$?` loses its marker for these commands."""
    assert run(pixel, 'exit 3; echo "KB:$?"') == ("", "", 3)
    assert run(pixel, 'echo hi # note; echo "KB:$?"') == ("hi\n", "", 0)
    assert run(pixel, 'sleep 0 &; echo "KB:$?"') == (
        "",
        "/system/bin/sh: syntax error: unexpected ';'\n",
        1,
    )


def test_a_background_list_is_its_own_process(pixel):
    assert run(pixel, 'false & echo "KB:$?"') == ("KB:0\n", "", 0)
    assert run(pixel, "exit 4 & echo after") == ("after\n", "", 0)
    assert run(pixel, "x=1 & echo [$x]")[0] == "[]\n"
    assert run(pixel, "cat &", b"unread")[0] == ""  # stdin of `&` is /dev/null


def test_a_subshell_keeps_its_exit_variables_and_directory(pixel):
    assert run(pixel, '(\nexit 3\n)\necho "KB:$?"') == ("KB:3\n", "", 0)
    assert run(pixel, '(\necho kept # a comment\n)\necho "KB:$?"') == ("kept\nKB:0\n", "", 0)
    assert run(pixel, "(x=1; cd /sdcard); echo [$x]; pwd") == ("[]\n/\n", "", 0)
    assert run(pixel, "(echo a; echo b) | wc -l")[0].strip() == "2"
    assert run(pixel, "(echo a")[1] == "/system/bin/sh: syntax error: unexpected EOF\n"
    assert run(pixel, "( )")[1] == "/system/bin/sh: syntax error: unexpected ')'\n"


def test_stdin_is_consumed_as_it_is_read(pixel):
    assert run(pixel, "cat; echo --; cat", b"once\n")[0] == "once\n--\n"
    assert run(pixel, "cat < /dev/null; cat", b"host\n")[0] == "host\n"


def test_terminal_output_interleaves_the_streams_in_order(pixel):
    result = pixel.run_shell('echo one; nosuch; echo "KB_EXIT:$?"')
    assert result.terminal_output == (
        b"one\n/system/bin/sh: nosuch: inaccessible or not found\nKB_EXIT:127\n"
    )


def test_and_or_lists_short_circuit(pixel):
    assert run(pixel, "false && echo no || echo yes")[0] == "yes\n"
    assert run(pixel, "true || echo no; echo done")[0] == "done\n"


def test_quoting_and_expansion(pixel):
    assert run(pixel, "echo '$?' \"$?\" \\$HOME a\\ b")[0] == "$? 0 $HOME a b\n"
    assert run(pixel, "X='two words'; echo \"[$X]\" [$X]")[0] == "[two words] [two words]\n"
    assert run(pixel, "echo -n no-newline")[0] == "no-newline"
    assert run(pixel, 'echo "serial=$(getprop ro.serialno)"')[0] == f"serial={pixel.serial}\n"


def test_an_assignment_alone_takes_the_status_of_its_substitution(pixel):
    assert run(pixel, 'X=$(false) || echo failed; echo "[$X]"')[0] == "failed\n[]\n"
    assert run(pixel, "false; X=$(true) && echo ok")[0] == "ok\n"
    assert run(pixel, "false; X=plain && echo ok")[0] == "ok\n"
    assert run(pixel, "X=$(exit 3) || exit")[2] == 3


def test_syntax_errors_run_nothing(pixel):
    assert run(pixel, "echo 'open") == ("", "/system/bin/sh: no closing quote\n", 1)
    assert run(pixel, "echo a; ; echo b") == (
        "",
        "/system/bin/sh: syntax error: unexpected ';'\n",
        1,
    )
    assert run(pixel, "echo a &&")[1] == "/system/bin/sh: syntax error: unexpected EOF\n"


def test_redirections(pixel):
    assert (
        run(pixel, "echo one > /sdcard/Download/x.txt; echo two >> /sdcard/Download/x.txt")[2] == 0
    )
    assert run(pixel, "cat /sdcard/Download/x.txt") == ("one\ntwo\n", "", 0)
    assert run(pixel, "cat /nope 2>&1") == ("cat: /nope: No such file or directory\n", "", 1)
    assert run(pixel, "cat /nope 2>/dev/null; echo $?") == ("1\n", "", 0)
    assert run(pixel, "wc -l < /sdcard/Download/x.txt")[0] == "2\n"
    assert run(pixel, "echo x > /system/x") == (
        "",
        "/system/bin/sh: can't create /system/x: Read-only file system\n",
        1,
    )
    assert run(pixel, "echo x > /data/data/x")[1].endswith(": Permission denied\n")


def test_pipes_into_filters(pixel):
    listing = "pm list packages | grep -c google"
    assert int(run(pixel, listing)[0]) >= 3
    assert run(pixel, "pm list packages | grep -q com.android.chrome; echo $?")[0] == "0\n"
    assert run(pixel, "pm list packages | grep -q com.nope; echo $?")[0] == "1\n"
    assert run(pixel, "printf 'b\\na\\nc\\n' | sort | head -n 2")[0] == "a\nb\n"
    assert run(pixel, "echo a:b:c | cut -d: -f2")[0] == "b\n"
    assert (
        run(pixel, "getprop | grep -i 'ro.product.model'")[0] == "[ro.product.model]: [Pixel 8]\n"
    )


def test_sh_c_and_test(pixel):
    assert run(pixel, "sh -c 'echo inner; exit 4'; echo \"outer $?\"")[0] == "inner\nouter 4\n"
    assert run(pixel, "[ -d /sdcard/Download ] && echo dir")[0] == "dir\n"
    assert run(pixel, '[ "$(getprop sys.boot_completed)" = 1 ]; echo $?')[0] == "0\n"


# --- files -------------------------------------------------------------------------------------


def test_file_commands(pixel):
    run(pixel, "mkdir -p /data/local/tmp/kit/a && echo hi > /data/local/tmp/kit/a/f")
    assert run(pixel, "ls /data/local/tmp/kit/a")[0] == "f\n"
    assert run(pixel, "stat -c '%s %a %n' /data/local/tmp/kit/a/f")[0] == (
        "3 644 /data/local/tmp/kit/a/f\n"
    )
    assert run(pixel, "md5sum /data/local/tmp/kit/a/f")[0] == (
        "764efa883dda1e11db47671c4a3bbd9e  /data/local/tmp/kit/a/f\n"
    )
    assert run(pixel, "mkdir /data/local/tmp/kit")[1] == (
        "mkdir: '/data/local/tmp/kit': File exists\n"
    )
    assert run(pixel, "rm /data/local/tmp/kit")[1] == "rm: /data/local/tmp/kit: Is a directory\n"
    assert run(pixel, "rm -rf /data/local/tmp/kit; ls /data/local/tmp/kit")[2] == 1
    assert run(pixel, "ls /data")[1] == "ls: /data: Permission denied\n"


def test_identity_commands(pixel):
    assert run(pixel, "id")[0].startswith("uid=2000(shell) gid=2000(shell) groups=2000(shell),")
    assert run(pixel, "whoami")[0] == "shell\n"
    assert run(pixel, "df -h /sdcard")[0].splitlines()[1].endswith("/storage/emulated")


# --- packages ----------------------------------------------------------------------------------


def test_install_then_list_and_dumpsys_show_it(pixel):
    push_apk(pixel, "/data/local/tmp/pos.apk", "com.example.pos", 7)
    stdout, _, status = run(pixel, "pm install -r -g /data/local/tmp/pos.apk")
    assert (stdout, status) == ("Success\n", 0)
    assert pixel.run_shell("pm install /data/local/tmp/pos.apk").install_bytes > 0
    assert run(pixel, "pm list packages -3 --show-versioncode")[0] == (
        "package:com.example.pos versionCode:7\n"
    )
    dump = run(pixel, "dumpsys package com.example.pos")[0]
    assert "Package [com.example.pos]" in dump
    assert "    versionCode=7 minSdk=21 targetSdk=34\n" in dump
    assert "    versionName=7.0\n" in dump
    assert run(pixel, "pm path com.example.pos")[0].startswith("package:/data/app/~~")


def test_downgrade_refused_and_allowed_with_d(pixel):
    push_apk(pixel, "/sdcard/Download/v2.apk", "com.example.pos", 2)
    push_apk(pixel, "/sdcard/Download/v1.apk", "com.example.pos", 1)
    run(pixel, "pm install /sdcard/Download/v2.apk")
    assert run(pixel, "pm install -r /sdcard/Download/v1.apk") == (
        "Failure [INSTALL_FAILED_VERSION_DOWNGRADE: Downgrade detected: Update version code 1 is "
        "older than current 2]\n",
        "",
        1,
    )
    assert run(pixel, "pm install -r -d /sdcard/Download/v1.apk")[0] == "Success\n"


def test_streamed_install_through_cmd_package(pixel):
    apk = build_apk("com.example.stream", 5)
    result = pixel.run_shell(f"cmd package install -S {len(apk)}", apk)
    assert (result.stdout, result.exit_code, result.install_bytes) == (b"Success\n", 0, len(apk))
    assert "com.example.stream" in run(pixel, "cmd package list packages -3")[0]


def test_install_failures(pixel):
    pixel.fs_write("/sdcard/Download/junk.apk", b"not a zip", 0o644, 1)
    stdout, _, status = run(pixel, "pm install /sdcard/Download/junk.apk")
    assert status == 1
    assert stdout.startswith(
        "Failure [INSTALL_PARSE_FAILED_NOT_APK: Failed to parse /data/app/vmdl"
    )
    _, stderr, status = run(pixel, "pm install /sdcard/Download/missing.apk")
    assert status == 255
    assert stderr.startswith("Error: Can't open file: /sdcard/Download/missing.apk\n")


def test_uninstall_disable_enable(pixel):
    assert run(pixel, "pm uninstall com.nope") == (
        "Failure [DELETE_FAILED_INTERNAL_ERROR]\n",
        "",
        1,
    )
    assert run(pixel, "pm disable-user --user 0 com.android.chrome") == (
        "Package com.android.chrome new state: disabled-user\n",
        "",
        0,
    )
    assert run(pixel, "pm list packages -d")[0] == "package:com.android.chrome\n"
    assert run(pixel, "pm enable com.android.chrome")[0] == (
        "Package com.android.chrome new state: enabled\n"
    )
    assert run(pixel, "pm uninstall com.android.chrome")[2] == 1  # a system app stays
    assert run(pixel, "pm uninstall --user 0 com.android.chrome")[0] == "Success\n"
    assert "com.android.chrome" not in run(pixel, "pm list packages")[0]
    assert run(pixel, "pm path com.android.chrome")[2] == 1


def test_grant_unknown_package_is_a_framework_exception(pixel):
    _, stderr, status = run(pixel, "pm grant com.nope android.permission.CAMERA")
    assert status == 255
    assert stderr.startswith(
        "\nException occurred while executing 'grant':\n"
        "java.lang.IllegalArgumentException: Unknown package: com.nope\n\tat "
    )
    push_apk(pixel, "/sdcard/Download/pos.apk", "com.example.pos", 1)
    run(pixel, "pm install /sdcard/Download/pos.apk")
    assert run(pixel, "pm grant com.example.pos android.permission.CAMERA") == ("", "", 0)
    assert (
        "android.permission.CAMERA: granted=true"
        in run(pixel, "dumpsys package com.example.pos")[0]
    )


# --- settings and properties -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["7", "two words", 'it\'s "quoted" $HOME'])
def test_a_setting_is_read_and_changed_in_one_command_line(pixel, value):
    command = setting_command("global", "device_name", value)
    assert run(pixel, command) == ("Pixel 8\n", "", 0)
    assert run(pixel, command) == (f"{value}\n", "", 0)
    assert run(pixel, "settings get global device_name")[0] == f"{value}\n"
    assert run(pixel, setting_command("bogus", "x", value)) == (
        "",
        "Invalid namespace 'bogus'\n",
        255,
    )


def test_settings_round_trip(pixel):
    assert run(pixel, "settings get global stay_on_while_plugged_in")[0] == "0\n"
    assert run(pixel, "settings put global stay_on_while_plugged_in 7") == ("", "", 0)
    assert run(pixel, "settings get global stay_on_while_plugged_in")[0] == "7\n"
    assert run(pixel, "settings get secure nothing_here")[0] == "null\n"
    assert run(pixel, "settings delete global stay_on_while_plugged_in")[0] == "Deleted 1 rows\n"
    assert run(pixel, "settings get bogus x") == ("", "Invalid namespace 'bogus'\n", 255)
    assert "device_name=Pixel 8\n" in run(pixel, "settings list global")[0]


def test_setprop(pixel, legacy):
    assert run(pixel, "setprop ro.build.id X") == (
        "",
        "Failed to set property 'ro.build.id' to 'X'.\nSee dmesg for error reason.\n",
        1,
    )
    assert run(legacy, "setprop ro.build.id X")[1] == (
        "setprop: failed to set property 'ro.build.id' to 'X'\n"
    )
    assert run(pixel, "setprop persist.sys.timezone Europe/Berlin; getprop persist.sys.timezone")[
        0
    ] == ("Europe/Berlin\n")


def test_svc_and_reboot(pixel):
    run(pixel, "svc power stayon usb")
    assert run(pixel, "settings get global stay_on_while_plugged_in")[0] == "2\n"
    assert pixel.run_shell("reboot").reboot
    assert pixel.run_shell("svc power reboot").reboot
    assert not pixel.run_shell("echo reboot").reboot


# --- device owner ------------------------------------------------------------------------------


def test_device_owner_on_a_clean_device(pixel):
    push_apk(pixel, "/sdcard/Download/mdm.apk", "com.example.mdm", 1)
    _, stderr, status = run(pixel, "dpm set-device-owner com.example.mdm/.AdminReceiver")
    assert status == 255
    assert "java.lang.IllegalArgumentException: Unknown admin: ComponentInfo{com.example.mdm/" in (
        stderr
    )
    run(pixel, "pm install /sdcard/Download/mdm.apk")
    assert run(pixel, "dpm set-device-owner com.example.mdm/.AdminReceiver") == (
        "Success: Device owner set to package "
        "ComponentInfo{com.example.mdm/com.example.mdm.AdminReceiver}\n"
        "Active admin set to component {com.example.mdm/com.example.mdm.AdminReceiver}\n",
        "",
        0,
    )
    _, stderr, status = run(pixel, "dpm set-device-owner com.example.mdm/.AdminReceiver")
    assert status == 255
    assert "but device owner (ComponentInfo{com.example.mdm/" in stderr
    assert run(pixel, "pm uninstall com.example.mdm")[0] == (
        "Failure [DELETE_FAILED_DEVICE_POLICY_MANAGER]\n"
    )


def test_device_owner_refused_on_a_used_device(tmp_path):
    used = device_for(tmp_path, "pixel8", with_account=True)
    push_apk(used, "/sdcard/Download/mdm.apk", "com.example.mdm", 1)
    run(used, "pm install /sdcard/Download/mdm.apk")
    _, stderr, status = run(used, "dpm set-device-owner com.example.mdm/.AdminReceiver")
    assert status == 255
    assert (
        "java.lang.IllegalStateException: Not allowed to set the device owner because there are "
        "already some accounts on the device\n"
    ) in stderr
    assert used.state.device_owner is None


def test_legacy_dpm_prints_a_stack_trace_and_exits_1(legacy):
    push_apk(legacy, "/sdcard/Download/mdm.apk", "com.example.mdm", 1)
    run(legacy, "pm install /sdcard/Download/mdm.apk")
    _, stderr, status = run(legacy, "dpm set-device-owner com.example.mdm/.AdminReceiver")
    assert status == 1
    assert stderr.startswith("java.lang.IllegalStateException: Not allowed to set the device owner")


# --- Wi-Fi, dumpsys, cmd -----------------------------------------------------------------------


def test_wifi_on_android_11_and_later(pixel):
    assert run(pixel, "cmd wifi connect-network Warehouse wpa2 s3cretpass") == (
        "Connection initiated \n",
        "",
        0,
    )
    listing = run(pixel, "cmd wifi list-networks")[0]
    assert "Warehouse" in listing and "wpa2-psk" in listing
    assert 'Wifi is connected to "Warehouse"' in run(pixel, "cmd wifi status")[0]
    assert run(pixel, "cmd wifi connect-network Bad wpa2 short")[0] == "Connection failed\n"


def test_wifi_shell_command_refused_on_android_8(legacy):
    _, stderr, status = run(legacy, "cmd wifi connect-network Warehouse wpa2 s3cretpass")
    assert status == 255
    assert stderr.startswith("Security exception: Uid 2000 does not have access to wifi commands\n")


def test_cmd_without_the_service(pixel):
    assert run(pixel, "cmd nosuchservice x") == ("", "cmd: Can't find service: nosuchservice\n", 20)


def test_dumpsys_battery_layout(pixel):
    pixel.set_battery(55)
    dump = run(pixel, "dumpsys battery")[0]
    assert dump.startswith(
        "Current Battery Service state:\n  AC powered: false\n  USB powered: true\n"
    )
    assert "  level: 55\n  scale: 100\n" in dump
    assert "  status: 2\n" in dump
    run(pixel, "dumpsys battery unplug")
    assert "  status: 3\n" in run(pixel, "dumpsys battery")[0]


def test_activity_manager(pixel):
    assert run(pixel, "am broadcast -a com.example.PING") == (
        "Broadcasting: Intent { act=com.example.PING flg=0x400000 }\n"
        "Broadcast completed: result=0\n",
        "",
        0,
    )
    stdout, stderr, _ = run(pixel, "am start -n com.nope/.Main")
    assert stdout == "Starting: Intent { cmp=com.nope/.Main }\n"
    assert (
        stderr == "Error type 3\nError: Activity class {com.nope/com.nope.Main} does not exist.\n"
    )
    assert run(pixel, "input keyevent KEYCODE_HOME; am force-stop com.android.chrome") == (
        "",
        "",
        0,
    )
