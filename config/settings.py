"""Settings from environment variables, read once per process."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _secret() -> str:
    """CRM_SECRET, else a random secret kept in .data/secret so every process of one install agrees."""
    if value := os.environ.get("CRM_SECRET"):
        return value
    path = Path(os.environ.get("CRM_DATA_DIR", ROOT / ".data")) / "secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _csv(name: str, default: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in os.environ.get(name, default).split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    env: str = field(default_factory=lambda: os.environ.get("CRM_ENV", "dev"))
    neo4j_uri: str = field(default_factory=lambda: os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    neo4j_user: str = field(default_factory=lambda: os.environ.get("NEO4J_USER", ""))
    neo4j_password: str = field(default_factory=lambda: os.environ.get("NEO4J_PASSWORD", ""))
    neo4j_database: str = field(default_factory=lambda: os.environ.get("NEO4J_DATABASE", "neo4j"))
    redis_url: str = field(default_factory=lambda: os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    secret: str = field(default_factory=_secret)
    token_ttl_seconds: int = field(default_factory=lambda: int(os.environ.get("CRM_TOKEN_TTL", "43200")))
    required_buying_roles: tuple[str, ...] = field(
        default_factory=lambda: _csv("CRM_REQUIRED_BUYING_ROLES", "DECISION_MAKER,ECONOMIC_BUYER,CHAMPION")
    )
    stale_days: int = field(default_factory=lambda: int(os.environ.get("CRM_STALE_DAYS", "30")))
    neglect_days: int = field(default_factory=lambda: int(os.environ.get("CRM_NEGLECT_DAYS", "30")))
    reauth_seconds: float = field(
        default_factory=lambda: float(os.environ.get("CRM_SUBSCRIPTION_REAUTH_SECONDS", "30"))
    )
    max_body_bytes: int = field(default_factory=lambda: int(os.environ.get("CRM_MAX_BODY_BYTES", str(1024 * 1024))))
    changes_retention: int = field(default_factory=lambda: int(os.environ.get("CRM_CHANGES_RETENTION", "1000000")))
    event_dedupe_seconds: int = field(default_factory=lambda: int(os.environ.get("CRM_EVENT_DEDUPE_SECONDS", "86400")))
    default_region: str = field(default_factory=lambda: os.environ.get("CRM_DEFAULT_REGION", "DE").strip().upper())
    outbox_relay_seconds: float = field(default_factory=lambda: float(os.environ.get("CRM_OUTBOX_RELAY_SECONDS", "1")))
    # Proxies whose X-Forwarded-For is believed (IPs or CIDRs); none by default, so the peer address counts.
    trusted_proxies: tuple[str, ...] = field(default_factory=lambda: _csv("CRM_TRUSTED_PROXIES", ""))
    # Seconds after which a task a worker took but never acknowledged (the worker died) goes to another worker.
    # Every task must finish well within it, or it is delivered a second time while still running.
    task_visibility_timeout: int = field(
        default_factory=lambda: int(os.environ.get("CRM_TASK_VISIBILITY_TIMEOUT", "55"))
    )
    login_failures_per_account: int = field(
        default_factory=lambda: int(os.environ.get("CRM_LOGIN_LIMIT_PER_ACCOUNT", "10"))
    )
    login_failures_per_client: int = field(
        default_factory=lambda: int(os.environ.get("CRM_LOGIN_LIMIT_PER_CLIENT", "50"))
    )
    # [b2c:mail] consent, mail transport, mailings, web forms
    public_url: str = field(
        default_factory=lambda: os.environ.get("CRM_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    )
    smtp_url: str = field(default_factory=lambda: os.environ.get("CRM_SMTP_URL", "smtp://127.0.0.1:1025"))
    mail_senders: tuple[str, ...] = field(
        default_factory=lambda: tuple(s.lower() for s in _csv("CRM_MAIL_SENDERS", "news@demo.crm,crm@demo.crm"))
    )
    consent_token_ttl: int = field(default_factory=lambda: int(os.environ.get("CRM_CONSENT_TOKEN_TTL", "604800")))
    mail_chunk_size: int = field(default_factory=lambda: int(os.environ.get("CRM_MAIL_CHUNK", "1000")))
    mail_lanes: int = field(default_factory=lambda: int(os.environ.get("CRM_MAIL_LANES", "4")))
    mail_lease_seconds: float = field(default_factory=lambda: float(os.environ.get("CRM_MAIL_LEASE_SECONDS", "20")))
    mail_stall_seconds: float = field(default_factory=lambda: float(os.environ.get("CRM_MAIL_STALL_SECONDS", "120")))
    bounce_token: str = field(default_factory=lambda: os.environ.get("CRM_BOUNCE_TOKEN", ""))
    form_limit_per_client: int = field(default_factory=lambda: int(os.environ.get("CRM_FORM_LIMIT_PER_CLIENT", "20")))
    form_limit_window: int = field(default_factory=lambda: int(os.environ.get("CRM_FORM_LIMIT_WINDOW", "600")))
    # [b2c:imports] the currency Person.totalSpent counts (spentByCurrency has every currency); import jobs
    # without a heartbeat for this long are queued again by the beat (crm.imports.requeue)
    default_currency: str = field(
        default_factory=lambda: os.environ.get("CRM_DEFAULT_CURRENCY", "EUR").strip().upper() or "EUR"
    )
    import_stall_seconds: float = field(
        default_factory=lambda: float(os.environ.get("CRM_IMPORT_STALL_SECONDS", "120"))
    )

    # [integrations:webhooks]
    # Webhook URLs that resolve to loopback, link-local or private addresses: refused unless allowed (allowed by
    # default only when CRM_ENV is dev or test).
    webhook_allow_private: bool = field(
        default_factory=lambda: (
            os.environ.get(
                "CRM_WEBHOOK_ALLOW_PRIVATE", "1" if os.environ.get("CRM_ENV", "dev") in ("dev", "test") else "0"
            )
            == "1"
        )
    )
    # Retries: full jitter over base * 2^(attempt-1) seconds, at most `max`, for `hours` since the first attempt.
    webhook_retry_base: float = field(default_factory=lambda: float(os.environ.get("CRM_WEBHOOK_RETRY_BASE", "1")))
    webhook_retry_max: float = field(default_factory=lambda: float(os.environ.get("CRM_WEBHOOK_RETRY_MAX", "3600")))
    webhook_retry_hours: float = field(default_factory=lambda: float(os.environ.get("CRM_WEBHOOK_RETRY_HOURS", "24")))
    webhook_timeout: float = field(default_factory=lambda: float(os.environ.get("CRM_WEBHOOK_TIMEOUT", "10")))
    # [field] documents: size limit, storage (local disk under .data/documents, or any S3-compatible store)
    document_max_bytes: int = field(
        default_factory=lambda: int(os.environ.get("CRM_DOCUMENT_MAX_BYTES", str(25 * 1024 * 1024)))
    )
    document_types: tuple[str, ...] = field(
        default_factory=lambda: _csv("CRM_DOCUMENT_TYPES", "pdf,image,office,audio")
    )
    document_storage: str = field(default_factory=lambda: os.environ.get("CRM_DOCUMENT_STORAGE", "local").lower())
    document_dir: str = field(
        default_factory=lambda: os.environ.get(
            "CRM_DOCUMENT_DIR", str(Path(os.environ.get("CRM_DATA_DIR", ROOT / ".data")) / "documents")
        )
    )
    s3_endpoint: str = field(default_factory=lambda: os.environ.get("CRM_S3_ENDPOINT", ""))
    s3_bucket: str = field(default_factory=lambda: os.environ.get("CRM_S3_BUCKET", "crm-documents"))
    s3_region: str = field(default_factory=lambda: os.environ.get("CRM_S3_REGION", "us-east-1"))
    s3_access_key: str = field(default_factory=lambda: os.environ.get("CRM_S3_ACCESS_KEY", ""))
    s3_secret_key: str = field(default_factory=lambda: os.environ.get("CRM_S3_SECRET_KEY", ""))
    # Speech-to-text of voice notes: `pocketsphinx` (offline) or `none`; the model directory holds an acoustic
    # model folder, a language model (*.lm.bin) and a pronunciation dictionary (*.dict); default: the wheel's English.
    speech_engine: str = field(default_factory=lambda: os.environ.get("CRM_SPEECH_ENGINE", "pocketsphinx").lower())
    speech_model_dir: str = field(default_factory=lambda: os.environ.get("CRM_SPEECH_MODEL_DIR", ""))
    # Longer voice notes are not transcribed (FAILED): the task must finish well within the visibility timeout.
    speech_max_seconds: float = field(default_factory=lambda: float(os.environ.get("CRM_SPEECH_MAX_SECONDS", "60")))

    @property
    def dev(self) -> bool:
        return self.env == "dev"

    @property
    def neo4j_auth(self) -> tuple[str, str] | None:
        return (self.neo4j_user, self.neo4j_password) if self.neo4j_user else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
