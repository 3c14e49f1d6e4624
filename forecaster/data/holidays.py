"""Holiday-aware business-day calendars: the future of a 'B' series skips the days its history skips.

A business-day series (stock prices, for instance) has no rows on weekends and
on its market's holidays. Plain ``'B'`` dates would forecast New Year's Day;
this module finds the holidays and skips them. Three sources, in this order of
use:

1. **Inferred from the history** (:func:`infer_holidays`, the default): the
   weekdays missing from the history are matched against recurring rules (a
   fixed date with its weekend observance, the nth or last weekday of a month,
   a day relative to Easter). A rule is kept when it explains at least
   ``min_count`` missing weekdays (two years of history) and at least
   ``min_share`` of its dates inside the history are missing; a rule that
   starts during the history (Juneteenth in 2022) is kept from its first year.
   One-off closures are not repeated. Well-known rules get their names
   ("Thanksgiving Day", "Good Friday").
2. **A named calendar** (:func:`holiday_calendar`): a pandas holiday calendar
   (``"USFederalHolidayCalendar"``, or any ``AbstractHolidayCalendar`` subclass
   that has been defined), an exchange from the optional ``exchange_calendars``
   package (``"XNYS"``) or a country or market from the optional ``holidays``
   package (``"US"``, ``"NYSE"``). Install them with ``pip install
   "forecaster[holidays]"``.
3. **Explicit dates**: any list of dates passed as ``holidays``.

Example:
    >>> history = pd.bdate_range("2017-01-02", "2019-12-31")
    >>> history = history[~((history.month == 12) & (history.day == 25))]  # closed on Christmas
    >>> calendar = infer_holidays(history)
    >>> [rule.name for rule in calendar.rules]
    ['Christmas Day']
    >>> [str(d.date()) for d in future_business_dates("2024-12-24", 2, calendar)]
    ['2024-12-26', '2024-12-27']
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import importlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from dateutil.easter import easter
from pandas.tseries import holiday as pd_holiday

from forecaster.errors import ForecasterError

__all__ = [
    "HolidayCalendar",
    "HolidayRule",
    "future_business_dates",
    "holiday_calendar",
    "infer_holidays",
    "missing_weekdays",
    "resolve_holidays",
]

_OBSERVANCES = {
    None: None,
    "nearest_workday": pd_holiday.nearest_workday,  # Saturday -> Friday, Sunday -> Monday
    "sunday_to_monday": pd_holiday.sunday_to_monday,  # Sunday -> Monday, Saturday not observed
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
_EASTER_REACH = 63  # days either side of Easter Sunday searched (Corpus Christi is +60)

# Names for well-known rules, keyed by what the rule is (the observance does not change the name).
_KNOWN = {
    ("fixed", 1, 1, None, None, None): "New Year's Day",
    ("fixed", 6, 19, None, None, None): "Juneteenth",
    ("fixed", 7, 4, None, None, None): "Independence Day",
    ("fixed", 11, 11, None, None, None): "Veterans Day",
    ("fixed", 12, 24, None, None, None): "Christmas Eve",
    ("fixed", 12, 25, None, None, None): "Christmas Day",
    ("fixed", 12, 26, None, None, None): "Boxing Day",
    ("fixed", 12, 31, None, None, None): "New Year's Eve",
    ("fixed", 5, 1, None, None, None): "Labour Day (May 1)",
    ("nth_weekday", 1, None, 0, 3, None): "Martin Luther King Jr. Day",
    ("nth_weekday", 2, None, 0, 3, None): "Presidents' Day",
    ("nth_weekday", 5, None, 0, -1, None): "Memorial Day",
    ("nth_weekday", 9, None, 0, 1, None): "Labor Day",
    ("nth_weekday", 10, None, 0, 2, None): "Columbus Day",
    ("nth_weekday", 11, None, 3, 4, None): "Thanksgiving Day",
    ("nth_weekday", 5, None, 0, 1, None): "Early May Bank Holiday",
    ("nth_weekday", 8, None, 0, -1, None): "Summer Bank Holiday",
    ("easter", None, None, None, None, -2): "Good Friday",
    ("easter", None, None, None, None, 1): "Easter Monday",
    ("easter", None, None, None, None, 39): "Ascension Day",
    ("easter", None, None, None, None, 50): "Whit Monday",
    ("easter", None, None, None, None, 60): "Corpus Christi",
}


@dataclass(frozen=True)
class HolidayRule:
    """One yearly holiday: a fixed date, the nth (or last) weekday of a month, or a day relative to Easter.

    Attributes:
        name: display name.
        kind: ``"fixed"``, ``"nth_weekday"`` or ``"easter"``.
        month, day: the date of a fixed holiday; ``month`` also for ``nth_weekday``.
        weekday: 0 = Monday ... 6 = Sunday, for ``nth_weekday``.
        nth: 1..5, or -1 for the last such weekday of the month.
        offset: days after Easter Sunday (-2 = Good Friday), for ``easter``.
        observance: for fixed dates on a weekend: ``"nearest_workday"``
            (Saturday -> Friday, Sunday -> Monday), ``"sunday_to_monday"`` or ``None``.
        start_year: first year the rule applies, or ``None``.
    """

    name: str
    kind: str
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    nth: int | None = None
    offset: int | None = None
    observance: str | None = None
    start_year: int | None = None

    def _key(self) -> tuple:
        return (self.kind, self.month, self.day, self.weekday, self.nth, self.offset)

    def date_in(self, year: int) -> pd.Timestamp | None:
        """The (observed) date of this holiday in ``year``, or ``None`` when there is none."""
        if self.start_year is not None and year < self.start_year:
            return None
        if self.kind == "easter":
            return pd.Timestamp(easter(year)) + pd.Timedelta(days=int(self.offset))
        if self.kind == "fixed":
            if self.day > _stdlib_calendar.monthrange(year, self.month)[1]:
                return None  # February 29 outside leap years
            date = pd.Timestamp(year, self.month, self.day)
            observe = _OBSERVANCES[self.observance]
            return pd.Timestamp(observe(date)) if observe is not None else date
        first_weekday, n_days = _stdlib_calendar.monthrange(year, self.month)
        if self.nth == -1:
            last = pd.Timestamp(year, self.month, n_days)
            return last - pd.Timedelta(days=(last.weekday() - self.weekday) % 7)
        day = 1 + (self.weekday - first_weekday) % 7 + 7 * (self.nth - 1)
        return pd.Timestamp(year, self.month, day) if day <= n_days else None

    def dates(self, start: Any, end: Any) -> pd.DatetimeIndex:
        """Dates of this holiday between ``start`` and ``end`` (inclusive)."""
        lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
        found = [self.date_in(year) for year in range(lo.year - 1, hi.year + 2)]
        return pd.DatetimeIndex(sorted(d for d in found if d is not None and lo <= d <= hi))


@dataclass(frozen=True)
class HolidayCalendar:
    """A set of holidays: inferred or explicit rules, or a calendar named in pandas or an optional package.

    ``dates(start, end)`` lists the holidays; ``to_dict()`` / ``from_dict()``
    store it in a run directory (a named calendar is stored by name and looked
    up again when the run is loaded).
    """

    name: str
    rules: tuple[HolidayRule, ...] = ()
    source: str = "inferred"
    extra_dates: tuple[str, ...] = ()
    _lookup: Any = field(default=None, compare=False, repr=False)

    def dates(self, start: Any, end: Any) -> pd.DatetimeIndex:
        """Holidays between ``start`` and ``end`` (inclusive), sorted, without duplicates."""
        lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
        found: list[pd.Timestamp] = []
        for rule in self.rules:
            found.extend(rule.dates(lo, hi))
        found.extend(pd.Timestamp(d) for d in self.extra_dates)
        if self._lookup is not None:
            found.extend(pd.DatetimeIndex(self._lookup(lo, hi)).tz_localize(None).normalize())
        index = pd.DatetimeIndex(found, dtype="datetime64[ns]")
        return index[(index >= lo) & (index <= hi)].unique().sort_values()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (see :meth:`from_dict`)."""
        out: dict[str, Any] = {"name": self.name, "source": self.source}
        if self.source in ("inferred", "dates"):
            out["rules"] = [asdict(rule) for rule in self.rules]
            out["extra_dates"] = list(self.extra_dates)
        return out

    def __reduce__(self) -> tuple:
        # a named calendar pickles by name (its lookup function is a closure)
        if self.source in ("inferred", "dates"):
            return (HolidayCalendar, (self.name, self.rules, self.source, self.extra_dates))
        return (holiday_calendar, (self.name,))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HolidayCalendar:
        """The calendar :meth:`to_dict` described (a named one is looked up again)."""
        if data.get("source") in ("inferred", "dates"):
            rules = tuple(HolidayRule(**rule) for rule in data.get("rules", ()))
            return cls(data["name"], rules, data["source"], tuple(data.get("extra_dates", ())))
        return holiday_calendar(data["name"])


