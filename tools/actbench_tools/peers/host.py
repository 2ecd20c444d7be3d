"""Facts about this host for a report's context (the cpu backend's harness/sysinfo.cpp reads the same files)."""

from __future__ import annotations

import os
import platform
import socket
from pathlib import Path

CPU_ROOT = Path("/sys/devices/system/cpu")


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read(Path("/proc/cpuinfo")).splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def mhz_per_cpu() -> int:
    for line in _read(Path("/proc/cpuinfo")).splitlines():
        if line.startswith("cpu MHz"):
            try:
                return int(float(line.split(":", 1)[1]))
            except ValueError:
                break
    return 0


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text) if text.isdigit() else 0


def caches() -> list[dict]:
    """cpu0's caches as Google Benchmark lists them: {type, level, size, num_sharing}."""
    out = []
    for d in sorted(CPU_ROOT.glob("cpu0/cache/index*")):
        shared = _read(d / "shared_cpu_list")
        sharing = 0
        for part in filter(None, shared.split(",")):
            lo, _, hi = part.partition("-")
            sharing += int(hi) - int(lo) + 1 if hi else 1
        level = _read(d / "level")
        out.append({"type": _read(d / "type") or "Unknown", "level": int(level) if level.isdigit() else 0,
                    "size": _size(_read(d / "size")), "num_sharing": sharing})
    return out


def last_level_cache_bytes() -> int:
    c = [x for x in caches() if x["type"] in ("Unified", "Data")]
    return max(c, key=lambda x: (x["level"], x["size"]))["size"] if c else 0


def scaling_enabled() -> bool:
    governor = _read(CPU_ROOT / "cpu0" / "cpufreq" / "scaling_governor")
    return bool(governor) and governor != "performance"


def os_text() -> str:
    """"Linux 6.1.0 x86_64 (Debian GNU/Linux 12 (bookworm))", as harness/sysinfo.cpp writes it."""
    u = platform.uname()
    out = f"{u.system} {u.release} {u.machine}"
    for line in _read(Path("/etc/os-release")).splitlines():
        if line.startswith("PRETTY_NAME="):
            out += f" ({line[12:].strip().strip(chr(34))})"
    return out


def host_context() -> dict:
    return {"host_name": socket.gethostname(), "num_cpus": os.cpu_count() or 0, "mhz_per_cpu": mhz_per_cpu(),
            "cpu_scaling_enabled": scaling_enabled(), "caches": caches(), "os": os_text(),
            "cpu_model": cpu_model()}
