"""Console sign-in: admin accounts, their sessions and the CSRF token each session carries.

Passwords are Argon2id hashes (argon2-cffi); session ids and CSRF tokens are 32 random bytes,
stored as sha256 like the API's bearer tokens. An account is locked for a while after
repeated wrong passwords, whoever sends them; a client address that sends many wrong sign-ins
(to any accounts, or to names that do not exist) is refused sign-in for a while. All of it is
rows, so every backend worker sees the same sessions, counts and locks. The tables live in
their own metadata and are created when the console is mounted, beside the API's tables in
the same database.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.fleet.database import create_tables, token_digest, utc_now

MAX_FAILURES = 5  # wrong passwords in a row before the account is locked
LOCKOUT = timedelta(minutes=15)
ADDRESS_MAX_FAILURES = 20  # wrong sign-ins from one address within ADDRESS_WINDOW
ADDRESS_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10

console_metadata = MetaData()

admins = Table(
    "console_admins",
    console_metadata,
    Column("name", String(200), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("last_sign_in", DateTime),
)

sessions = Table(
    "console_sessions",
    console_metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("admin", String(200), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)


# Wrong sign-ins per client address (as uvicorn reports it: the proxy's X-Forwarded-For when
# the proxy is trusted) in the current window, and until when the address is refused.
address_failures = Table(
    "console_address_failures",
    console_metadata,
    Column("address", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started", DateTime, nullable=False),
    Column("locked_until", DateTime),
)


class AccountError(ValueError):
    """A name or password an account cannot have; the message says why."""


@dataclass(frozen=True)
class Session:
    admin: str
    csrf_token: str


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a session id for the cookie, or why there is none: the
    account is locked, or the client address is refused for a while."""

    session_id: str | None = None
    locked_until: datetime | None = None
    address_refused_until: datetime | None = None


class Accounts:
    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        # Checked against when the name is unknown, so a wrong name costs as long as a
        # wrong password and does not tell which names exist.
        self._decoy = self.hasher.hash(secrets.token_hex(16))
        create_tables(engine, console_metadata)

    def create_admin(self, name: str, password: str) -> bool:
        """Create `name`, or set its password (and unlock it); whether it is new."""
        name = name.strip()
        if not name or len(name) > 200:
            raise AccountError("an admin name is 1 to 200 characters")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"a password is at least {MIN_PASSWORD_LENGTH} characters")
        digest = self.hasher.hash(password)
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(admins)
                .where(admins.c.name == name)
                .values(password_hash=digest, failures=0, locked_until=None)
            ).rowcount
            if changed:
                connection.execute(delete(sessions).where(sessions.c.admin == name))
                return False
            connection.execute(
                admins.insert().values(
                    name=name, password_hash=digest, created_at=utc_now(), failures=0
                )
            )
        return True

    def admin_names(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(admins.c.name).order_by(admins.c.name)))

    def sign_in(self, name: str, password: str, address: str) -> SignIn:
        """A new session when the password is right, the account not locked and the client
        `address` not refused; a wrong sign-in counts against the account and the address."""
        now = utc_now()
        address = address[:64]
        with self.engine.connect() as connection:
            refused_until = connection.scalar(
                select(address_failures.c.locked_until).where(
                    address_failures.c.address == address, address_failures.c.locked_until > now
                )
            )
            row = connection.execute(select(admins).where(admins.c.name == name)).first()
        if refused_until is not None:
            return SignIn(address_refused_until=refused_until)
        if row is None:
            self._verify(self._decoy, password)
            return self._address_failed(address, now) or SignIn()
        if row.locked_until is not None and row.locked_until > now:
            return SignIn(locked_until=row.locked_until)
        if not self._verify(row.password_hash, password):
            return self._address_failed(address, now) or self._failed(name, now)
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(
                update(admins)
                .where(admins.c.name == name)
                .values(failures=0, locked_until=None, last_sign_in=now)
            )
            connection.execute(delete(sessions).where(sessions.c.expires_at < now))
            connection.execute(
                sessions.insert().values(
                    id_sha256=token_digest(session_id),
                    admin=name,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
        return SignIn(session_id=session_id)

    def _verify(self, digest: str, password: str) -> bool:
        try:
            return self.hasher.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return False

    def _address_failed(self, address: str, now: datetime) -> SignIn | None:
        """Count a wrong sign-in from `address` (one statement, so workers count together);
        the ADDRESS_MAX_FAILURES-th within the window refuses the address for a window."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(address_failures).values(
            address=address, failures=1, window_started=now
        )
        window_over = address_failures.c.window_started <= now - ADDRESS_WINDOW
        counted = address_failures.c.failures + 1
        upsert = insert.on_conflict_do_update(
            index_elements=[address_failures.c.address],
            set_={
                "failures": case((window_over, 1), else_=counted),
                "window_started": case((window_over, now), else_=address_failures.c.window_started),
                "locked_until": case(
                    (~window_over & (counted >= ADDRESS_MAX_FAILURES), now + ADDRESS_WINDOW),
                    else_=address_failures.c.locked_until,
                ),
            },
        ).returning(address_failures.c.locked_until)
        with self.engine.begin() as connection:
            connection.execute(delete(address_failures).where(
                address_failures.c.window_started <= now - ADDRESS_WINDOW,
                or_(address_failures.c.locked_until.is_(None),
                    address_failures.c.locked_until <= now),
                address_failures.c.address != address,
            ))  # fmt: skip
            refused_until = connection.scalar(upsert)
        if refused_until is not None and refused_until > now:
            return SignIn(address_refused_until=refused_until)
        return None

    def _failed(self, name: str, now: datetime) -> SignIn:
        """Count a wrong password; the MAX_FAILURES-th in a row locks the account."""
        with self.engine.begin() as connection:
            connection.execute(
                update(admins).where(admins.c.name == name).values(failures=admins.c.failures + 1)
            )
            failures = connection.scalar(select(admins.c.failures).where(admins.c.name == name))
            if failures is not None and failures >= MAX_FAILURES:
                locked_until = now + LOCKOUT
                connection.execute(
                    update(admins)
                    .where(admins.c.name == name)
                    .values(failures=0, locked_until=locked_until)
                )
                return SignIn(locked_until=locked_until)
        return SignIn()

    def session(self, session_id: str | None) -> Session | None:
        """The live session this cookie value opens, if any."""
        if not session_id:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                select(sessions.c.admin, sessions.c.csrf_token).where(
                    sessions.c.id_sha256 == token_digest(session_id),
                    sessions.c.expires_at > utc_now(),
                )
            ).first()
        return None if row is None else Session(row.admin, row.csrf_token)

    def sign_out(self, session_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(sessions).where(sessions.c.id_sha256 == token_digest(session_id))
            )


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token; an absent one never matches."""
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))