# ------------------------------------------------------------------ inference


def _as_dates(dates: object, what: str) -> pd.DatetimeIndex:
    try:
        index = pd.DatetimeIndex(dates)
    except (TypeError, ValueError) as exc:
        raise ForecasterError(f"`{what}` must be dates (could not read them: {exc}).") from None
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.normalize().unique().sort_values()


def missing_weekdays(dates: object) -> pd.DatetimeIndex:
    """Weekdays between the first and last of ``dates`` that ``dates`` lacks.

    Example:
        >>> missing_weekdays(["2024-12-24", "2024-12-26"]).strftime("%Y-%m-%d").tolist()
        ['2024-12-25']
    """
    index = _as_dates(dates, "dates")
    if len(index) < 2:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    grid = pd.bdate_range(index[0], index[-1])
    return grid.difference(index)


def _name(rule: HolidayRule) -> str:
    known = _KNOWN.get(rule._key())
    if known:
        return known
    if rule.kind == "fixed":
        return pd.Timestamp(2000, rule.month, rule.day).strftime("%B %-d")
    if rule.kind == "nth_weekday":
        month = _stdlib_calendar.month_name[rule.month]
        return f"{_ORDINALS[rule.nth]} {_WEEKDAYS[rule.weekday]} of {month}"
    return f"Easter {rule.offset:+d} days"


