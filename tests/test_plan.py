"""The study plan: set with `learnkit plan` or `%lesson plan`, held against study time week by week, shown as one line on the
panel, the dashboard and the report, charted planned against studied, and the welcome back after days away; under one
clock (`learnkit.base.clock.now`, moved here by the tests)."""
import json
from datetime import date, datetime, timedelta
import pytest
from learnkit.base import clock
from learnkit.base.core import LearnkitError
from learnkit.study import plan as P, sessions as S
from learnkit.store.db import get_store

def T(*a): return datetime(*a).timestamp()

@pytest.fixture
def at(monkeypatch):
    "Set the one clock: `at(t)` makes `clock.now()` return timestamp `t` everywhere in learnkit."
    now = [T(2024, 5, 6, 9, 0)]
    monkeypatch.setattr(clock, 'now', lambda: now[0])
    def set_(t): now[0] = t; return t
    return set_

def _study(chapter, start, minutes, kernel='k'):
    cur = None
    for s in range(0, int(minutes*60) + 1, 60): cur = S.record_activity(cur, chapter, kernel, now=start + s)

def test_the_status_rule():
    assert P.pace_status(0, 0, 43, 300) == ('on track', 0.)  # Monday morning: nothing is due yet
    assert P.pace_status(60, 0, 43, 300) == ('ahead', 0.)  # a full day's share ahead
    assert P.pace_status(150, 171.4, 43, 300) == ('behind', 21.)
    assert P.pace_status(171, 171.4, 43, 300) == ('on track', 0.)  # under a minute short
    assert P.pace_status(300, 257, 43, 300) == ('ahead', 0.)  # the week's plan done

def test_a_week_of_the_plan_day_by_day_with_a_re_plan_keeping_the_history():
    a = P.StudyPlan(['04_mnist_basics'], 7., date(2024, 6, 2), T(2024, 5, 9, 20, 0))  # Thursday, an hour a day
    b = P.StudyPlan(['04_mnist_basics'], 3.5, date(2024, 6, 2), T(2024, 5, 15, 8, 0))  # re-planned on Wednesday
    assert P.week_minutes([a], date(2024, 5, 6)) == 4*60  # Thursday to Sunday
    assert P.week_minutes([a, b], date(2024, 5, 13)) == 2*60 + 5*30
    assert P.week_minutes([a, b], date(2024, 5, 13), before=date(2024, 5, 16)) == 2*60 + 30
    st = P.plan_status([a, b], {date(2024, 5, 13): 60, date(2024, 5, 14): 20}, {}, date(2024, 5, 16))
    assert (st.week, st.weeks, st.planned_minutes, st.studied_minutes, st.status, st.behind_minutes) == (2, 4, 270, 80, 'behind', 70)
    assert [p.hours_per_week for p in st.history] == [7., 3.5]
    assert P.plan_status([a, b], {}, {}, date(2024, 5, 12)).history == [a]  # what was not yet known on the 12th

def test_set_plan_revises_and_says_what_is_wrong_in_one_line(at):
    at(T(2024, 5, 6, 9, 0))
    with pytest.raises(LearnkitError, match='a first plan needs chapters, hours and a date'): P.set_plan(['4'])
    P.set_plan(['4', 'pet_breeds'], 5, '2024-06-30')
    at(T(2024, 5, 20, 9, 0))
    P.set_plan(hours_per_week=4)
    P.set_plan(['5'], until='2024-07-31')
    hist = P.plan_history()
    assert [(p.chapters, p.hours_per_week, p.until.isoformat()) for p in hist] == [
        (['04_mnist_basics', '05_pet_breeds'], 5., '2024-06-30'), (['04_mnist_basics', '05_pet_breeds'], 4., '2024-06-30'),
        (['05_pet_breeds'], 4., '2024-07-31')]
    for bad, msg in [(dict(until='2024-05-01'), '--until 2024-05-01 is in the past'), (dict(until='31/07/2024'), 'is not a date; write it as YYYY-MM-DD'),
                     (dict(hours_per_week=-1), 'give hours between 0 and 168'), (dict(chapters=['mnist_basic']), 'did you mean 04_mnist_basics?')]:
        with pytest.raises(LearnkitError, match=msg): P.set_plan(**bad)
    assert len(P.plan_history()) == 3  # nothing half-written

