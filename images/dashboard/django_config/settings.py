"""Settings for the reference dashboard; everything site-specific comes from the environment."""

from __future__ import annotations

import os


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


SECRET_KEY = env("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env("DEBUG", "0") in ("1", "true", "True")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "*").split(",") if h.strip()]

INSTALLED_APPS = [
    "apps.common",
    "apps.clusters",
    "apps.scheduler",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "django_config.urls"
WSGI_APPLICATION = "django_config.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": env("DB_HOST", "localhost"),
        "PORT": env("DB_PORT", "5432"),
        "USER": env("DB_USER", "postgres"),
        "PASSWORD": env("DB_PASSWORD"),
        "NAME": env("DB_NAME", "dashboard"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_HOST = env("REDIS_HOST", "localhost")
REDIS_PORT = env_int("REDIS_PORT", 6379)
REDIS_DB = env_int("REDIS_DB", 0)

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

# Sync knobs. A scheduled sync with no stored progress starts at INITIAL_SYNC_SINCE
# (ISO date) when set, else INITIAL_SYNC_DAYS before now.
INITIAL_SYNC_SINCE = env("INITIAL_SYNC_SINCE")
INITIAL_SYNC_DAYS = env_int("INITIAL_SYNC_DAYS", 1)
DISPATCHER_POLL_SECONDS = float(env("DISPATCHER_POLL_SECONDS", "5"))
DISPATCHER_PARSE_BATCH = env_int("DISPATCHER_PARSE_BATCH", 200)
AAP_HTTP_TIMEOUT = float(env("AAP_HTTP_TIMEOUT", "30"))
AAP_PING_TIMEOUT = float(env("AAP_PING_TIMEOUT", "5"))
AAP_HTTP_RETRIES = env_int("AAP_HTTP_RETRIES", 3)
AAP_RETRY_BACKOFF = float(env("AAP_RETRY_BACKOFF", "0.5"))
AAP_FETCH_THREADS = env_int("AAP_FETCH_THREADS", 8)
SYNC_LOCK_SECONDS = env_int("SYNC_LOCK_SECONDS", 3600)

API_PAGE_SIZE = 25
API_MAX_PAGE_SIZE = 200

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
