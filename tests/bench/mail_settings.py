"""The settings of bench_mail's workers: the project's own, with e-mails written whole
(MIME, attachments base64-encoded) into BENCH_MAIL_DIR by Django's file backend, so that a
worker does all the work of sending except the network."""

import os

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["BENCH_MAIL_DIR"]
