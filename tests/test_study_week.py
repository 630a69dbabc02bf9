"""A study week replayed in real kernels under a controlled clock (libfaketime moves the kernels' clock, and the command
line's, while they run), in a learner's own time zone: two notebooks at once, an idle gap with a Refresh click, a kernel
restart, days away and the welcome back, a session across midnight UTC. Every view shows the minutes the rule counts: the
panel, the dashboard, `learnkit report --json` and `learnkit plan --json`."""
import json, os, queue, subprocess, sys, time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
import pytest
from test_kernel import e2e_kernel  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow
FAKETIME = next(iter(sorted(Path('/usr/lib').glob('*/faketime/libfaketime.so.1'))), Path('/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'))
TZ = 'America/Los_Angeles'  # UTC-7 in May: the learner's evening is the next day in UTC

def L(*a) -> float:
    "A time of the learner's day (in `TZ`) as a timestamp."
    return datetime(*a, tzinfo=ZoneInfo(TZ)).timestamp()

class Clock:
    "The kernels' and the command line's clock: `set(t)` makes their `time.time()` read `t`, and then go on."
    def __init__(self, folder):
        self.file = Path(folder)/'faketime'
        self.env = dict(os.environ, LD_PRELOAD=str(FAKETIME), FAKETIME_TIMESTAMP_FILE=str(self.file), FAKETIME_NO_CACHE='1', TZ=TZ)
    def set(self, t: float):
        tmp = self.file.with_suffix('.tmp')
        tmp.write_text(f'{round(t - time.time()):+d}\n')  # an offset from the real clock: their clock keeps ticking
        os.replace(tmp, self.file)  # at once: a kernel reads the file at every clock read

class Kernel:
    "A real kernel (jupyter_client) on the fake clock: run cells one at a time, click widgets, restart it."
    def __init__(self, cwd, clock: Clock):
        from jupyter_client import KernelManager
        self.km = KernelManager(kernel_name='python3')
        self.km.start_kernel(cwd=str(cwd), env=clock.env)
        self.kc = self.km.client(); self.kc.start_channels(); self.kc.wait_for_ready(timeout=60)

    def run(self, code: str) -> str:
        "Run `code` as a cell; what it shows as text (stdout, stderr, text/plain), failing on an error."
        out, errs = [], []
        def hook(msg):
            t, c = msg['msg_type'], msg['content']
            if t == 'stream': out.append(c['text'])
            elif t in ('display_data', 'execute_result'): out.append(c['data'].get('text/plain', '') + '\n')
            elif t == 'error': errs.append('\n'.join(c['traceback']))
        reply = self.kc.execute_interactive(code, timeout=120, output_hook=hook)
        assert reply['content']['status'] == 'ok' and not errs, errs
        return ''.join(out)

    def click(self, model_id: str) -> list:
        "Click the button `model_id` as the front end does (a comm message, no cell run); the widget values it sent back."
        msg = self.kc.session.msg('comm_msg', {'comm_id': model_id, 'data': {'method': 'custom', 'content': {'event': 'click'}}})
        self.kc.shell_channel.send(msg)
        values, end = [], time.monotonic() + 60
        while time.monotonic() < end:
            try: m = self.kc.get_iopub_msg(timeout=5)
            except queue.Empty: continue
            if m['parent_header'].get('msg_id') != msg['header']['msg_id']: continue
            if m['msg_type'] == 'comm_msg' and m['content']['data'].get('method') == 'update':
                values.append(m['content']['data']['state'].get('value'))
            if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle': return values
        raise AssertionError('the click was never handled')

    def restart(self):
        self.km.restart_kernel(now=False)  # a graceful restart: the old kernel exits as it does in Jupyter
        self.kc.wait_for_ready(timeout=60)

    def stop(self):
        self.kc.stop_channels(); self.km.shutdown_kernel(now=False)

def cli(clock: Clock, cwd, *args) -> dict:
    "`learnkit ARGS --json` on the fake clock, as JSON."
    r = subprocess.run([sys.executable, '-m', 'learnkit.cli', *args, '--json'], cwd=cwd, env=clock.env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)

SETUP = '%load_ext learnkit'
IDS = """import ipywidgets as W
def _walk(w):
    yield w
    for c in getattr(w, 'children', ()): yield from _walk(c)
_p = get_ipython()._learnkit_magics.state.panel
print(next(w.model_id for w in _walk(_p) if getattr(w, 'description', '') == 'Refresh'))"""

def cells(k: Kernel, clock: Clock, day: tuple, minutes: list):
    "Run a cell in kernel `k` at each of `minutes` (`(hour, minute[, second])`) of `day`."
    for hm in minutes:
        clock.set(L(*day, *hm)); k.run('pass')