def _candidates(missing: pd.DatetimeIndex) -> list[HolidayRule]:
    """Every rule one of the missing weekdays could be an instance of (deduplicated, in a stable order)."""
    seen: dict[tuple, HolidayRule] = {}

    def add(rule: HolidayRule) -> None:
        key = (*rule._key(), rule.observance)
        if key not in seen:
            seen[key] = replace(rule, name=_name(rule))

    for day in missing:
        # a fixed date on that day, or on the weekend day it was observed for
        bases = [day]
        if day.weekday() == 4:
            bases.append(day + pd.Timedelta(days=1))  # Saturday holiday observed on Friday
        if day.weekday() == 0:
            bases.append(day - pd.Timedelta(days=1))  # Sunday holiday observed on Monday
        for base in bases:
            if base == day:
                add(HolidayRule("", "fixed", month=base.month, day=base.day))
            for observance in ("nearest_workday", "sunday_to_monday"):
                add(HolidayRule("", "fixed", month=base.month, day=base.day, observance=observance))
        n_days = _stdlib_calendar.monthrange(day.year, day.month)[1]
        add(
            HolidayRule(
                "",
                "nth_weekday",
                month=day.month,
                weekday=day.weekday(),
                nth=(day.day - 1) // 7 + 1,
            )
        )
        if day.day + 7 > n_days:
            add(HolidayRule("", "nth_weekday", month=day.month, weekday=day.weekday(), nth=-1))
        offset = (day - pd.Timestamp(easter(day.year))).days
        if abs(offset) <= _EASTER_REACH:
            add(HolidayRule("", "easter", offset=offset))
    return list(seen.values())


