"""Import pylsl without a traceback; configure liblsl (silent log, local discovery) early."""

from __future__ import annotations

import configparser
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ionm_tui.errors import StreamError

# Verified with pylsl 1.18.6 / liblsl 1.18.0 (see docs of configure_lsl): liblsl reads its
# configuration once, lazily, at the first call that needs it; creating a StreamInfo is enough.
_SILENT_LOG = "[log]\nlevel = -3\n"
_LOCAL_ONLY = (
    "[multicast]\nResolveScope = machine\n"
    "[lab]\nKnownPeers = {127.0.0.1}\n"
    "[ports]\nIPv6 = disable\n"
)
_PYLSL_HINT = (
    "pylsl bundles liblsl only for Windows x64, macOS and Linux x86_64 with glibc >= 2.35. "
    "On other systems (older Linux, ARM boards) install liblsl (`conda install -c conda-forge "
    "liblsl` or https://github.com/sccn/liblsl/releases) and set PYLSL_LIB=/path/to/liblsl.so."
)


@dataclass(frozen=True, slots=True)
class LslConfig:
    """The configuration handed to liblsl for this process.

    Attributes:
        source: where it came from: ``"LSLAPICFG=<path>"`` or ``"built-in"``.
        lan: True if discovery may leave this machine (built-in config only; a user file
            decides for itself).
        content: the exact INI text given to liblsl.
    """

    source: str
    lan: bool
    content: str


_lock = threading.Lock()
_applied: LslConfig | None = None


def import_pylsl() -> ModuleType:
    """Import pylsl, turning a missing or unloadable liblsl into a readable error.

    Returns:
        The ``pylsl`` module.

    Raises:
        StreamError: liblsl could not be found or loaded (message says how to set PYLSL_LIB).
    """
    try:
        import pylsl
    except (ImportError, OSError, RuntimeError) as exc:
        # pylsl raises RuntimeError (not found / wrong architecture) with a long multi-line
        # text; keep its first line and say what to do. `from None`: no traceback chain.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StreamError(
            f"Cannot load liblsl, the Lab Streaming Layer library ({first}). {_PYLSL_HINT}",
            title="LSL library unavailable",
        ) from None
    return pylsl


def _user_config(path: str) -> str:
    """Read the user's LSLAPICFG file and add a silent log level unless it sets one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StreamError(
            f"LSLAPICFG points to {path!r}, which cannot be read ({exc.strerror}). "
            "Fix the path or unset LSLAPICFG.",
            title="LSL configuration",
        ) from None
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
        has_level = parser.has_option("log", "level")
    except configparser.Error:
        # liblsl's own INI reader is more lenient; pass the file through untouched.
        has_level = True
    # liblsl logs straight to file descriptor 2, where the console draws its screen.
    return text if has_level else text.rstrip("\n") + "\n" + _SILENT_LOG


def configure_lsl(*, lan: bool = False) -> LslConfig:
    """Configure liblsl once per process, before any stream is created or resolved.

    Without ``LSLAPICFG`` the built-in config silences liblsl's log and, unless ``lan``, keeps
    discovery on this machine (``ResolveScope = machine``, ``KnownPeers = {127.0.0.1}``, no
    IPv6). With ``LSLAPICFG`` set, that file is used as-is (``lan`` is ignored) except that a
    silent ``[log] level`` is added when the file sets none.

    The text goes to ``pylsl.set_config_content``. Verified (pylsl 1.18.6, liblsl 1.18.0):
    content set after ``import pylsl`` and before the first StreamInfo / outlet / resolve wins
    over both an ``LSLAPICFG`` file and the defaults; setting it (or ``LSLAPICFG``) after the
    first ``StreamInfo`` or ``library_info()`` call is silently ignored. ``local_clock()`` does
    not load the config. This is why the user's file is passed as content here.

    Args:
        lan: let discovery reach other machines (the amplifier PC) on the built-in config.

    Returns:
        What was applied. Calling again with the same ``lan`` returns the same record.

    Raises:
        StreamError: pylsl cannot be loaded, ``LSLAPICFG`` is unreadable, or liblsl was
            already configured here with a different ``lan``.
    """
    global _applied
    with _lock:
        if _applied is not None:
            if _applied.lan != lan and _applied.source == "built-in":
                raise StreamError(
                    f"LSL is already configured for {'LAN' if _applied.lan else 'this machine'} "
                    "discovery; liblsl reads its configuration once per process.",
                    title="LSL configuration",
                )
            return _applied
        pylsl = import_pylsl()
        path = os.environ.get("LSLAPICFG", "")
        if path:
            config = LslConfig(source=f"LSLAPICFG={path}", lan=lan, content=_user_config(path))
        else:
            content = _SILENT_LOG + ("" if lan else _LOCAL_ONLY)
            config = LslConfig(source="built-in", lan=lan, content=content)
        pylsl.set_config_content(config.content)
        _applied = config
        return config


def ensure_lsl() -> ModuleType:
    """Return pylsl, applying the default (machine-only, silent) config if none was applied.

    Every LSL entry point of this package calls it, so liblsl can never start unconfigured.
    """
    if _applied is None:
        configure_lsl()
    return import_pylsl()
