"""The station's tables as typed SQLAlchemy 2.0 models.

``Candidate`` holds the working copy of a record's current version (typed, indexed columns
that the queue searches). ``CandidateVersion`` holds an immutable snapshot of every version
whose form was printed: the canonical JSON whose SHA-256 goes on the paper form. The schema
itself is created and changed only by the Alembic migrations in ``station/migrations``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Station(Base):
    """报名点: this station's identity and keys (one row)."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # county code + "-" + number
    name: Mapped[str] = mapped_column(String(100))
    county_code: Mapped[str] = mapped_column(String(6))
    number: Mapped[int] = mapped_column(Integer)  # 1–99 within the county
    signing_key: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 private key, raw 32 bytes
    county_public_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Operator(Base):
    """操作员: a person who logs in, with a role."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Photo(Base):
    """考生照片: JPEG bytes inside the encrypted database."""

    __tablename__ = "photos"
    # The near-duplicate index reads (id, candidate, hash) of every photo after a login: from
    # this index alone, without stepping over each row's 30 KB of JPEG (61x faster at 50k).
    # The dashboard counts the flagged photos from an index of them alone (a photo without
    # a flag, nearly every one a save writes, is in no such index: migration 0013). No
    # index of sha256: the station never looks a photo up by it.
    __table_args__ = (
        Index("ix_photos_phash_cover", "id", "candidate_id", "phash"),
        Index("ix_photos_flag", "flag", "flag_cleared_by", sqlite_where=text("flag != ''")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # camera | file | demo
    quality_ok: Mapped[bool] = mapped_column(Boolean, default=False)  # passed the photo checks
    phash: Mapped[str] = mapped_column(String(16), default="")  # perceptual hash, hex
    # A near match of another candidate's photo waits for a supervisor: one person
    # registering twice, or one photo reused.
    flag: Mapped[str] = mapped_column(String(200), default="")
    flag_cleared_by: Mapped[str] = mapped_column(String(32), default="")
    import_reason: Mapped[str] = mapped_column(String(200), default="")  # taken from a file: why
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))


class Candidate(Base):
    """考生: the current version of one candidate's record."""

    __tablename__ = "candidates"
    # The supervisor's dashboard: records by school and state, and by the hour they were
    # made, each read from an index alone (migration 0012). Every save writes each index:
    # no two of them serve the same look-up (migration 0013).
    __table_args__ = (
        Index("ix_candidates_school_state", "school_code", "school_name", "state"),
        Index("ix_candidates_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(32), unique=True)  # 报名号
    # Its index keeps a state's records in id order: the next batch's signed records are
    # read in order, never sorted (an index of state and updated_at would sort them all).
    state: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    name: Mapped[str] = mapped_column(String(60), index=True)
    name_initials: Mapped[str] = mapped_column(String(120), default="")  # see station/pinyin.py
    document_type: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(2))
    political_status: Mapped[str] = mapped_column(String(2))
    household_division: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(16))
    # Found by ix_candidates_school_state (school_code first): an index of its own would be
    # one more written by every save.
    school_code: Mapped[str] = mapped_column(String(20), default="")
    school_name: Mapped[str] = mapped_column(String(100), default="")
    student_number: Mapped[str] = mapped_column(String(30), default="")
    home_address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    guardian_name: Mapped[str] = mapped_column(String(60), default="")
    guardian_relation: Mapped[str] = mapped_column(String(16), default="")
    guardian_phone: Mapped[str] = mapped_column(String(20), default="")
    allocation_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    allocation_basis: Mapped[str] = mapped_column(String(200), default="")

    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("photos.id", use_alter=True, name="fk_candidates_photo"), nullable=True
    )
    # Facts the lifecycle guards read; set by the confirmation and signing steps.
    candidate_reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_question: Mapped[str] = mapped_column(String(100), default="")
    password_answer_hash: Mapped[str] = mapped_column(String(200), default="")
    form_printed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    archive_ref: Mapped[str] = mapped_column(String(64), default="")
    state_reason: Mapped[str] = mapped_column(String(200), default="")
    #: Fields read from the ID card (comma-separated names, station.fields.CARD_FIELDS): they
    #: stay read-only until a supervisor releases them (records.release_card_fields).
    card_fields: Mapped[str] = mapped_column(String(200), default="", server_default="")

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_by: Mapped[str] = mapped_column(String(32))

    photo: Mapped[Photo | None] = relationship(foreign_keys=[photo_id], lazy="select")


class CandidateVersion(Base):
    """A frozen version of a record: what was printed (and then signed) as version N."""

    __tablename__ = "candidate_versions"
    __table_args__ = (UniqueConstraint("candidate_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    canonical: Mapped[str] = mapped_column(Text)  # canonical JSON of the record version
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of ``canonical``
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"), nullable=True)
    frozen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    frozen_by: Mapped[str] = mapped_column(String(32))


class AuditEvent(Base):
    """审计事件: append-only, each hash covering the previous event's hash."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    candidate_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The last event's sequence number and hash, so that a cut-off tail is noticed."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Named counters, e.g. the 报名号 serial."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class StationState(Base):
    """Small named values of the station's own housekeeping (e.g. the last full check)."""

    __tablename__ = "station_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Batch(Base):
    """导出批次: one signed, encrypted batch file this station wrote for the county.

    ``items`` is the canonical JSON list of ``[registration_no, version]`` the batch carried,
    so that a county receipt can acknowledge exactly those versions and no others.
    """

    __tablename__ = "batches"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the whole file
    file_name: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), index=True)  # exported | acknowledged
    record_count: Mapped[int] = mapped_column(Integer)
    audit_last_seq: Mapped[int] = mapped_column(Integer)  # last audit event carried (0: none)
    items: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The file's exact bytes, kept until the county acknowledges the batch (resend), and when
    # the file was last written and read back (None: sealed, never written yet).
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    written_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class PasswordFingerprint(Base):
    """Keyed fingerprints (HMAC) of a candidate's password and of its shape: enough to spot
    a password or a format used by several candidates, never enough to recover one."""

    __tablename__ = "password_fingerprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # exact | shape | answer
    value: Mapped[str] = mapped_column(String(64), index=True)


class PasswordRefusal(Base):
    """Refused password attempts per school and reason, for the supervisor."""

    __tablename__ = "password_refusals"

    school_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class PrintedForm(Base):
    """打印的登记表: every PDF printed, kept as printed (the paper's digital twin).

    ``print_no`` counts the prints of one record version (2 and up are reprints, marked
    on the paper); ``digest`` is the record version's SHA-256 that the form's QR code carries.
    """

    __tablename__ = "printed_forms"
    __table_args__ = (UniqueConstraint("candidate_id", "version", "print_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    print_no: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    printed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    printed_by: Mapped[str] = mapped_column(String(32))
