"""What can go wrong when keys are looked up or ciphertext is opened."""


class CryptoError(Exception):
    """Base class: nothing was decrypted and nothing should be trusted."""


class KeyringError(CryptoError):
    """The key provider is misconfigured or its keyring cannot be read or written."""


class UnknownKeyError(CryptoError):
    """The ciphertext names a key id the provider does not hold (never added, or retired)."""

    def __init__(self, key_id: str, detail: str = ""):
        self.key_id = key_id
        super().__init__(detail or f"key {key_id!r} is not in the keyring")


class MalformedCiphertext(CryptoError):
    """The bytes are not an Annex envelope of a supported version."""


class TamperedCiphertext(CryptoError):
    """Authentication failed: the data was modified, truncated, reordered or belongs to another purpose."""


class FileTooLarge(CryptoError):
    """A file passed the caller's size limit while it was being stored; nothing was kept."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the file is larger than the limit of {limit} bytes")