def infer_holidays(dates: object, *, min_count: int = 2, min_share: float = 0.8) -> HolidayCalendar:
    """Recurring holidays of a business-day history: the rules that explain its missing weekdays.

    Args:
        dates: the dates of the history (a business-day series).
        min_count: a rule must explain at least this many missing weekdays (years).
        min_share: and at least this share of its weekday dates inside the
            history (from its first explained year on) must be missing.

    Returns:
        A :class:`HolidayCalendar` named ``"inferred"`` (no rules when the
        history is shorter than ``min_count`` years or has no recurring gaps).

    Raises:
        ForecasterError: if ``dates`` are not dates or the thresholds are out of range.
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 2:
        raise ForecasterError(f"`min_count` must be an integer >= 2 (received {min_count!r}).")
    if not 0.5 <= float(min_share) <= 1.0:
        raise ForecasterError(f"`min_share` must lie between 0.5 and 1 (received {min_share!r}).")
    index = _as_dates(dates, "dates")
    missing = missing_weekdays(index)
    if len(missing) < min_count:
        return HolidayCalendar("inferred")
    first, last = index[0], index[-1]
    is_missing = set(missing)

    scored = []
    for rule in _candidates(missing):
        instances = [d for d in rule.dates(first, last) if d.weekday() < 5]
        hit_flags = [d in is_missing for d in instances]
        if sum(hit_flags) < min_count:
            continue
        start = hit_flags.index(True)
        if start > 0:  # a holiday introduced during the history counts from its first year
            rule = replace(rule, start_year=instances[start].year)
            instances, hit_flags = instances[start:], hit_flags[start:]
        hits = frozenset(d for d, hit in zip(instances, hit_flags, strict=True) if hit)
        misses = len(instances) - len(hits)
        if len(hits) / len(instances) >= min_share:
            scored.append((rule, hits, misses))

    # Greedy cover: take the rule explaining most not-yet-explained days; ties go to
    # fewer misses, then named rules, then rules that hold from the start.
    chosen: list[HolidayRule] = []
    covered: set[pd.Timestamp] = set()
    while scored:
        best = max(
            scored,
            key=lambda s: (
                len(s[1] - covered),
                -s[2],
                s[0]._key() in _KNOWN,
                s[0].start_year is None,
            ),
        )
        if len(best[1] - covered) < min_count:
            break
        chosen.append(best[0])
        covered |= best[1]
        scored.remove(best)
    chosen.sort(key=lambda r: (replace(r, start_year=None).date_in(2001), r.name))  # calendar order
    return HolidayCalendar("inferred", tuple(chosen))


# ------------------------------------------------------------ named calendars


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _pandas_calendars() -> dict[str, type]:
    return {
        name: cls
        for name, cls in pd_holiday.holiday_calendars.items()
        if name != "AbstractHolidayCalendar" and getattr(cls, "rules", None)
    }


def holiday_calendar(name: object) -> HolidayCalendar:
    """The holiday calendar called ``name``.

    Looks in turn at pandas' holiday calendars (``"USFederalHolidayCalendar"``),
    the exchanges of ``exchange_calendars`` (``"XNYS"``) and the countries and
    markets of ``holidays`` (``"US"``, ``"NYSE"``), the last two when installed
    (``pip install "forecaster[holidays]"``). A :class:`HolidayCalendar` or a
    pandas ``AbstractHolidayCalendar`` instance is accepted as it is.

    Raises:
        ForecasterError: for a name none of them knows.
    """
    if isinstance(name, HolidayCalendar):
        return name
    if isinstance(name, pd_holiday.AbstractHolidayCalendar):
        cal = name
        return HolidayCalendar(
            cal.name, source="pandas", _lookup=lambda lo, hi: cal.holidays(lo, hi)
        )
    if not isinstance(name, str) or not name.strip():
        raise ForecasterError(
            f"a holiday calendar is named by a string such as 'USFederalHolidayCalendar' (received {name!r})."
        )
    key = name.strip()
    pandas_cals = _pandas_calendars()
    if key in pandas_cals:
        cal = pandas_cals[key]()
        return HolidayCalendar(key, source="pandas", _lookup=lambda lo, hi: cal.holidays(lo, hi))

    xcals = _optional("exchange_calendars")
    if xcals is not None and key.upper() in xcals.get_calendar_names():
        exchange = xcals.get_calendar(key.upper())
        regular = exchange.regular_holidays
        adhoc = pd.DatetimeIndex(exchange.adhoc_holidays)

        def exchange_dates(lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DatetimeIndex:
            rules = regular.holidays(lo, hi) if regular is not None else pd.DatetimeIndex([])
            return rules.append(adhoc[(adhoc >= lo) & (adhoc <= hi)])

        return HolidayCalendar(key.upper(), source="exchange_calendars", _lookup=exchange_dates)

    hols = _optional("holidays")
    if hols is not None:
        code = key.upper()
        if code in hols.list_supported_financial():
            maker = hols.financial_holidays
        elif code in hols.list_supported_countries():
            maker = hols.country_holidays
        else:
            maker = None
        if maker is not None:

            def package_dates(lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DatetimeIndex:
                table = maker(code, years=range(lo.year, hi.year + 1))
                return pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in table))

            return HolidayCalendar(code, source="holidays", _lookup=package_dates)

    missing = [
        pkg for pkg, mod in (("exchange_calendars", xcals), ("holidays", hols)) if mod is None
    ]
    hint = (
        f"; exchange codes such as XNYS and country codes such as US need {' and '.join(missing)} "
        '(pip install "forecaster[holidays]")'
        if missing
        else "; or an exchange code of exchange_calendars (XNYS) or a country or market code of holidays (US, NYSE)"
    )
    raise ForecasterError(
        f"unknown holiday calendar {key!r}; use a pandas calendar ({', '.join(sorted(pandas_cals))}){hint}."
    )


def resolve_holidays(history_dates: object, holidays: object = "infer") -> HolidayCalendar | None:
    """The holidays a business-day series' future should skip.

    Args:
        history_dates: the dates of the history (used when ``holidays="infer"``).
        holidays: ``"infer"`` (default: :func:`infer_holidays` on the history),
            ``None`` / ``"none"`` (plain weekdays), a calendar name for
            :func:`holiday_calendar`, a calendar object, or a list of dates.

    Returns:
        A :class:`HolidayCalendar`, or ``None`` for plain weekdays.
    """
    if holidays is None or (isinstance(holidays, str) and holidays.strip().lower() == "none"):
        return None
    if isinstance(holidays, str) and holidays.strip().lower() == "infer":
        return infer_holidays(history_dates)
    if isinstance(holidays, str | HolidayCalendar | pd_holiday.AbstractHolidayCalendar):
        return holiday_calendar(holidays)
    if isinstance(holidays, Iterable):
        days = _as_dates(list(holidays), "holidays")
        return HolidayCalendar(
            "dates", source="dates", extra_dates=tuple(str(d.date()) for d in days)
        )
    raise ForecasterError(
        f"`holidays` must be 'infer', 'none', a calendar name or a list of dates (received {holidays!r})."
    )


def future_business_dates(
    last_date: object, horizon: int, holidays: object = None
) -> pd.DatetimeIndex:
    """The ``horizon`` weekdays after ``last_date`` that are not holidays.

    Args:
        last_date: the last date of the history.
        horizon: how many dates.
        holidays: ``None`` (plain weekdays), a :class:`HolidayCalendar`, a
            calendar name (see :func:`holiday_calendar`) or a list of dates.
            Use :func:`resolve_holidays` for ``"infer"``.

    Returns:
        ``horizon`` increasing dates, with ``last_date``'s time of day.

    Raises:
        ForecasterError: on a bad date, horizon or calendar name.

    Example:
        >>> future_business_dates("2024-12-31", 2, ["2025-01-01"]).strftime("%Y-%m-%d").tolist()
        ['2025-01-02', '2025-01-03']
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ForecasterError(f"`horizon` must be an integer >= 1 (received horizon={horizon!r}).")
    try:
        last = pd.Timestamp(last_date)
    except (TypeError, ValueError):
        last = pd.NaT
    if last is pd.NaT:
        raise ForecasterError(f"`last_date` must be a date (received {last_date!r}).")
    if holidays is None:
        calendar = None
    elif isinstance(holidays, str) and holidays.strip().lower() == "infer":
        raise ForecasterError(
            "future_business_dates needs the holidays themselves; call resolve_holidays first."
        )
    else:
        calendar = resolve_holidays(None, holidays)
    tz = last.tz
    naive = last.tz_localize(None) if tz is not None else last
    span = int(horizon) * 7 // 5 + 14
    while True:  # widen the window until it holds `horizon` business days
        end = naive + pd.Timedelta(days=span)
        days = [] if calendar is None else calendar.dates(naive + pd.Timedelta(days=1), end)
        offset = pd.offsets.CustomBusinessDay(holidays=[d.date() for d in days])
        dates = pd.date_range(naive + offset, end, freq=offset)
        if len(dates) >= horizon:
            dates = dates[: int(horizon)]
            return dates.tz_localize(tz) if tz is not None else dates
        span *= 2
