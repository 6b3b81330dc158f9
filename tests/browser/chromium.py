"""Headless Chromium from Debian's package, driven from the command line, and a tiny PNG reader."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1400,1400",
    # Virtual time runs only while the page is idle: pending fetches hold it, so the page is
    # captured after its requests have been answered and drawn, not after a wall-clock wait.
    "--virtual-time-budget=20000",
)


def chromium_binary() -> str | None:
    """The Chromium executable, if installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _run(binary: str, profile: Path, url: str, *extra: str) -> bytes:
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *extra, url]
    # The timeout only guards against a hung browser; nothing is asserted about speed.
    done = subprocess.run(command, capture_output=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr[-2000:]!r}")
    return done.stdout


def dump_dom(binary: str, profile: Path, url: str) -> str:
    """The page's DOM after its scripts ran."""
    return _run(binary, profile, url, "--dump-dom").decode("utf-8", errors="replace")


def screenshot(binary: str, profile: Path, url: str, target: Path) -> bytes:
    """A PNG screenshot of the page."""
    _run(binary, profile, url, f"--screenshot={target}")
    return target.read_bytes()


@dataclass(frozen=True)
class Image:
    """Decoded RGB(A) pixels of a PNG."""

    width: int
    height: int
    channels: int
    rows: list[bytes]

    def colours(self) -> Counter[tuple[int, int, int]]:
        """How many pixels have each RGB colour."""
        counts: Counter[tuple[int, int, int]] = Counter()
        step = self.channels
        for row in self.rows:
            counts.update(zip(row[0::step], row[1::step], row[2::step], strict=True))
        return counts


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter(kind: int, line: bytearray, previous: bytes, bpp: int) -> None:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 2:
            line[i] = (line[i] + up) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            upper_left = previous[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + _paeth(left, up, upper_left)) & 255


def read_png(data: bytes) -> Image:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, chunks, header = 8, [], b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or interlace or colour_type not in (2, 6):
        raise ValueError(
            f"unsupported PNG: depth {depth}, colour {colour_type}, interlace {interlace}"
        )
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if raw[start]:
            _unfilter(raw[start], line, previous, channels)
        previous = bytes(line)
        rows.append(previous)
    return Image(width, height, channels, rows)
