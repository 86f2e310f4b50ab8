"""ESET's product catalogue (AvailableProducts), read for the operator's choice of a
vendor plan's numeric ESET product code."""

from __future__ import annotations

import logging

from .client import EsetClient, EsetError, Product

logger = logging.getLogger(__name__)


def available_products(*, eset: EsetClient | None = None) -> list[Product] | None:
    """ESET's products, or None when ESET cannot be asked now (unreachable, refused, not
    configured): the caller then takes a code as typed."""
    own = eset is None
    try:
        if eset is None:
            # One attempt and a short wait: an admin page is waiting for the answer.
            eset = EsetClient(attempts=1, timeout=5.0)
        return eset.available_products()
    except (EsetError, Exception):
        logger.warning("ESET's AvailableProducts could not be read", exc_info=True)
        return None
    finally:
        if own and eset is not None:
            eset.close()