def test_a_study_week_in_real_kernels(e2e_kernel, data_dir, tmp_path):
    if not FAKETIME.exists():
        why = f'libfaketime is not installed ({FAKETIME}; apt-get install faketime)'
        if os.environ.get('LEARNKIT_REQUIRE_FAKETIME') == '1': pytest.fail(why + ' (LEARNKIT_REQUIRE_FAKETIME=1)')
        pytest.skip(why)
    work, clock = e2e_kernel, Clock(tmp_path)
    mon = (2024, 5, 6)
    clock.set(L(*mon, 9, 0))
    book = Kernel(work, clock)  # the book's notebook
    repro = None
    try:
        book.run(SETUP)
        shown = book.run('%lesson demo')
        assert shown.startswith('learnkit: studying demo; study session started 09:00'), shown
        plan = book.run('%lesson plan demo 4 --hours-per-week 3.5 --until 2024-06-02')
        assert plan.splitlines()[1] == 'Week 1 of 4: 0 min of 3 h 30 min this week, on track; next: demo', plan
        refresh = book.run(IDS).strip()
        cells(book, clock, mon, [(9, 4)])
        # the reproduction notebook, beside it from 9:06, with its own %lesson: the same session, its time counted once
        clock.set(L(*mon, 9, 6))
        repro = Kernel(work, clock)
        repro.run(SETUP)
        assert 'your study session continues (since 09:00, 6 min so far)' in repro.run('%lesson demo --no-panel')
        cells(book, clock, mon, [(9, 8)])
        cells(repro, clock, mon, [(9, 10)])
        cells(book, clock, mon, [(9, 12), (9, 12, 30), (9, 13)])  # cells half a minute apart all count
        # idle: nothing runs until 9:40, when the learner clicks Refresh on the panel (a re-read, not study)
        clock.set(L(*mon, 9, 40))
        sent = book.click(refresh)
        assert 'Time: 18 min on this chapter over 1 session; this session 18 min' in sent, sent
        assert any('Week 1 of 4: 18 min of 3 h 30 min this week, on track; next: demo' in (v or '') for v in sent), sent
        rep = cli(clock, work, 'report')
        assert (round(rep['minutes']), rep['sessions']) == (18, 1)  # 9:00 to 9:13 and five minutes; not to 9:40
        # a cell at 9:45, then the kernel restarts at 9:47: the same session goes on
        cells(book, clock, mon, [(9, 45)])
        clock.set(L(*mon, 9, 47)); book.restart()
        clock.set(L(*mon, 9, 48))
        book.run(SETUP)
        again = book.run('%lesson demo')
        assert 'learnkit: studying demo; your study session continues (since 09:00, 20 min so far)' in again, again
        cells(book, clock, mon, [(9, 50), (9, 52)])
        clock.set(L(*mon, 12, 0))
        day1 = cli(clock, work, 'plan')
        assert (day1['week'], day1['planned_minutes'], round(day1['studied_minutes']), day1['status']) == (1, 210, 29, 'on track')
        repro.stop(); repro = None
        # Tuesday evening
        cells(book, clock, (2024, 5, 7), [(19, 0), (19, 5), (19, 10), (19, 15), (19, 20)])
        # four days away; Saturday's first %lesson welcomes the learner back, once
        clock.set(L(2024, 5, 11, 10, 0))
        back = book.run('%lesson demo --no-panel').splitlines()
        assert back[1] == ('learnkit: welcome back, it has been 4 days. You stopped in demo, its reproduction is not scaffolded yet. '
                           'This week your plan asks for 3 h 30 min, 2 h 36 min to go.'), back
        cells(book, clock, (2024, 5, 11), [(10, m) for m in range(3, 31, 3)])
        assert 'welcome back' not in book.run('%lesson demo --no-panel')
        # Sunday 16:50 to 17:20: past midnight in UTC, still Sunday where the learner is
        cells(book, clock, (2024, 5, 12), [(16, 50), (16, 55), (17, 0), (17, 5), (17, 10), (17, 15), (17, 20)])
        clock.set(L(2024, 5, 12, 17, 30))
        sun = cli(clock, work, 'plan')
        assert (round(sun['studied_minutes']), sun['status'], sun['behind_minutes']) == (124, 'behind', 56), sun
        # Monday morning: every view says the same minutes
        clock.set(L(2024, 5, 13, 9, 0))
        plan = cli(clock, work, 'plan')
        want = dict(week=2, weeks=4, planned_minutes=210, studied_minutes=0, status='on track', behind_minutes=0, finished=[],
                    next_chapter='demo', last_studied='2024-05-12', days_since=1)
        assert {k: round(plan[k]) if isinstance(plan[k], float) else plan[k] for k in want} == want, plan
        rep = cli(clock, work, 'report')
        assert (round(rep['minutes']), rep['sessions']) == (124, 4)
        weeks = {w['monday']: (w['planned'], round(w['studied'])) for w in rep['weeks']}
        assert (weeks['2024-05-06'], weeks['2024-05-13']) == ((210, 124), (210, 0))  # Sunday evening is Sunday's week
        assert rep['streak'] == '2 days in a row (longest 2); 4 study days, last 2024-05-12'
        panel = book.run('%lesson demo')
        assert 'Week 2 of 4: 0 min of 3 h 30 min this week, on track; next: demo' in panel
        assert 'Time: 2 h 04 min on this chapter over 5 sessions; this session 0 min' in panel, panel  # this cell began the fifth
        dash = book.run('%lesson')
        # the plan line comes first, after any one-line front-end note (ipywidgets 7 beside JupyterLab 4 says it can't draw there)
        lines = [l for l in dash.splitlines() if not l.startswith('learnkit: ipywidgets')]
        assert lines[0] == 'Week 2 of 4: 0 min of 3 h 30 min this week, on track; next: demo', dash
        assert 'Course: 2 h 04 min studied; streak: 2 days in a row (longest 2); 4 study days, last 2024-05-12.' in dash
    finally:
        book.stop()
        if repro is not None: repro.stop()
