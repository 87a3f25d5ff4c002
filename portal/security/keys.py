"""Where encryption keys come from.

A key provider hands out the current key for new ciphertext and any older key by its id, so
ciphertext written before a rotation stays readable until it has been re-encrypted. The provider
is chosen by the dotted path in settings.ANNEX_KEY_PROVIDER; the default keeps a keyring file on
the server's disk. docs/security-model.md describes how an HSM or cloud KMS provider plugs in.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import re
import secrets
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from portal.security.errors import KeyringError, UnknownKeyError

KEY_BYTES = 32  # AES-256
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:/-]{1,128}$")


@runtime_checkable
class KeyProvider(Protocol):
    """Hands out 256-bit keys by id. Everything that encrypts or decrypts goes through one."""

    def current_key(self) -> tuple[str, bytes]:
        """The (key_id, key) that new ciphertext is written with."""

    def key(self, key_id: str) -> bytes:
        """The key with this id; raises UnknownKeyError if the provider does not hold it."""


@runtime_checkable
class RotatingKeyProvider(KeyProvider, Protocol):
    """A provider whose keys Annex itself rotates and retires (rotate_keys, retire_key)."""

    def key_ids(self) -> list[str]:
        """Every readable key id, oldest first."""

    def add_key(self) -> str:
        """Create a fresh key, make it current, and return its id."""

    def retire_key(self, key_id: str) -> None:
        """Destroy a key that is not current; ciphertext made with it becomes unreadable."""


@runtime_checkable
class PinnedKeyProvider(KeyProvider, Protocol):
    """A provider that also keeps keys outside rotation (the audit chain's HMAC key), made on first use."""

    def add_pinned_key(self, key_id: str) -> bytes:
        """The pinned key with this id, created if it does not exist yet."""


@dataclass
class Keyring:
    current: str
    keys: dict[str, bytes]
    retired: list[str] = field(default_factory=list)
    # Keys outside rotation: never current, never re-encrypted away, never retired (portal/audit/keys.py).
    pinned: dict[str, bytes] = field(default_factory=dict)

    def next_key_id(self) -> str:
        used = [*self.keys, *self.retired, *self.pinned]
        numbers = [int(m.group(1)) for kid in used if (m := re.fullmatch(r"k(\d+)", kid))]
        return f"k{max(numbers, default=0) + 1}"

    def to_json(self) -> str:
        data = {
            "current": self.current,
            "keys": {kid: base64.b64encode(key).decode("ascii") for kid, key in self.keys.items()},
            "retired": self.retired,
        }
        if self.pinned:
            data["pinned"] = {kid: base64.b64encode(key).decode("ascii") for kid, key in self.pinned.items()}
        return json.dumps(data, indent=2) + "\n"


def _parse_keyring(text: str, *, path: Path) -> Keyring:
    def bad(reason: str) -> KeyringError:
        return KeyringError(f"keyring {path} is invalid: {reason}")

    try:
        data = json.loads(text)
    except ValueError as exc:
        raise bad(f"not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
        raise bad('expected {"current": "<id>", "keys": {"<id>": "<base64 key>", ...}}')
    if not isinstance(data.get("pinned", {}), dict):
        raise bad('pinned must be {"<id>": "<base64 key>", ...}')

    def decoded(entries: dict) -> dict[str, bytes]:
        keys = {}
        for kid, encoded in entries.items():
            if not KEY_ID_PATTERN.fullmatch(kid):
                raise bad(f"key id {kid!r} must be 1-128 characters of A-Z a-z 0-9 . _ : / -")
            try:
                key = base64.b64decode(str(encoded), validate=True)
            except (binascii.Error, ValueError):
                raise bad(f"key {kid!r} is not valid base64") from None
            if len(key) != KEY_BYTES:
                raise bad(f"key {kid!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES}")
            keys[kid] = key
        return keys

    keys = decoded(data["keys"])
    pinned = decoded(data.get("pinned", {}))
    if set(pinned) & set(keys):
        raise bad(f"key ids {sorted(set(pinned) & set(keys))} are both pinned and rotating")
    current = data.get("current")
    if current not in keys:
        raise bad(f"current key {current!r} is not among the keys")
    retired = data.get("retired", [])
    if not isinstance(retired, list) or not all(isinstance(kid, str) for kid in retired):
        raise bad("retired must be a list of key ids")
    return Keyring(current=current, keys=keys, retired=retired, pinned=pinned)


def _write_private_file(path: Path, text: str) -> Path:
    """Write text to a new 0600 file next to `path` and return its name (the caller renames it)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalKeyringProvider:
    """Keys in a JSON keyring file (mode 0600) on the server: {"current": "k2", "keys": {"k1": b64, ...}}.

    The file is created with one fresh key on first use. Other processes (web, workers) notice a
    rotation because the file is re-read whenever it changes on disk.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path if path is not None else settings.ANNEX_KEYRING_FILE)
        self._cached: tuple[tuple[int, int, int], Keyring] | None = None
        self._lock = threading.Lock()

    # KeyProvider
    def current_key(self) -> tuple[str, bytes]:
        ring = self._load()
        return ring.current, ring.keys[ring.current]

    def key(self, key_id: str) -> bytes:
        ring = self._load()
        if key_id in ring.keys:
            return ring.keys[key_id]
        if key_id in ring.pinned:
            return ring.pinned[key_id]
        if key_id in ring.retired:
            raise UnknownKeyError(key_id, f"key {key_id!r} was retired; data encrypted with it can no longer be read")
        raise UnknownKeyError(key_id)

    # RotatingKeyProvider
    def key_ids(self) -> list[str]:
        return list(self._load().keys)

    def current_key_id(self) -> str:
        return self._load().current

    def add_key(self) -> str:
        with self._exclusive():
            ring = self._read()
            key_id = ring.next_key_id()
            ring.keys[key_id] = secrets.token_bytes(KEY_BYTES)
            ring.current = key_id
            self._replace(ring)
        return key_id

    # PinnedKeyProvider
    def add_pinned_key(self, key_id: str) -> bytes:
        if not KEY_ID_PATTERN.fullmatch(key_id):
            raise KeyringError(f"key id {key_id!r} must be 1-128 characters of A-Z a-z 0-9 . _ : / -")
        ring = self._load()
        if key_id in ring.pinned:
            return ring.pinned[key_id]
        with self._exclusive():
            ring = self._read()
            if key_id in ring.keys or key_id in ring.retired:
                raise KeyringError(f"key id {key_id!r} is already used by a rotating key")
            if key_id not in ring.pinned:  # another process may have made it meanwhile
                ring.pinned[key_id] = secrets.token_bytes(KEY_BYTES)
                self._replace(ring)
            return ring.pinned[key_id]

    def retire_key(self, key_id: str) -> None:
        with self._exclusive():
            ring = self._read()
            if key_id not in ring.keys:
                raise UnknownKeyError(key_id)
            if key_id == ring.current:
                raise KeyringError(f"key {key_id!r} is the current key; rotate first, then re-encrypt, then retire it")
            del ring.keys[key_id]
            ring.retired.append(key_id)
            self._replace(ring)

    # Internals
    def _load(self) -> Keyring:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            self._create()
            info = self.path.stat()
        signature = (info.st_ino, info.st_mtime_ns, info.st_size)
        with self._lock:
            if self._cached is None or self._cached[0] != signature:
                self._cached = (signature, self._read())
            return self._cached[1]

    def _read(self) -> Keyring:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyringError(f"keyring {self.path} cannot be read: {exc}") from None
        return _parse_keyring(text, path=self.path)

    def _create(self) -> None:
        """First use: a keyring with one fresh key. Safe when several processes start at once."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            ring = Keyring(current="k1", keys={"k1": secrets.token_bytes(KEY_BYTES)})
            tmp = _write_private_file(self.path, ring.to_json())
            try:
                os.link(tmp, self.path)  # fails if another process created it first; theirs wins
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
            _fsync_dir(self.path.parent)
        except OSError as exc:
            raise KeyringError(f"keyring {self.path} cannot be created: {exc}") from None

    def _replace(self, ring: Keyring) -> None:
        try:
            tmp = _write_private_file(self.path, ring.to_json())
            os.replace(tmp, self.path)
            _fsync_dir(self.path.parent)
        except OSError as exc:
            raise KeyringError(f"keyring {self.path} cannot be written: {exc}") from None

    @contextlib.contextmanager
    def _exclusive(self):
        """Serialise changes to the keyring across processes (two rotations must not lose a key)."""
        self._load()  # creates the keyring if needed
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def keyring_permission_problem(path: str | os.PathLike) -> str | None:
    """Why a keyring file is readable by more than its owner, or None if it is not (or absent)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"keyring {path} has mode {stat.S_IMODE(mode):04o}; it should be 0600"
    return None


_provider: KeyProvider | None = None
_provider_lock = threading.Lock()


def get_key_provider() -> KeyProvider:
    """The configured provider (settings.ANNEX_KEY_PROVIDER), built once per process."""
    global _provider
    with _provider_lock:
        if _provider is None:
            dotted = settings.ANNEX_KEY_PROVIDER
            try:
                provider_class = import_string(dotted)
            except ImportError as exc:
                raise KeyringError(f"ANNEX_KEY_PROVIDER {dotted!r} cannot be imported: {exc}") from None
            provider = provider_class()
            if not isinstance(provider, KeyProvider):
                raise KeyringError(f"ANNEX_KEY_PROVIDER {dotted!r} lacks current_key() and key(key_id)")
            _provider = provider
        return _provider


def reset_key_provider(**kwargs) -> None:
    """Forget the built provider (after its settings changed, e.g. in tests)."""
    global _provider
    if kwargs.get("setting") not in (None, "ANNEX_KEY_PROVIDER", "ANNEX_KEYRING_FILE"):
        return
    with _provider_lock:
        _provider = None
