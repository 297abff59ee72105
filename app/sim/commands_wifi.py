"""`cmd wifi`: joining and listing Wi-Fi networks from the shell.

Android 11 (SDK 30) opened `connect-network`, `list-networks` and `status` to the shell user.
Before that WifiShellCommand refused every caller but root, so an Android 8.1 device answers
with a SecurityException, exactly as a real one does.
"""

from app.sim.commands_core import SHELL_CRASH_STATUS, Invocation
from app.sim.device_state import WifiNetwork

FIRST_SHELL_WIFI_SDK = 30
SECURITY_TYPES = {
    "open": "open",
    "owe": "owe",
    "wpa2": "wpa2-psk",
    "wpa3": "wpa3-sae",
    "wep": "wep",
}
WIFI_FRAMES = [
    "com.android.server.wifi.WifiShellCommand.onCommand",
    "com.android.modules.utils.BasicShellCommandHandler.exec",
    "android.os.ShellCommand.exec",
]


def wifi(ctx: Invocation) -> int:
    if ctx.sdk < FIRST_SHELL_WIFI_SDK:
        message = "Uid 2000 does not have access to wifi commands"
        ctx.err(
            f"Security exception: {message}\n\njava.lang.SecurityException: {message}\n"
            "\tat com.android.server.wifi.WifiShellCommand.checkRootPermission"
            "(WifiShellCommand.java:132)\n"
            "\tat com.android.server.wifi.WifiShellCommand.onCommand(WifiShellCommand.java:59)\n"
            "\tat android.os.ShellCommand.exec(ShellCommand.java:96)\n"
        )
        return SHELL_CRASH_STATUS
    subcommand = ctx.args[0] if ctx.args else ""
    handler = {
        "connect-network": connect_network,
        "list-networks": list_networks,
        "forget-network": forget_network,
        "status": status,
        "set-wifi-enabled": set_wifi_enabled,
    }.get(subcommand)
    if handler is None:
        if subcommand in ("", "help", "-h"):
            ctx.out("Wi-Fi (wifi) commands:\n  help or -h\n    Print this help text.\n"
                    "  connect-network <ssid> open|owe|wpa2|wpa3 [<passphrase>] [-h]\n"
                    "  list-networks\n  forget-network <networkId>\n  status\n"
                    "  set-wifi-enabled enabled|disabled\n")  # fmt: skip
            return 0
        ctx.out(f"Unknown command: {subcommand}\n")
        return SHELL_CRASH_STATUS
    return handler(ctx, ctx.args[1:])


def connect_network(ctx: Invocation, args: list[str]) -> int:
    if len(args) < 2:
        after = args[-1] if args else "connect-network"
        return ctx.crash("connect-network", "java.lang.IllegalArgumentException",
                         f'Argument expected after "{after}"', WIFI_FRAMES)  # fmt: skip
    ssid, security = args[0], args[1]
    allowed = set(SECURITY_TYPES) - ({"wep"} if ctx.sdk < 33 else set())
    if security not in allowed:
        return ctx.crash("connect-network", "java.lang.IllegalArgumentException",
                         f"Unknown network type {security}", WIFI_FRAMES)  # fmt: skip
    passphrase = ""
    if security not in ("open", "owe"):
        if len(args) < 3:
            return ctx.crash("connect-network", "java.lang.IllegalArgumentException",
                             f'Argument expected after "{security}"', WIFI_FRAMES)  # fmt: skip
        passphrase = args[2]
        if security != "wep" and not 8 <= len(passphrase) <= 63:
            ctx.out("Connection failed\n")
            return SHELL_CRASH_STATUS
    state = ctx.device.state
    network = next((n for n in state.wifi_networks if n.ssid == ssid), None)
    if network is None:
        network_id = max((n.network_id for n in state.wifi_networks), default=-1) + 1
        network = WifiNetwork(network_id, ssid, security, passphrase)
        state.wifi_networks.append(network)
    network.security, network.passphrase = security, passphrase
    state.wifi_connected = network.network_id
    state.settings["global"]["wifi_on"] = "1"
    ctx.device.save()
    ctx.out("Connection initiated \n")
    return 0


def list_networks(ctx: Invocation, _args: list[str]) -> int:
    networks = ctx.device.state.wifi_networks
    if not networks:
        ctx.out("No networks\n")
        return 0
    ctx.out("Network Id      SSID                         Security type\n")
    for network in networks:
        kind = SECURITY_TYPES[network.security]
        ctx.out(f"{network.network_id:<15} {network.ssid:<28} {kind}\n")
    return 0


def forget_network(ctx: Invocation, args: list[str]) -> int:
    state = ctx.device.state
    wanted = args[0] if args else ""
    remaining = [n for n in state.wifi_networks if str(n.network_id) != wanted]
    if len(remaining) == len(state.wifi_networks):
        ctx.out("Forget failed\n")
        return SHELL_CRASH_STATUS
    state.wifi_networks = remaining
    if state.wifi_connected is not None and str(state.wifi_connected) == wanted:
        state.wifi_connected = None
    ctx.device.save()
    ctx.out("Forget successful\n")
    return 0


def status(ctx: Invocation, _args: list[str]) -> int:
    state = ctx.device.state
    if state.settings["global"].get("wifi_on") != "1":
        ctx.out("Wifi is disabled\n")
        return 0
    ctx.out("Wifi is enabled\nWifi scanning is always available\n")
    network = next((n for n in state.wifi_networks if n.network_id == state.wifi_connected), None)
    if network is None:
        ctx.out("Wifi is not connected\n")
        return 0
    ctx.out(
        f'Wifi is connected to "{network.ssid}"\n'
        f'WifiInfo: SSID: "{network.ssid}", BSSID: 02:00:00:00:00:00, MAC: 02:00:00:00:00:00, '
        "Supplicant state: COMPLETED, Wi-Fi standard: 5, RSSI: -52, Link speed: 433Mbps, "
        f"Frequency: 5180MHz, Net ID: {network.network_id}\n"
    )
    return 0


def set_wifi_enabled(ctx: Invocation, args: list[str]) -> int:
    if not args or args[0] not in ("enabled", "disabled"):
        return ctx.crash("set-wifi-enabled", "java.lang.IllegalArgumentException",
                         "Expected enabled|disabled", WIFI_FRAMES)  # fmt: skip
    ctx.device.state.settings["global"]["wifi_on"] = "1" if args[0] == "enabled" else "0"
    if args[0] == "disabled":
        ctx.device.state.wifi_connected = None
    ctx.device.save()
    return 0
