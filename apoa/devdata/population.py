"""Who the synthetic data is about: how reporters behave, where foreigners stay, who stays.

The shares and weights are planning figures (performance.md, section 4), not statistics.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

OPEN_SHARE = 0.20
HISTORY_DAYS = 3 * 365
REGISTERED_DAYS = (HISTORY_DAYS + 1, HISTORY_DAYS + 400)  # accounts predate their stays

# ---------------------------------------------------------------- how reporters behave

# (share of reporters, activity): silent places reported nothing in the last two months
# and declared nothing; quiet ones had no guests then either but filed their nil reports;
# the never-reporting ones have not reported anything since they were registered.
ACTIVITY = (("active", 0.80), ("silent", 0.10), ("quiet", 0.07), ("never", 0.03))
DORMANT_DAYS = 66  # silent and quiet places: last departure this long ago (late reports fit)
DORMANT_WEIGHT = 0.3  # and fewer guests before that
NIL_DAYS = 60  # quiet places declare every period that started in the last NIL_DAYS days
# (share of places, chance that a check-in is reported late): most report on time, a few
# are often late; on average ~8 % of check-ins are 1-5 days late.
LATENESS = ((0.60, 0.02), (0.30, 0.12), (0.10, 0.35))
CHECK_OUT_LATENESS = 5 / 8  # of a place's check-in lateness: ~5 % of check-outs are late
LATE_SECONDS = (86_400 + 3_600, 5 * 86_400)  # a late report comes 1-5 days after the event
OVERDUE_SHARE = 0.03  # open groups already past their expected check-out (1-10 days)

# ---------------------------------------------------------------- where foreigners stay

# (region code prefixes, share of the places). A village joins the first zone with
# a matching prefix, so the specific zones come before their province's remainder.
ZONES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("510301", "510305", "510306"), 0.21),  # Kuta, Kuta Selatan, Kuta Utara (Ngurah Rai)
    (("5103",), 0.02),  # the rest of Badung
    (("5171",), 0.09),  # Denpasar
    (("5104",), 0.07),  # Gianyar (Ubud)
    (("51",), 0.06),  # the rest of Bali (Tabanan, Buleleng, Karangasem…)
    (("31",), 0.15),  # DKI Jakarta
    (("2171",), 0.06),  # Batam
    (("21",), 0.02),  # the rest of the Riau Islands (Bintan, Karimun…)
    (("34",), 0.05),  # DI Yogyakarta
    (("5201", "5202", "5203", "5208", "5271"), 0.045),  # Lombok and Mataram
    (("52",), 0.005),  # Sumbawa
    ((), 0.22),  # every other province
)
CITY_WEIGHT = 5.0  # a village of a kota (regency code 71-99) is this much likelier
JITTER_M = (50.0, 800.0)  # how far a place lies from its village's centroid

# ---------------------------------------------------------------- who stays, how


def _weights(text: str) -> tuple[tuple[str, float], ...]:
    """Read "AUS 17, CHN 11" into (("AUS", 17.0), ("CHN", 11.0)): tables stay short."""
    pairs = (item.split() for item in text.split(","))
    return tuple((name, float(weight)) for name, weight in pairs)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ICAO code (Germany is "D"), weight after Indonesia's arrival statistics (roughly), the
# name list its guests draw from, birth places ("_" stands for a space).
_NATIONALITY_TABLE = """
AUS 17  en SYDNEY MELBOURNE PERTH BRISBANE
CHN 11  zh BEIJING SHANGHAI GUANGDONG
MYS 10  ms KUALA_LUMPUR JOHOR PENANG
SGP 7   zh SINGAPORE
IND 6   in MUMBAI DELHI BANGALORE
USA 5   en NEW_YORK CALIFORNIA TEXAS
GBR 5   en LONDON MANCHESTER BIRMINGHAM
JPN 4   ja TOKYO OSAKA
KOR 4   ko SEOUL BUSAN
D   4   de BERLIN MUENCHEN HAMBURG
FRA 4   fr PARIS LYON
RUS 4   ru MOSCOW SAINT_PETERSBURG
NLD 3   nl AMSTERDAM ROTTERDAM
TWN 2   zh TAIPEI
PHL 2   ph MANILA CEBU
CAN 2   en TORONTO VANCOUVER
NZL 2   en AUCKLAND WELLINGTON
TLS 1.5 pt DILI
THA 1.5 th BANGKOK
ITA 1.5 it ROMA MILANO
ESP 1   es MADRID BARCELONA
CHE 1   de ZUERICH GENEVE
SWE 1   sv STOCKHOLM
VNM 1   vn HANOI HO_CHI_MINH
SAU 1   ar RIYADH JEDDAH
"""
_NATIONALITY_ROWS = [line.split() for line in _NATIONALITY_TABLE.strip().splitlines()]
NATIONALITIES = tuple((row[0], float(row[1])) for row in _NATIONALITY_ROWS)
NAME_STYLE = {row[0]: row[2] for row in _NATIONALITY_ROWS}
BIRTH_PLACES = {row[0]: tuple(p.replace("_", " ") for p in row[3:]) for row in _NATIONALITY_ROWS}
PERMITS = _weights(
    "voa 34, visa_free 26, visit_visa 16, itk 3, itas 15, itap 4, diplomatic 0.5, other 1.5"
)
LONG_STAY_PERMITS = frozenset({"itas", "itap"})
PERMITS_WITH_NUMBER = frozenset({"visit_visa", "itk", "itas", "itap", "diplomatic"})
PURPOSES_SHORT = _weights(
    "tourism 84, business 7, family 4, medical 1, transit 1, official 1, research 0.5, other 1.5"
)
PURPOSES_LONG = _weights("work 45, family 30, study 10, research 3, business 7, other 5")
GROUP_SIZES = ((1, 45.0), (2, 35.0), (3, 12.0), (4, 8.0))

LODGING_KINDS: tuple[tuple[str, float, float], ...] = (
    # kind, share of lodgings, relative number of guests
    ("hotel", 22, 8.0),
    ("guesthouse", 30, 2.0),
    ("villa", 22, 1.5),
    ("kos", 10, 1.0),
    ("apartment", 10, 3.0),
    ("private_home", 6, 0.6),
)
AREA_HOME_WEIGHT = 0.4  # guests of one private home reported by an RT/RW official or lurah
LODGING_PREFIX = {
    "hotel": "Hotel",
    "guesthouse": "Guest House",
    "villa": "Villa",
    "kos": "Kos",
    "apartment": "Apartemen",
    "private_home": "Rumah",
}
LODGING_WORDS = _words(
    "Sari Indah Bunga Melati Dewi Segara Surya Bintang Cahaya Taman Puri Griya Mutiara "
    "Permata Kencana Wisma Tirta Damai Harmoni Pelangi Asri Jaya Lestari Nusa Karang"
)
STREETS = _words(
    "Raya Legian Pantai Melasti Sunset Road Danau Tamblingan Gatot Subroto Sudirman "
    "Merdeka Diponegoro Gajah Mada Hayam Wuruk Pahlawan Mawar Kenanga Cempaka Anggrek"
)
INDONESIAN_GIVEN = _words(
    "Made Putu Nyoman Ketut Wayan Agus Budi Dewi Sri Rina Andi Eko Siti Yusuf Rudi Ani "
    "Hendra Indra Lina Wati Fajar Rizky Nur Dian"
)
INDONESIAN_FAMILY = _words(
    "Wirawan Suardana Pratama Santoso Wijaya Saputra Hidayat Kusuma Setiawan Susanto "
    "Gunawan Nugroho Rahayu Lestari Purnama Suryadi"
)

# Surnames (comma-separated, as a passport's MRZ gives them) and given names per name style.
_NAMES: dict[str, tuple[str, str]] = {
    "en": (
        "SMITH, JONES, WILLIAMS, BROWN, TAYLOR, WILSON, JOHNSON, WHITE, MARTIN, ANDERSON, "
        "THOMPSON, CLARKE, WALKER, HARRIS, KELLY, MURPHY, CAMPBELL, STEWART",
        "Jack Olivia Noah Charlotte James Amelia William Mia Thomas Emily Liam Grace Oliver "
        "Sophie Lucas Chloe Henry Isla",
    ),
    "de": (
        "MUELLER, SCHMIDT, SCHNEIDER, FISCHER, WEBER, MEYER, WAGNER, BECKER, HOFFMANN, SCHULZ",
        "Lukas Anna Leon Lea Felix Marie Jonas Laura Paul Lena",
    ),
    "fr": (
        "MARTIN, BERNARD, DUBOIS, THOMAS, ROBERT, RICHARD, PETIT, DURAND, LEROY, MOREAU",
        "Louis Camille Hugo Chloe Jules Manon Arthur Ines Gabriel Lea",
    ),
    "nl": (
        "DE JONG, JANSEN, DE VRIES, VAN DIJK, BAKKER, VISSER, SMIT, MEIJER, MULDER, BOS",
        "Daan Emma Sem Julia Lucas Tess Finn Sanne Bram Fleur",
    ),
    "zh": (
        "WANG, LI, ZHANG, LIU, CHEN, YANG, HUANG, ZHAO, WU, ZHOU, XU, SUN, TAN, LIM, LEE",
        "Wei Fang Min Jing Lei Yan Hao Xiuying Jun Lina Tao Mei",
    ),
    "ja": (
        "SATO, SUZUKI, TAKAHASHI, TANAKA, WATANABE, ITO, YAMAMOTO, NAKAMURA, KOBAYASHI, KATO",
        "Haruto Yui Sota Hina Yuto Aoi Ren Sakura Kaito Yuna",
    ),
    "ko": (
        "KIM, LEE, PARK, CHOI, JUNG, KANG, CHO, YOON, JANG, LIM",
        "Minjun Seoyeon Jiho Jiwoo Doyun Haeun Seojun Yuna Hajun Soyul",
    ),
    "in": (
        "SHARMA, PATEL, SINGH, KUMAR, GUPTA, REDDY, IYER, NAIR, MEHTA, JOSHI",
        "Aarav Priya Vihaan Ananya Arjun Diya Rohan Kavya Ishaan Meera",
    ),
    "ru": (
        "IVANOV, SMIRNOV, KUZNETSOV, POPOV, VASILIEV, PETROV, SOKOLOV, MIKHAILOV, NOVIKOV",
        "Alexander Anastasia Dmitry Maria Maxim Daria Ivan Sofia Artem Polina",
    ),
    "ms": (
        "ABDULLAH, RAHMAN, ISMAIL, HASSAN, IBRAHIM, OTHMAN, YUSOF, HAMZAH, AZIZ, SALLEH",
        "Ahmad Nurul Muhammad Siti Amir Aisyah Hafiz Farah Irfan Aina",
    ),
    "it": (
        "ROSSI, RUSSO, FERRARI, ESPOSITO, BIANCHI, ROMANO, COLOMBO, RICCI",
        "Francesco Giulia Alessandro Sofia Lorenzo Aurora Matteo Chiara",
    ),
    "es": (
        "GARCIA, MARTINEZ, LOPEZ, SANCHEZ, PEREZ, GOMEZ, FERNANDEZ, RUIZ",
        "Hugo Lucia Martin Sofia Pablo Martina Daniel Paula",
    ),
    "sv": ("ANDERSSON, JOHANSSON, KARLSSON, NILSSON, ERIKSSON", "Erik Elsa Oskar Maja Alice"),
    "ph": ("SANTOS, REYES, CRUZ, BAUTISTA, GARCIA, MENDOZA", "Jose Maria Juan Angel Mark Paolo"),
    "th": ("SRISAI, CHAIYAPORN, SUKSAWAT, WONGSA, BOONMA", "Somchai Malee Niran Ploy Anan"),
    "vn": ("NGUYEN, TRAN, LE, PHAM, HOANG, PHAN, VU", "An Binh Chi Dung Hoa Lan Minh"),
    "pt": ("DA SILVA, SOARES, PEREIRA, XIMENES, DOS SANTOS", "Joao Maria Jose Ana Paulo Rosa"),
    "ar": ("ALI, ALHARBI, ALQAHTANI, ALGHAMDI, ALOTAIBI", "Mohammed Fatimah Abdullah Noura"),
}


def names_of_style(style: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    surnames, given = _NAMES[style]
    return tuple(s.strip() for s in surnames.split(",")), tuple(given.split())


# ---------------------------------------------------------------- drawing from the tables


def weighted(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    return [value for value, _ in pairs], list(accumulate(weight for _, weight in pairs))


def draw(values: list[Any], cum: list[float], r: float) -> Any:
    """Return the value a uniform number in [0, 1) falls on, by the cumulative weights."""
    return values[min(bisect_right(cum, r * cum[-1]), len(cum) - 1)]