def test_learnkit_plan_json_has_every_field(at, tmp_path, monkeypatch, capsys):
    from learnkit.cli.main import main
    monkeypatch.chdir(tmp_path)
    at(T(2024, 5, 6, 9, 0))
    assert main(['plan']) == 0 and capsys.readouterr().out.startswith('No study plan yet: %lesson plan CHAPTER...')
    assert main(['plan', 'demo', '4', '--hours-per-week', '3.5', '--until', '2024-06-02']) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ['Plan: demo, 04_mnist_basics by 2024-06-02, 3.5 h a week (set 2024-05-06)',
                                    'Week 1 of 4: 0 min of 3 h 30 min this week, on track; next: demo']
    _study('demo', T(2024, 5, 6, 10, 0), 40)
    _study('demo', T(2024, 5, 8, 10, 0), 25)
    get_store().set_step('demo', 'read', True)
    for step in ('run', 'reproduce', 'repeat'): get_store().set_step('demo', step, True)
    at(T(2024, 5, 10, 18, 0))  # Friday
    assert main(['plan', '--json']) == 0
    got = json.loads(capsys.readouterr().out)
    want = dict(chapters=['demo', '04_mnist_basics'], hours_per_week=3.5, until='2024-06-02', week=1, weeks=4, planned_minutes=210.0,
                studied_minutes=75.0, status='behind', behind_minutes=45.0, finished=['demo'], next_chapter='04_mnist_basics',
                last_studied='2024-05-08', days_since=2)
    assert {k: got[k] for k in want} == want  # Monday to Thursday's share is 120 minutes; 45 + 30 were studied
    assert len(got['history']) == 1 and got['ended'] is False
    assert main(['plan', '--until', '2024-01-01']) == 1
    assert capsys.readouterr().err == 'learnkit: --until 2024-01-01 is in the past; give a date from today on (2024-05-10)\n'

def test_lesson_plan_in_the_notebook_and_the_plan_line_on_panel_and_dashboard(shell, at, tmp_path, monkeypatch, capsys):
    import ipywidgets as widgets
    from learnkit.ui.dashboard import DashboardModel
    monkeypatch.chdir(tmp_path)
    at(T(2024, 5, 6, 9, 0))
    shell.run_line_magic('lesson', 'demo')
    panel = shell._learnkit_magics.state.panel
    plan = next(w for w in panel.children if isinstance(w, widgets.HTML) and 'lk-plan' in w._dom_classes)
    assert 'No study plan yet' in plan.value
    capsys.readouterr()
    shell.run_line_magic('lesson', 'plan demo 4 --hours-per-week 5 --until 2024-06-30')
    line = 'Week 1 of 8: 5 min of 5 h this week, on track; next: demo'  # the %lesson cell itself, and five minutes after it
    at(T(2024, 5, 6, 9, 30))
    assert capsys.readouterr().out.splitlines()[1] == line.replace('5 min', '0 min')
    panel.refresh()
    assert line in plan.value  # the panel's first line after its title
    assert panel.model.text().splitlines()[1] == line
    dm = DashboardModel(cwd=tmp_path)
    assert dm.text().splitlines()[0] == line and f'<p class="lk-plan"><span style="color:#1a7f37"><b>{line}</b></span></p>' in dm.html()
    shell.run_line_magic('lesson', 'plan --hours-per-week lots')
    assert capsys.readouterr().err.strip() == "learnkit: %lesson plan: argument --hours-per-week: invalid float value: 'lots' (see `%lesson plan --help`)"

