"""What a simulated device's screen shows, and `screencap`, which hands it to the host.

The screen follows the device's state: the "Allow USB debugging?" dialog while a host waits
on it, the setup wizard until setup is complete (a device just factory reset), else the home
screen with the model's name. It is drawn with Pillow at the profile's resolution, as a PNG
(`screencap -p`) or screencap's raw form (width, height, format, then RGBA pixels). A picture
is kept per device until what it shows changes (or the clock's minute), and drawn off the
event loop when a host asks, so a capture never holds up the other devices.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from app.sim.android import AndroidDevice
from app.sim.commands_core import Command, Invocation, local_time
from app.sim.device_state import FsError
from app.sim.file_system import resolve
from app.sim.greenlets import under_run_sync, wait_for

RAW_FORMAT_RGBA_8888 = 1  # screencap's raw header: width, height, pixel format (uint32 each)
RAW_HEADER = struct.Struct("<III")


class ScreenState(StrEnum):
    HOME = "home"
    ALLOW_PROMPT = "allow-prompt"  # "Allow USB debugging?" over whatever was behind it
    SETUP_WIZARD = "setup-wizard"  # after a factory reset, until setup is complete


@dataclass(frozen=True)
class Scene:
    """Everything a picture depends on: equal scenes give the same PNG."""

    model: str
    width: int
    height: int
    state: ScreenState
    clock: str  # HH:MM on the device's clock
    date: str  # e.g. "Mon, Dec 7"
    battery: int
    fingerprint: str  # the waiting host key's, for the dialog


def scene_of(device: AndroidDevice) -> Scene:
    """The scene `device` shows now."""
    now = local_time(device)
    if device.allow_prompts:
        state = ScreenState.ALLOW_PROMPT
    elif device.state.settings["secure"].get("user_setup_complete", "1") != "1":
        state = ScreenState.SETUP_WIZARD
    else:
        state = ScreenState.HOME
    width, height = device.profile.screen_size
    level = device.battery_override.get("level", device.state.battery.level)
    key = next(iter(device.allow_prompts), b"")
    return Scene(
        model=device.getprop("ro.product.model") or device.profile.name,
        width=width,
        height=height,
        state=state,
        clock=f"{now:%H:%M}",
        date=f"{now:%a, %b} {now.day}",
        battery=level,
        fingerprint=_fingerprint(key),
    )


@lru_cache(maxsize=64)
def render_png(scene: Scene) -> bytes:
    """The scene as screencap -p writes it."""
    buffer = io.BytesIO()
    draw_scene(scene).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def draw_scene(scene: Scene) -> Image.Image:
    width, height = scene.width, scene.height
    unit = min(width, height) / 100  # a hundredth of the short side
    image = Image.new("RGB", (width, height), "#0b3d5c")
    draw = ImageDraw.Draw(image)
    if scene.state is ScreenState.SETUP_WIZARD:
        _setup_wizard(draw, scene, unit)
    else:
        _home(draw, scene, unit)
    _status_bar(draw, scene, unit, light=scene.state is not ScreenState.SETUP_WIZARD)
    if scene.state is ScreenState.ALLOW_PROMPT:
        image = _allow_dialog(image, scene, unit)
    return image


def _font(size: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, round(size)))


def _centred(draw: ImageDraw.ImageDraw, y: float, text: str, size: float, fill: str,
             width: int) -> None:  # fmt: skip
    font = _font(size)
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    draw.text(((width - (right - left)) / 2, y), text, font=font, fill=fill)


def _status_bar(draw: ImageDraw.ImageDraw, scene: Scene, unit: float, *, light: bool) -> None:
    colour = "#ffffff" if light else "#202124"
    size = 4 * unit
    draw.text((4 * unit, 2 * unit), scene.clock, font=_font(size), fill=colour)
    right = scene.width - 4 * unit
    draw.text((right - 16 * unit, 2 * unit), f"{scene.battery}%", font=_font(size), fill=colour)
    body = (right - 4 * unit, 2.6 * unit, right, 5.8 * unit)  # the battery's outline
    draw.rectangle(body, outline=colour, width=max(1, round(unit / 3)))
    filled = body[1] + (body[3] - body[1]) * (1 - scene.battery / 100)
    draw.rectangle((body[0], filled, body[2], body[3]), fill=colour)


def _home(draw: ImageDraw.ImageDraw, scene: Scene, unit: float) -> None:
    width, height = scene.width, scene.height
    for row in range(0, height, max(1, height // 64)):  # the wallpaper: a vertical gradient
        shade = row / height
        colour = (int(11 + 40 * shade), int(61 + 60 * shade), int(92 + 70 * shade))
        draw.rectangle((0, row, width, row + height // 64 + 1), fill=colour)
    _centred(draw, height * 0.12, scene.clock, 22 * unit, "#ffffff", width)
    _centred(draw, height * 0.12 + 26 * unit, scene.date, 5 * unit, "#dfe8ee", width)
    _centred(draw, height * 0.36, scene.model, 9 * unit, "#ffffff", width)
    icon, gap = 14 * unit, 8 * unit
    colours = ("#e8453c", "#f9bb2d", "#3b8ced", "#2ba24c")
    row_width = 4 * icon + 3 * gap
    for grid_row in range(2):
        top = height * 0.55 + grid_row * (icon + gap)
        for column, tint in enumerate(colours[grid_row:] + colours[:grid_row]):
            left = (width - row_width) / 2 + column * (icon + gap)
            draw.rounded_rectangle((left, top, left + icon, top + icon), radius=icon / 3,
                                   fill=tint)  # fmt: skip
    dock_top = height - 22 * unit
    draw.rounded_rectangle((6 * unit, dock_top, width - 6 * unit, dock_top + 12 * unit),
                           radius=6 * unit, fill="#dfe8ee")  # fmt: skip
    _centred(draw, dock_top + 3 * unit, "Search", 5 * unit, "#5f6368", width)


def _setup_wizard(draw: ImageDraw.ImageDraw, scene: Scene, unit: float) -> None:
    width, height = scene.width, scene.height
    draw.rectangle((0, 0, width, height), fill="#f8f9fa")
    draw.ellipse((width / 2 - 10 * unit, height * 0.16, width / 2 + 10 * unit,
                  height * 0.16 + 20 * unit), fill="#1a73e8")  # fmt: skip
    _centred(draw, height * 0.32, "Welcome", 10 * unit, "#202124", width)
    _centred(draw, height * 0.32 + 14 * unit, f"Let's set up your {scene.model}", 5 * unit,
             "#5f6368", width)  # fmt: skip
    _centred(draw, height * 0.32 + 22 * unit, "English (United States)", 4.5 * unit, "#1a73e8",
             width)  # fmt: skip
    button = (width - 36 * unit, height - 20 * unit, width - 6 * unit, height - 10 * unit)
    draw.rounded_rectangle(button, radius=5 * unit, fill="#1a73e8")
    draw.text((button[0] + 8 * unit, button[1] + 2.2 * unit), "Start", font=_font(5 * unit),
              fill="#ffffff")  # fmt: skip


def _allow_dialog(image: Image.Image, scene: Scene, unit: float) -> Image.Image:
    dimmed = Image.blend(image, Image.new("RGB", image.size, "#000000"), 0.55)
    draw = ImageDraw.Draw(dimmed)
    width, height = scene.width, scene.height
    left, right = 8 * unit, width - 8 * unit
    top = height / 2 - 38 * unit
    bottom = height / 2 + 38 * unit
    draw.rounded_rectangle((left, top, right, bottom), radius=6 * unit, fill="#f1f3f4")
    x = left + 7 * unit
    draw.text((x, top + 7 * unit), "Allow USB debugging?", font=_font(6.5 * unit),
              fill="#202124")  # fmt: skip
    body = _font(4.2 * unit)
    draw.text((x, top + 19 * unit), "The computer's RSA key fingerprint is:", font=body,
              fill="#3c4043")  # fmt: skip
    fingerprint = scene.fingerprint
    half = len(fingerprint) // 2 + 1
    draw.text((x, top + 26 * unit), fingerprint[:half], font=body, fill="#3c4043")
    draw.text((x, top + 32 * unit), fingerprint[half:], font=body, fill="#3c4043")
    box = (x, top + 42 * unit, x + 5 * unit, top + 47 * unit)
    draw.rectangle(box, outline="#5f6368", width=max(1, round(unit / 2)))
    draw.text((x + 8 * unit, top + 42 * unit), "Always allow from this computer", font=body,
              fill="#3c4043")  # fmt: skip
    button = _font(5 * unit)
    draw.text((right - 44 * unit, bottom - 14 * unit), "Cancel", font=button, fill="#1a73e8")
    draw.text((right - 20 * unit, bottom - 14 * unit), "Allow", font=button, fill="#1a73e8")
    return dimmed


def _fingerprint(key: bytes) -> str:
    """The dialog's fingerprint of a host key: its MD5 as colon-separated hex, as Android
    shows it (an empty key, with no host waiting, gives zeros)."""
    digest = hashlib.md5(key, usedforsecurity=False).digest() if key else bytes(16)
    return ":".join(f"{byte:02X}" for byte in digest)


def screencap(ctx: Invocation) -> int:
    """`screencap [-p] [-d DISPLAY] [FILE]`: the screen (one display) as PNG (-p, or a FILE
    ending in .png) or raw."""
    png, paths, words = False, [], iter(ctx.args)
    for word in words:
        if word == "-p":
            png = True
        elif word == "-d" and next(words, "").isdigit():
            continue  # the one display there is
        elif word.startswith("-"):
            ctx.err("usage: screencap [-hp] [-d display-id] [FILENAME]\n")
            return 1
        else:
            paths.append(word)
    scene = scene_of(ctx.device)
    if paths and paths[0].endswith(".png"):
        png = True
    data = _off_the_loop(render_png, scene) if png else _off_the_loop(_raw, scene)
    if paths:
        try:
            ctx.device.write_file(resolve(paths[0], ctx.session.cwd), data)
        except FsError as exc:
            return ctx.fail(f"Error opening file: {paths[0]} ({exc})")
        return 0
    ctx.out(data)
    return 0


def _raw(scene: Scene) -> bytes:
    image = draw_scene(scene).convert("RGBA")
    return RAW_HEADER.pack(scene.width, scene.height, RAW_FORMAT_RGBA_8888) + image.tobytes()


def _off_the_loop(draw: Callable[[Scene], bytes], scene: Scene) -> bytes:
    """Draw in a thread while the loop serves the other devices (when a host asked, under
    run_sync); directly otherwise (the model called in a test)."""
    if not under_run_sync():
        return draw(scene)
    return wait_for(asyncio.to_thread(draw, scene))


SCREEN_COMMANDS: dict[str, Command] = {"screencap": screencap}
