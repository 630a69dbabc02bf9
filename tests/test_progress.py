"Study sessions, time, streaks, section progress and the report, on a real SQLite store."
import json, re, subprocess, sys
from datetime import date, datetime
from pathlib import Path
import pytest
from learnkit import progress as P
from learnkit.chapters import load_chapter
from learnkit.store import get_store

def T(*a): return datetime(*a).timestamp()

def test_core_imports_nothing_heavy():
    code = "import sys, learnkit.progress; print([m for m in ('IPython','ipywidgets','torch','fastai','nbformat','pandas','matplotlib') if m in sys.modules])"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'

def test_session_time_skips_idle_gaps_and_splits_days():
    s = get_store()
    a = P.start_session('demo', 'goal: baseline, 45m', kernel='k', now=T(2024, 5, 6, 23, 40))
    for t in [(6, 23, 50), (7, 0, 5), (7, 2, 0)]: P.mark_activity(a, 'demo', now=T(2024, 5, *t))  # 1h55 gap: idle
    P.end_session(a, now=T(2024, 5, 7, 2, 10))
    [sess] = P.sessions()
    assert round(sess.minutes) == 25 + 10
    assert {d.day: round(v/60) for d, v in sess.days.items()} == {6: 20, 7: 15}
    assert sess.plan.minutes == 45 and sess.plan.goal == 'baseline'
    assert s.rows('sessions')[0]['plan'] == 'goal: baseline, 45m'

def test_new_session_of_same_kernel_ends_previous_and_killed_kernel_ends_at_last_activity():
    a = P.start_session('demo', kernel='k1', now=T(2024, 5, 6, 10, 0))
    b = P.start_session('04_mnist_basics', kernel='k2', now=T(2024, 5, 6, 10, 0))  # another kernel, then killed
    P.mark_activity(b, '04_mnist_basics', now=T(2024, 5, 6, 10, 20))
    c = P.start_session('05_pet_breeds', kernel='k1', now=T(2024, 5, 6, 10, 25))
    rows = {r['id']: r for r in get_store().rows('sessions')}
    assert rows[a]['end'] == T(2024, 5, 6, 10, 25) and rows[b]['end'] is None and rows[c]['end'] is None
    by = {s.id: s for s in P.sessions(now=T(2024, 5, 9))}
    assert round(by[a].minutes) == 25
    assert round(by[b].minutes) == 20 and by[b].end == T(2024, 5, 6, 10, 20)  # its last activity
    assert by[c].minutes == 0  # not this kernel's live session: nothing after its start is known
    live = {s.id: s for s in P.sessions(live=c, now=T(2024, 5, 6, 10, 40))}
    assert round(live[c].minutes) == 15

def test_streak_across_a_gap_and_minutes_per_week():
    def study(day, minutes):
        i = P.start_session('demo', now=T(2024, 5, day, 9, 0))
        P.mark_activity(i, 'demo', now=T(2024, 5, day, 9, 0) + minutes*60)
        P.end_session(i, now=T(2024, 5, day, 9, 0) + minutes*60)
    for d, m in [(1, 20), (2, 25), (3, 10), (7, 30), (8, 15)]: study(d, m)  # a gap from the 4th to the 6th
    daily = P.daily_minutes(P.sessions())
    st = P.streak(daily, today=date(2024, 5, 8))
    assert (st.current, st.longest, st.days, st.last) == (2, 3, 5, date(2024, 5, 8))
    assert P.streak(daily, today=date(2024, 5, 9)).current == 2  # today isn't over yet
    assert P.streak(daily, today=date(2024, 5, 10)).current == 0
    weeks = P.minutes_per_week(daily, weeks=3, today=date(2024, 5, 8))
    assert [(w.isoformat(), round(m)) for w, m in weeks] == [('2024-04-22', 0), ('2024-04-29', 55), ('2024-05-06', 45)]

def test_section_progress_from_attempts_checks_and_diffs():
    ch = load_chapter('demo')
    s = get_store()
    by_sec = {}
    for c in ch.code_cells: by_sec.setdefault(c.section, []).append(c.id)
    data, pixels = by_sec[('Making the Data',)], by_sec[('Looking at the Pixels',)]
    s.add('attempts', chapter='demo', ref=data[0], verdict='error', time=1)
    s.add('attempts', chapter='demo', ref=data[0], verdict='match', time=2)  # fixed later: latest wins
    s.add('attempts', chapter='demo', ref=data[1], verdict='close', time=3)
    s.add('attempts', chapter='demo', ref=pixels[0], verdict='match', time=4)
    s.add('attempts', chapter='demo', ref=pixels[1], verdict='match', time=5)
    s.add('attempts', chapter='demo', ref=pixels[1], verdict='mismatch', time=6)  # broke it again
    s.add('attempts', chapter='demo', ref='deadbeef', verdict='match', time=7)  # a ref the chapter no longer has
    s.add('checks', chapter='demo', kind='check', time=8, sections=[{'path': ['Training a Model'], 'cells': 3, 'match': 1, 'close': 1, 'mismatch': 1}])
    s.add('checks', chapter='demo', kind='diff', time=9, sections=[{'path': ['Making the Data'], 'orig_cells': 3, 'attempted': 3, 'matched': 2}])
    prog = {p.path: p for p in P.section_progress(ch)}
    assert (prog[('Making the Data',)].attempted, prog[('Making the Data',)].matched) == (3, 2)
    assert (prog[('Looking at the Pixels',)].attempted, prog[('Looking at the Pixels',)].matched) == (2, 1)
    assert (prog[('Training a Model',)].attempted, prog[('Training a Model',)].matched) == (3, 2)
    assert prog[('Conclusion',)].cells == 0 and not prog[('Conclusion',)].done
    cells, att, mat = P.totals(list(prog.values()))
    assert cells == len(ch.code_cells) and (att, mat) == (8, 5)

