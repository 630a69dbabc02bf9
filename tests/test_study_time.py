"""The one rule for study time, on plain data and a real SQLite store: each activity counts for at most `ALLOWANCE` after it,
time in two kernels at once counts once, re-reading adds nothing, a restart or a second notebook continues the session,
days and weeks are the learner's local ones."""
import json, os, time
from dataclasses import replace
from datetime import date, datetime, timedelta
import pytest
from learnkit.base import clock
from learnkit.study import sessions as S
from learnkit.store.db import get_store

def T(*a): return datetime(*a).timestamp()
def M(h, m, s=0): return T(2024, 5, 6, h, m, s)  # a Monday
def A(a, b, chapter='demo', kernel='k1', stop=None): return S.Activity(a, b, chapter, kernel, stop)
def minutes(ss): return round(S.studied_minutes(ss), 2)

def test_the_rule_is_five_minutes_after_each_activity():
    assert S.ALLOWANCE == 5*60 and S.SESSION_BREAK == 30*60
    assert A(M(10, 0), M(10, 0)).counted() == (M(10, 0), M(10, 5))  # one cell run: five minutes
    assert A(M(10, 0), M(10, 20)).counted() == (M(10, 0), M(10, 25))
    assert A(M(10, 0), M(10, 20), stop=M(10, 21)).counted() == (M(10, 0), M(10, 21))  # %lesson --end at 10:21
    assert A(M(10, 0), M(10, 20)).counted(now=M(10, 22)) == (M(10, 0), M(10, 22))  # never into the future
    assert A(M(10, 30), M(10, 40)).counted(now=M(10, 0)) == (M(10, 30), M(10, 45))  # a clock set back hides nothing recorded

def test_an_idle_gap_counts_only_the_allowance_and_re_reading_adds_nothing():
    "The issue: one Refresh click after 18 idle minutes credited all 18. Re-reading is no activity; `now` only caps."
    acts = [A(M(10, 0), M(10, 3))]
    before = S.group_sessions(S.study_spans(acts, now=M(10, 4)))
    after = S.group_sessions(S.study_spans(acts, now=M(10, 21)))  # the panel re-read 18 minutes after the last cell
    assert minutes(before) == 4 and minutes(after) == 8  # 10:00 to 10:03, and five minutes after it
    two = acts + [A(M(10, 21), M(10, 21))]  # a cell at 10:21: 8 + 5, not 21 + 5
    assert minutes(S.group_sessions(S.study_spans(two, now=M(11, 0)))) == 13

def test_two_kernels_at_once_count_once_and_the_chapters_add_up():
    book, repro = A(M(10, 0), M(10, 30), 'demo', 'book'), A(M(10, 10), M(10, 40), '04_mnist_basics', 'repro')
    spans = S.study_spans([book, repro])
    assert [(round((b - a)/60), ch) for a, b, ch in spans] == [(10, 'demo'), (35, '04_mnist_basics')]  # the one started last
    ss = S.group_sessions(spans)
    assert len(ss) == 1 and minutes(ss) == 45
    assert {k: round(v) for k, v in S.minutes_by_chapter(ss).items()} == {'demo': 10, '04_mnist_basics': 35}
    same = S.study_spans([book, replace(repro, chapter='demo')])
    assert same == [(M(10, 0), M(10, 45), 'demo')]

def test_a_restart_or_a_second_notebook_continues_the_session_and_a_long_break_ends_it():
    morning = [A(M(9, 0), M(9, 40)), A(M(9, 50), M(10, 10), kernel='k1-restarted'), A(M(10, 30), M(10, 35), kernel='k2')]
    ss = S.group_sessions(S.study_spans(morning + [A(M(13, 0), M(13, 10))]))
    assert [round(s.minutes) for s in ss] == [45 + 25 + 10, 15]
    assert S.current_session(ss, M(13, 30)) is ss[1] and S.current_session(ss, M(13, 46)) is None

def test_a_goal_belongs_to_the_session_it_was_set_in():
    spans = S.study_spans([A(M(9, 0), M(9, 20)), A(M(14, 0), M(14, 20))])
    ss = S.group_sessions(spans, [(M(9, 0), S.parse_goal('goal: the baseline, 1h')), (M(14, 5), S.parse_goal('data section'))])
    assert (ss[0].goal.goal, ss[0].goal.minutes, ss[1].goal.goal, ss[1].goal.minutes) == ('the baseline', 60, 'data section', None)