def test_the_report_charts_planned_against_studied_and_says_the_plan(at, tmp_path):
    from learnkit.study import report as R, report_render as RR
    at(T(2024, 5, 1, 9, 0))  # a Wednesday
    P.set_plan(['demo'], 7, '2024-05-19')
    _study('demo', T(2024, 5, 1, 10, 0), 55)
    _study('demo', T(2024, 5, 7, 10, 0), 25)
    at(T(2024, 5, 8, 9, 0))
    d = R.report_data(folders=[tmp_path])
    rows = [(w.monday.isoformat(), w.planned, round(w.studied)) for w in d['weeks'] if w.planned or w.studied]
    assert rows == [('2024-04-29', 300.0, 60), ('2024-05-06', 420.0, 30), ('2024-05-13', 420.0, 0)]  # the week to come too
    j = R.report_json(d)
    assert j['plan']['status'] == 'behind' and j['plan']['behind_minutes'] == 90 and j['weeks'][-1] == dict(monday='2024-05-13', planned=420.0, studied=0.)
    md = RR.report_markdown(d)
    assert '**Plan**: Week 2 of 3\\: 30 min of 7 h this week, 1 h 30 min behind; next\\: demo' in md and '| 2024-04-29 | 300 | 60 |' in md
    assert '<p class="lk-plan"><b>Plan</b>: Week 2 of 3: 30 min of 7 h this week, 1 h 30 min behind; next: demo</p>' in RR.report_html(d)

def test_pace_for_the_share_post(at):
    at(T(2024, 5, 1, 9, 0))
    assert P.pace() is None
    P.set_plan(['demo'], 7, '2024-05-19')
    _study('demo', T(2024, 5, 1, 10, 0), 55)
    at(T(2024, 5, 8, 9, 0))
    pc = P.pace()
    assert (pc.week, pc.weeks, pc.hours_per_week, pc.planned_minutes, round(pc.studied_minutes), pc.status) == (2, 3, 7., 300 + 120, 60, 'behind')
    assert [(w.monday.isoformat(), w.planned) for w in pc.weekly] == [('2024-04-29', 300.), ('2024-05-06', 420.)]
    assert json.loads(json.dumps(pc.to_dict()))['weekly'][0] == dict(monday='2024-04-29', planned=300.0, studied=60.0)

def test_welcome_back_after_days_away_once(shell, at, tmp_path, monkeypatch, capsys):
    from learnkit.reproduce.scaffold import write_scaffold
    monkeypatch.chdir(tmp_path)
    write_scaffold('demo', out=tmp_path/'demo_reproduce.ipynb')
    at(T(2024, 5, 1, 9, 0))
    P.set_plan(['demo'], 3.5, '2024-06-30')
    shell.run_line_magic('lesson', 'demo --no-panel')
    at(T(2024, 5, 1, 9, 20)); shell.run_cell('x = 1')
    capsys.readouterr()
    at(T(2024, 5, 2, 9, 0)); shell.run_line_magic('lesson', 'demo --no-panel')  # the next day: no welcome
    assert 'welcome back' not in capsys.readouterr().out
    at(T(2024, 5, 6, 19, 0)); shell.run_line_magic('lesson', 'demo --no-panel')  # Monday, four days later
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith('learnkit: welcome back, it has been 4 days. You stopped in demo, next blank: %%reproduce ')
    assert out[1].endswith('. This week your plan asks for 3 h 30 min, 3 h 30 min to go.') and '(§Making the Data, ' in out[1]
    assert out[1] == f"learnkit: welcome back, it has been 4 days. You stopped in demo, {P.stopped_at('demo', [tmp_path])}. This week your plan asks for 3 h 30 min, 3 h 30 min to go." 
    at(T(2024, 5, 6, 19, 10)); shell.run_line_magic('lesson', 'demo --no-panel')  # again, or in another notebook: said once
    assert 'welcome back' not in capsys.readouterr().out
