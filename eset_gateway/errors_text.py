"""A command's last error in words, for the operator (Russian, as the operator admin is).

The command keeps ESET's own message (`last_error`) and what kind of error it was
(`result["error"]`: ESET's code and sub-code, or the kind of failure and the HTTP status);
the admin shows the sentence below next to the raw message. Sub-codes are those of the
contract (../shared/eset-ema2-contract.md, code 8 = licensing)."""

from __future__ import annotations

from typing import Any

# Code 8 (licensing) sub-codes, as ESET's error_codes page names them.
LICENSING_SUB_CODES: dict[int, str] = {
    17: "недопустимый тип лицензии",
    18: "недопустимое число мест",
    20: "лицензия уже заказана",
    21: "лицензия уже приостановлена",
    22: "лицензия уже возобновлена",
    23: "лицензия не активна",
    27: "продукт недоступен для заказа",
    30: "число мест вне допустимого диапазона",
    32: "пробная лицензия не разрешена",
    33: "не удалось изменить состояние лицензии",
    36: "лицензия не приостановлена",
    37: "срок лицензии истёк",
    40: "не приняты условия использования (ESET LiveGuard Advanced)",
    48: "число мест не изменилось",
}

HTTP_WORDS: dict[int, str] = {
    401: "ESET не принял учётные данные API: проверьте ESET_USERNAME и ESET_PASSWORD",
    429: "ESET просит подождать (слишком много запросов)",
    500: "внутренняя ошибка ESET",
    502: "ответ ESET потерян по дороге",
    503: "ESET временно недоступен (перегрузка или техническое обслуживание)",
    504: "ESET не ответил вовремя",
}


def error_in_words(*, last_error: str, result: dict[str, Any] | None) -> str:
    """One sentence: what went wrong and what happens next. Empty when there was no error."""
    if not last_error:
        return ""
    error = (result or {}).get("error") or {}
    gave_up = last_error.startswith("gave up after")
    if "code" in error or "sub_code" in error:
        code, sub_code = error.get("code"), error.get("sub_code")
        if code is None and sub_code is None:
            # The platform refused to send it (e.g. no licence to suspend): see the message.
            return "команда не может быть выполнена: " + last_error.split(": ", 1)[-1]
        what = LICENSING_SUB_CODES.get(sub_code) if code == 8 and sub_code is not None else None
        if code == 99 and sub_code == 2:
            what = "ESET на техническом обслуживании"
        what = what or f"ESET отказал (код {code}, подкод {sub_code})"
        return f"{what}: ошибка окончательная, повтор — только по решению оператора"
    if error.get("unreachable"):
        what = "ESET не отвечает (нет соединения или нет ответа)"
    elif error.get("status") in HTTP_WORDS:
        what = HTTP_WORDS[error["status"]]
    elif error.get("type") in ("EsetRetryableError", "EsetAuthError"):
        what = "временная ошибка ESET"
    else:
        what = "сбой платформы при выполнении команды (см. журнал работы)"
    if gave_up:
        return f"{what}: попытки прекращены, повтор — только по решению оператора"
    return f"{what}: команда будет повторена автоматически"