def test_days_split_at_local_midnight_and_weeks_start_on_local_mondays():
    ss = S.group_sessions(S.study_spans([A(T(2024, 5, 5, 23, 40), T(2024, 5, 6, 0, 10))]))
    assert {d: round(m) for d, m in S.daily_minutes(ss).items()} == {date(2024, 5, 5): 20, date(2024, 5, 6): 15}
    weeks = S.minutes_per_week(S.daily_minutes(ss), weeks=2, today=date(2024, 5, 6))
    assert [(w.isoformat(), round(m)) for w, m in weeks] == [('2024-04-29', 20), ('2024-05-06', 15)]

@pytest.fixture
def auckland():
    "The learner is in Auckland (UTC+12 in May): `clock` turns timestamps into their days."
    old = os.environ.get('TZ')
    os.environ['TZ'] = 'Pacific/Auckland'; time.tzset()
    yield
    if old is None: os.environ.pop('TZ')
    else: os.environ['TZ'] = old
    time.tzset()

def test_a_learner_in_another_time_zone_gets_their_own_days(auckland):
    t = datetime(2024, 5, 6, 23, 50).timestamp()  # Monday 23:50 in Auckland: 11:50 UTC
    assert clock.day(t) == date(2024, 5, 6) and clock.stamp(t, '%H:%M') == '23:50'
    ss = S.group_sessions(S.study_spans([A(t, t + 10*60)]))
    assert {d: round(m) for d, m in S.daily_minutes(ss).items()} == {date(2024, 5, 6): 10, date(2024, 5, 7): 5}
    assert clock.day_start(date(2024, 5, 7)) == t + 10*60

def test_recording_grows_one_row_per_stretch_and_stops(tmp_path):
    st = get_store()
    cur = None
    for s in range(0, 241, 30): cur = S.record_activity(cur, 'demo', 'k1', now=M(10, 0, 0) + s)  # a cell every 30 s: all recorded
    assert len(st.rows('events', "kind='activity'")) == 1 and cur.until == M(10, 4)
    cur = S.record_activity(cur, 'demo', 'k1', now=M(10, 12))  # after an 8-minute pause: a new stretch
    cur = S.record_activity(cur, '04_mnist_basics', 'k1', now=M(10, 13))  # another chapter: another
    assert len(st.rows('events', "kind='activity'")) == 3
    cur = S.stop_activity(cur, now=M(10, 14))
    ss = S.sessions(now=M(11, 0))
    assert minutes(ss) == 9 + 1 + 1  # 10:00-10:09, 10:12-10:13, 10:13-10:14 (stopped)
    assert S.stop_activity(cur, now=M(10, 20)).stop == M(10, 14)  # stopping twice keeps the first

def test_the_first_versions_marks_and_lesson_rows_are_read_by_the_same_rule():
    st = get_store()
    lid = S.open_lesson('demo', 'goal: x, 30 min', kernel='old', now=M(9, 0))
    for m in (2, 10, 40): st.add('events', time=M(9, m), chapter='demo', kind='activity', data={'session': lid})
    S.close_lesson(lid, now=M(9, 41))
    st.add('events', time=M(9, 50), chapter='demo', kind='activity', data='not json')  # unreadable: left out
    ss = S.sessions(now=M(12, 0))
    assert minutes(ss) == 7 + 5 + 1  # 9:00-9:07, 9:10-9:15, 9:40-9:41 (the session ended)
    assert ss[0].goal.minutes == 30

def test_a_new_lesson_in_the_same_kernel_closes_the_previous_row():
    a = S.open_lesson('demo', kernel='k1', now=M(10, 0))
    b = S.open_lesson('04_mnist_basics', kernel='k2', now=M(10, 0))
    c = S.open_lesson('05_pet_breeds', kernel='k1', now=M(10, 25))
    rows = {r['id']: r for r in get_store().rows('sessions')}
    assert (rows[a]['end'], rows[b]['end'], rows[c]['end']) == (M(10, 25), None, None)
    assert S.close_lesson(c, now=M(10, 30))['end'] == M(10, 30) and S.close_lesson(c, now=M(11, 0))['end'] == M(10, 30)

def test_fmt_minutes():
    assert [S.fmt_minutes(m) for m in (0.4, 45, 60, 65, 190, 300)] == ['0 min', '45 min', '1 h', '1 h 05 min', '3 h 10 min', '5 h']
