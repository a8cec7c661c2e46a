"""Offer times: RRULE checks and expansion (python-dateutil), the day-bit calendar at its
edges, and times in words."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from explorer import when as when_mod
from explorer.offerindex import build_calendar, canonical_rule, day_key
from explorer.when import Holidays, WhenError
from explorer.when_text import describe, month_span

HOLIDAYS = Holidays({"herbstferien-2027": (dt.date(2027, 10, 23), dt.date(2027, 11, 6))},
                    {"herbstferien-2027": {"de": "Herbstferien 2027", "en": "Autumn 2027"}})


def weekly(rule: str, start: str = "2026-01-04T15:00", minutes: int = 60) -> dict:
    return {"type": "recurring", "dtstart": start, "duration_min": minutes, "rrule": rule}


@pytest.mark.parametrize(("when", "field", "text"), [
    (weekly("FREQ=WEEKLY;BYDAI=SU"), "rrule", "unknown RRULE part 'BYDAI'"),
    (weekly("FREQ=HOURLY"), "rrule", "FREQ must be one of"),
    (weekly("FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000"), "rrule", "cannot both"),
    (weekly("FREQ=WEEKLY;UNTIL=20270101T000000Z"), "rrule", "without 'Z'"),
    (weekly("FREQ=WEEKLY;BYDAY=XX"), "rrule", "cannot be read"),
    (weekly("FREQ=WEEKLY", start="1850-01-01T10:00"), "dtstart", "outside the years"),
    (weekly("FREQ=WEEKLY", minutes=0), "duration_min", "1-1440"),
    ({"type": "sessions", "sessions": []}, "sessions", "non-empty"),
    ({"type": "sessions", "sessions": [{"start": "2026-12-05T15:00+01:00"}]},
     "sessions[0].start", "UTC offset"),
    ({"type": "sessions", "sessions": [{"start": "2026-12-05T15:00", "capacity": 0}]},
     "sessions[0].capacity", ">= 1"),
    ({"type": "sessions", "sessions": [{"start": "2026-12-05T15:00",
                                        "registration_deadline": "2026-12-06"}]},
     "sessions[0].registration_deadline", "after the session's start"),
    ({"type": "season", "start": "2027-08-01", "end": "2027-07-01"}, "end", "before start"),
    ({"type": "season", "school_holidays": ["x"]}, "school_holidays", "unknown"),
    ({"type": "sometimes"}, "type", "must be one of"),
])
def test_bad_times_name_the_field(when, field, text):
    with pytest.raises(WhenError) as info:
        when_mod.check(when, HOLIDAYS)
    assert info.value.field == field and text in info.value.message


def test_rrule_parts_are_expanded_by_dateutil():
    start = dt.datetime(2027, 1, 1)
    end = dt.datetime(2027, 12, 31, 23, 59)
    third_saturdays = when_mod.occurrences(
        weekly("FREQ=MONTHLY;BYDAY=3SA;BYMONTH=5,6,7", "2026-05-16T15:00"), HOLIDAYS, start, end)
    assert [a.date() for a, _b in third_saturdays] == [
        dt.date(2027, 5, 15), dt.date(2027, 6, 19), dt.date(2027, 7, 17)]
    counted = when_mod.occurrences(weekly("FREQ=WEEKLY;COUNT=3", "2027-01-03T10:00"),
                                   HOLIDAYS, start, end)
    assert len(counted) == 3
    until = when_mod.occurrences(weekly("FREQ=WEEKLY;UNTIL=20270117T235959", "2027-01-03T10:00"),
                                 HOLIDAYS, start, end)
    assert [a.day for a, _b in until] == [3, 10, 17]
    last_friday = when_mod.occurrences(weekly("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1",
                                              "2027-01-01T18:00"), HOLIDAYS, start, end)
    assert last_friday[0][0].date() == dt.date(2027, 1, 29) and len(last_friday) == 12


def test_calendar_bits_at_the_edges_of_a_span():
    today = dt.date(2027, 1, 6)  # a Wednesday
    whens = [weekly("FREQ=WEEKLY;BYDAY=SU"), {"type": "on_request"}, None,
             {"type": "season", "school_holidays": "herbstferien-2027"},
             weekly("FREQ=DAILY", "2027-01-08T22:00", minutes=180)]  # ends past midnight
    cal = build_calendar(whens, HOLIDAYS, today)
    sunday = cal.index(dt.date(2027, 1, 10))
    every = np.arange(len(whens))
    assert cal.any_in(every, sunday, sunday).tolist() == [True, False, False, False, True]
    assert cal.any_in(every[:1], sunday - 6, sunday - 1).tolist() == [False]  # Mon-Sat
    assert cal.next_day[0] == sunday and cal.next_day[1] == -1 and cal.next_day[2] == -1
    autumn = cal.index(dt.date(2027, 10, 23)), cal.index(dt.date(2027, 11, 6))
    assert cal.any_in(every[3:4], *autumn).tolist() == [True]
    assert cal.any_in(every[3:4], autumn[1] + 1, autumn[1] + 30).tolist() == [False]
    assert cal.first_in(every[3:4], autumn[0] - 5, autumn[1]).tolist() == [autumn[0]]
    friday = cal.index(dt.date(2027, 1, 8))
    assert cal.first_in(every[4:5], friday - 1, friday + 1).tolist() == [friday]
    assert cal.any_in(every[4:5], friday - 3, friday - 1).tolist() == [False]


def test_same_days_share_one_expansion_key():
    a = day_key(weekly("FREQ=WEEKLY;BYDAY=SU,MO", "2026-01-04T15:00", 60))[0]
    b = day_key(weekly("BYDAY=MO,SU;FREQ=WEEKLY", "2026-01-04T09:30", 120))[0]
    late = day_key(weekly("FREQ=WEEKLY;BYDAY=SU,MO", "2026-01-04T23:00", 120))[0]
    assert a == b != late  # 23:00 + 2 h reaches into the next day
    assert canonical_rule("byday=TU,MO;FREQ=WEEKLY") == "BYDAY=MO,TU;FREQ=WEEKLY"


def test_times_in_words_in_both_languages():
    assert describe(None, HOLIDAYS, "de") == "Termine unbekannt"
    assert describe({"type": "on_request"}, HOLIDAYS, "en") == "by arrangement"
    assert describe(weekly("FREQ=MONTHLY;BYDAY=3SA;BYMONTH=5,6,7", "2026-05-16T15:00"),
                    HOLIDAYS, "de") == "monatlich 3. Sa 15:00–16:00 Uhr (Mai–Juli)"
    assert describe(weekly("FREQ=DAILY", "2026-01-01T00:00", 1440), HOLIDAYS,
                    "en") == "daily around the clock"
    assert describe({"type": "season", "school_holidays": "herbstferien-2027"}, HOLIDAYS,
                    "de") == "Herbstferien 2027: 23.10.2027 – 06.11.2027"
    assert month_span({11, 12, 1, 2}, "de") == "Nov.–Feb."
    assert month_span({1, 5}, "en") == "Jan, May"


def test_several_rules_for_hours_that_differ_by_weekday_or_season():
    when = {"type": "recurring", "rules": [
        {"dtstart": "2027-01-06T14:00", "duration_min": 240, "rrule": "FREQ=WEEKLY;BYDAY=WE"},
        {"dtstart": "2027-01-03T11:00", "duration_min": 420, "rrule": "FREQ=WEEKLY;BYDAY=SU"}]}
    when_mod.check(when, HOLIDAYS)
    week = when_mod.occurrences(when, HOLIDAYS, dt.datetime(2027, 1, 4),
                                dt.datetime(2027, 1, 10, 23, 59))
    assert [(a.weekday(), a.hour) for a, _b in week] == [(2, 14), (6, 11)]
    assert describe(when, HOLIDAYS, "en") == ("weekly Wed 14:00–18:00 from 2027-01-06; "
                                              "weekly Sun 11:00–18:00 from 2027-01-03")
    bad = {"type": "recurring", "rules": [when["rules"][0], {"dtstart": "2027-01-03T11:00",
                                                             "rrule": "FREQ=WEEKLY;BYDAI=SU"}]}
    with pytest.raises(WhenError) as info:
        when_mod.check(bad, HOLIDAYS)
    assert info.value.field == "rules[1].rrule"
    with pytest.raises(WhenError) as info:
        when_mod.check({"type": "recurring", "rules": []}, HOLIDAYS)
    assert info.value.field == "rules"
    cal = build_calendar([when], HOLIDAYS, dt.date(2027, 1, 4))
    days = [cal.index(dt.date(2027, 1, d)) for d in range(4, 11)]
    assert [bool(cal.any_in(np.arange(1), d, d)[0]) for d in days] == [
        False, False, True, False, False, False, True]
