"""People who sign in to Annex, and the roles they hold."""

import hashlib
import time
from binascii import unhexlify

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from portal.security.fields import EncryptedTextField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """An account; the email address is the login."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(max_length=150)
    department = models.CharField(max_length=100, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    employee_id = models.CharField(max_length=32, blank=True)
    hire_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May sign in to the Django admin."))
    date_joined = models.DateTimeField(default=timezone.now)
    # Blank: follow the browser (Accept-Language), then LANGUAGE_CODE. Emails use it, else LANGUAGE_CODE.
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    # Blank: the deployment's TIME_ZONE.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    # Personal data and credentials are masked in audit before/after snapshots.
    audit_masked_fields = {"password", "employee_id", "hire_date"}

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["employee_id"],
                condition=~models.Q(employee_id=""),
                name="accounts_user_employee_id_unique",
            ),
        ]
        permissions = [
            ("manage_roles", "Can change the roles a user holds"),
            ("invite_user", "Can invite new users"),
            ("reset_mfa", "Can reset another user's MFA"),
            ("deactivate_user", "Can deactivate users"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_names(self) -> list[str]:
        return sorted(self.groups.values_list("name", flat=True))


class Invitation(models.Model):
    """A single-use link that lets a new person set a password and join with the given roles."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField(_("email address"))
    full_name = models.CharField(max_length=150)
    roles = models.JSONField(default=list, help_text=_("Role names granted on acceptance."))
    # The invitation email's language, and the new account's.
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    # Only the SHA-256 of the token is stored; the token itself exists only in the emailed link.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(Lower("email"), name="accounts_invitation_email_idx")]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    def status(self, now=None) -> "Invitation.Status":
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.PENDING

    def is_pending(self, now=None) -> bool:
        return self.status(now) == self.Status.PENDING


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_backup_code(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


class BackupCodeDevice(ThrottlingMixin, Device):
    """One-time backup codes as a django-otp device, so match_token() accepts them."""

    class Meta:
        verbose_name = _("backup code set")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_BACKUP_CODE_THROTTLE_FACTOR", settings.OTP_TOTP_THROTTLE_FACTOR)

    def verify_token(self, token) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        with transaction.atomic():  # the row lock makes a code single-use under concurrent requests
            code = (
                self.codes.select_for_update()
                .filter(code_hash=hash_secret(normalise_backup_code(str(token))), used_at__isnull=True)
                .first()
            )
            if code is None:
                self.throttle_increment(commit=True)
                return False
            code.used_at = timezone.now()
            code.save(update_fields=["used_at"])
            self.throttle_reset(commit=True)
            return True

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


def new_totp_key() -> str:
    return random_hex(20)  # 160 bits, hex, as django-otp's own TOTP devices


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, RFC 6238) as a django-otp device, its secret key encrypted at rest.

    django-otp's own TOTP model keeps the key in clear; this one stores it through portal.security, bound to
    the owner (a key copied to another person's row does not decrypt), and covered by key rotation. The
    verification is django-otp's: same fields, same TOTP arithmetic, throttling and replay guard (last_t).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_devices",
                             help_text=_("The user that this device belongs to."))
    key = EncryptedTextField(default=new_totp_key, bind_to="user_id")
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """django-otp's TOTPDevice.verify_token, saving only the fields it changes (the key is not re-encrypted)."""
        if not self.verify_is_allowed()[0]:
            return False
        try:
            token = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
        if not verified:
            self.throttle_increment(commit=False)
            self.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])
            return False
        self.last_t = totp.t()
        if getattr(settings, "OTP_TOTP_SYNC", True):
            self.drift = totp.drift
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save(update_fields=["last_t", "drift", "throttling_failure_timestamp", "throttling_failure_count",
                                 "last_used_at"])
        return True


class BackupCode(models.Model):
    """One backup code, stored as its SHA-256 only."""

    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="accounts_backupcode_unique")]

    def __str__(self) -> str:
        return f"backup code #{self.pk} ({'used' if self.used_at else 'unused'})"


class ApiToken(models.Model):
    """A person's API token. Only its SHA-256 is stored: the key is shown once, when it is made.

    A token is 256 random bits, so a plain SHA-256 (not a slow password hash) is enough: nobody can guess
    a key from its hash, and every API request can afford the lookup.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the key, to tell tokens apart on the page; too short to help a guess.
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"API token {self.prefix}… of {self.user_id}"


class PasswordResetToken(models.Model):
    """A single-use, expiring link to choose a new password. Only the token's SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"password reset for {self.user_id}"

    def is_usable(self, now=None) -> bool:
        return self.used_at is None and self.expires_at > (now or timezone.now())
