"""1CClientBankExchange files for the statement tests: the committed ones in data/ (as a
bank writes them) and a builder for generated ones (the 10,000-line file, variations)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.accounts.test_requisites import BUYER, SELLER

DATA = Path(__file__).resolve().parent / "data"
ACCOUNT = SELLER["account"]  # the reseller's settlement account
OWN_INN = SELLER["inn"]
BUYER_INN = BUYER["inn"]
UNKNOWN_INN = "5003052454"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


@dataclass(frozen=True)
class Doc:
    number: str
    date: str  # dd.mm.yyyy
    amount: str
    payer_inn: str
    payer: str
    purpose: str
    payer_account: str = "40702810400000000777"
    payee_account: str = ACCOUNT
    payee_inn: str = OWN_INN
    payee: str = SELLER["legal_name"]


def doc_lines(d: Doc) -> list[str]:
    return [
        "СекцияДокумент=Платежное поручение",
        f"Номер={d.number}",
        f"Дата={d.date}",
        f"Сумма={d.amount}",
        f"ПлательщикСчет={d.payer_account}",
        f"ДатаСписано={d.date}",
        f"Плательщик=ИНН {d.payer_inn} {d.payer}",
        f"ПлательщикИНН={d.payer_inn}",
        f"Плательщик1={d.payer}",
        "ПлательщикКПП=770401001",
        "ПлательщикБанк1=АО «АЛЬФА-БАНК»",
        "ПлательщикБИК=044525593",
        "ПлательщикКорсчет=30101810200000000593",
        f"ПолучательСчет={d.payee_account}",
        f"ДатаПоступило={d.date}",
        f"Получатель=ИНН {d.payee_inn} {d.payee}",
        f"ПолучательИНН={d.payee_inn}",
        f"Получатель1={d.payee}",
        "ПолучательКПП=773601001",
        "ПолучательБанк1=ПАО Сбербанк",
        "ПолучательБИК=044525225",
        "ПолучательКорсчет=30101810400000000225",
        "ВидОплаты=01",
        "Очередность=5",
        f"НазначениеПлатежа={d.purpose}",
        "КонецДокумента",
    ]


def statement_text(
    docs: Iterable[Doc], *, encoding: str = "Windows", day: str = "15.12.2026"
) -> str:
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        f"Кодировка={encoding}",
        "Отправитель=СбербанкБизнесОнлайн",
        "Получатель=Бухгалтерия предприятия",
        f"ДатаСоздания={day}",
        "ВремяСоздания=09:30:00",
        f"ДатаНачала={day}",
        f"ДатаКонца={day}",
        f"РасчСчет={ACCOUNT}",
        "Документ=Платежное поручение",
        "СекцияРасчСчет",
        f"ДатаНачала={day}",
        f"ДатаКонца={day}",
        f"РасчСчет={ACCOUNT}",
        "НачальныйОстаток=100000.00",
        "ВсегоПоступило=0.00",
        "ВсегоСписано=0.00",
        "КонечныйОстаток=100000.00",
        "КонецРасчСчет",
    ]
    for d in docs:
        lines += doc_lines(d)
    lines.append("КонецФайла")
    return "\r\n".join(lines) + "\r\n"


def statement_bytes(docs: Iterable[Doc], *, utf8: bool = False, **kwargs) -> bytes:
    if utf8:
        return statement_text(docs, encoding="UTF-8", **kwargs).encode("utf-8")
    return statement_text(docs, **kwargs).encode("cp1251")


# The well-formed file of data/: four documents of 15 December 2026.
WELL_FORMED = [
    # Names invoice № 1 of the seller (the first it issues in 2026): matched by the invoice.
    Doc(
        "101",
        "15.12.2026",
        "1500.00",
        BUYER_INN,
        "ООО «Ромашка»",
        "Оплата по счёту № 1 от 14.12.2026 за антивирусную защиту. В т.ч. НДС 22 % 270,49",
    ),
    # No invoice named, a comma decimal: matched by the payer's INN.
    Doc(
        "102",
        "15.12.2026",
        "250,50",
        BUYER_INN,
        "ООО «Ромашка»",
        "Пополнение лицевого счёта по договору 7/2026. НДС не облагается",
    ),
    # Money out of the reseller's account: not an incoming payment.
    Doc(
        "5",
        "15.12.2026",
        "3000.00",
        OWN_INN,
        SELLER["legal_name"],
        "Оплата аренды за декабрь 2026",
        payer_account=ACCOUNT,
        payee_account="40702810100000000999",
        payee_inn="7710140679",
        payee="ООО «Арендодатель»",
    ),
    # A payer the reseller does not know: waits in the queue.
    Doc(
        "77",
        "15.12.2026",
        "999.99",
        UNKNOWN_INN,
        "ИП Петров П. П.",
        "Оплата по счёту 45 за лицензии",
    ),
]
