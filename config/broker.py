"""Sending a task from an after-commit callback without letting a broker outage undo the
answer: the write has committed, beat's every-minute drain will do the work anyway."""

from __future__ import annotations

import logging
from typing import Any

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def send_or_leave_to_beat(task: Any, *args: Any) -> bool:
    """Queues `task` now; with the broker down (Redis stopped, unreachable), logs it and
    returns False: the outbox rows are committed and beat's drain picks them up within a
    minute. A 500 here would tell a person who has just paid that the payment failed, and
    they would pay again."""
    try:
        task.delay(*args)
    except (OperationalError, OSError) as exc:
        logger.warning(
            "broker unavailable, %s left to the scheduled drain: %s", task.name, exc, exc_info=True
        )
        return False
    return True
