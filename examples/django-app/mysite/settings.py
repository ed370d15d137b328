"""Settings of a Django project deployed as is with `app: mysite.wsgi:application`.

Everything that differs between your machine and Lambda comes from the
environment (the action's `environment:` input), so this file stays as it is.
"""
import os
from pathlib import Path

from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

# Set DJANGO_SECRET_KEY for anything that signs data (sessions, CSRF, password
# resets): without it every Lambda container makes up its own key.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"

# Host names Django answers for. The default covers API Gateway
# (*.execute-api.REGION.amazonaws.com), function URLs (*.lambda-url.REGION.on.aws)
# and the local runtime; a custom domain must be added, e.g.
# DJANGO_ALLOWED_HOSTS=api.example.com,.amazonaws.com
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "DJANGO_ALLOWED_HOSTS", ".amazonaws.com,.on.aws,localhost,127.0.0.1"
    ).split(",")
    if h.strip()
]

INSTALLED_APPS = ["django.contrib.staticfiles"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
# No database: Lambda's file system is read-only outside /tmp. Point
# DATABASES at RDS, Aurora or similar when the app needs one.
DATABASES = {}
TEMPLATES = []
USE_TZ = True

# Static files: Django serves none when DEBUG is off. Relative STATIC_URL
# follows the mount point (the REST API stage), so links stay right behind
# any front door. Either serve them from the function with WhiteNoise (add
# `whitenoise` to requirements.txt and "whitenoise.middleware.WhiteNoiseMiddleware"
# after SecurityMiddleware, and run collectstatic before the deploy step),
# or upload STATIC_ROOT to S3/CloudFront and set STATIC_URL to its address.
STATIC_URL = os.environ.get("DJANGO_STATIC_URL", "static/")
STATIC_ROOT = BASE_DIR / "staticfiles"