def test_reproduction_questions_and_steps(tmp_path):
    ch = load_chapter('demo')
    cells = [{'cell_type': 'code', 'source': f'%%reproduce {c.id}\n' + ('x = 1' if i < 2 else '# uses: x'), 'outputs': [],
              'execution_count': 1 if i == 0 else None, 'metadata': {'learnkit': {'src': c.id, 'chapter': 'demo'}}}
             for i, c in enumerate(ch.code_cells)]
    cells += [{'cell_type': 'markdown', 'source': a, 'metadata': {'learnkit': {'kind': 'answer'}}} for a in ['By class folder.', '', '<!-- answer here -->']]
    (tmp_path/'demo_reproduce.ipynb').write_text(json.dumps({'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': cells}))
    [p] = P.find_reproductions('demo', [tmp_path])
    r = P.read_reproduction(p)
    assert (r.blanks, r.written, r.run, r.questions, r.answered) == (len(ch.code_cells), 2, 1, 3, 1)
    steps = P.chapter_steps('demo', repro=r, progress=P.section_progress(ch))
    assert not any(s.done for s in steps) and 'demo_reproduce.ipynb: 2 of 11 cells written' in steps[2].detail
    for c in ch.code_cells: get_store().add('attempts', chapter='demo', ref=c.id, verdict='match')
    steps = P.chapter_steps('demo', repro=r, progress=P.section_progress(ch))
    assert steps[2].done and steps[2].ticked is None  # detected: every cell matches
    get_store().set_step('demo', 'reproduce', False)  # the learner's untick wins
    assert not P.chapter_steps('demo', progress=P.section_progress(ch))[2].done

def _fill():
    s = get_store()
    i = P.start_session('demo', 'goal: <script>alert("x")</script> 30 min', now=T(2024, 5, 6, 9, 0))
    P.mark_activity(i, 'demo', now=T(2024, 5, 6, 9, 20)); P.end_session(i, now=T(2024, 5, 6, 9, 25))
    s.add('attempts', chapter='demo', ref='d6b7e706', verdict='match')
    s.add('checks', chapter='demo', kind='diff', summary={'attempted': 4, 'matched': 3}, sections=[])
    s.add('benchmarks', chapter='demo', device='cpu', record={'model': '<img src=x>', 'loader_items_s': 2100.5, 'step_items_s': 850.25,
                                                        'e2e_items_s': 790.0, 'bottleneck': 'compute-bound', 'note': 'long advice'})
    s.set_step('demo', 'read', True)

def test_report_html_is_self_contained_and_escaped():
    _fill()
    page = P.report_html()
    assert '<script' not in page and '<img src=x>' not in page and '&lt;img src=x&gt;' in page
    assert not re.search(r'''(?:src|href)\s*=\s*["']?(?:https?:)?//''', page)
    assert not re.search(r'<link|@import', page)
    imgs = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(imgs) == 2 and all(u.startswith('data:image/png;base64,') for u in imgs)  # weekly minutes, benchmark
    assert 'Stripes or Dots?' in page and '<td class="n">850.2</td>' in page and 'compute-bound' in page and 'attempted 4, matched 3' in page
    md = P.report_markdown()
    assert '| learnkit demo: Stripes or Dots? (`demo`) | ✓ · · · | 25 |' in md and 'match 1' in md

def test_write_report_refuses_to_overwrite_and_cli(tmp_path, monkeypatch, capsys):
    from learnkit.cli import main
    from learnkit.core import LearnkitError
    _fill()
    monkeypatch.chdir(tmp_path)
    assert main(['report']) == 0 and (tmp_path/'progress.html').exists()
    assert main(['report']) == 1 and 'already exists' in capsys.readouterr().err
    assert main(['report', '--force']) == 0 and list(tmp_path.glob('progress.bak-*.html'))
    p = P.write_report(tmp_path/'p.md', markdown=True)
    assert p.read_text().startswith('# My fastbook progress')
    with pytest.raises(LearnkitError): P.write_report(p, markdown=True)
