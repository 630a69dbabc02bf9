"Study sessions, time, streaks, chapter progress from the one reproduction state, and the report, on a real SQLite store."
import dataclasses, json, re, subprocess, sys
from datetime import date, datetime
from pathlib import Path
import pytest
from learnkit.study import progress as P, report as R, report_render as RR, sessions as S
from learnkit.book.chapters import load_chapter
from learnkit.store.db import get_store

def T(*a): return datetime(*a).timestamp()

@pytest.mark.slow  # a process of its own
def test_core_imports_nothing_heavy():
    code = "import sys, learnkit.study.progress, learnkit.study.sessions, learnkit.study.report, learnkit.study.report_render, learnkit.reproduce.state; print([m for m in ('IPython','ipywidgets','torch','fastai','nbformat','pandas','matplotlib') if m in sys.modules])"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'

def _study(chapter, start, minutes, kernel='k', every=60):
    "A cell every `every` seconds for `minutes` from `start`, in `kernel`."
    cur = None
    for s in range(0, int(minutes*60) + 1, every): cur = S.record_activity(cur, chapter, kernel, now=start + s)
    return cur

def test_study_time_counts_five_minutes_after_the_last_cell_and_splits_days():
    lid = S.open_lesson('demo', 'goal: baseline, 45m', kernel='k', now=T(2024, 5, 6, 23, 40))
    _study('demo', T(2024, 5, 6, 23, 40), 25)  # to 00:05, then five minutes more
    _study('demo', T(2024, 5, 7, 2, 0), 0)  # one cell two hours later: a session of its own
    ss = S.sessions(now=T(2024, 5, 8))
    assert [round(s.minutes) for s in ss] == [30, 5]
    assert {d.day: round(v/60) for d, v in ss[0].days.items()} == {6: 20, 7: 10}
    assert ss[0].goal.minutes == 45 and ss[0].goal.goal == 'baseline'
    assert get_store().rows('sessions', 'id=?', (lid,))[0]['plan'] == 'goal: baseline, 45m'

def test_two_kernels_studying_side_by_side_count_the_shared_time_once(tmp_path):
    # the book's notebook and the reproduction, each with learnkit: 10:00-10:30 and 10:10-10:40 are 45 minutes, not 70
    from learnkit.study.progress import course_progress
    _study('demo', T(2024, 5, 6, 10, 0), 30, 'book', every=300)
    _study('demo', T(2024, 5, 6, 10, 10), 30, 'repro', every=300)
    ss = S.sessions(now=T(2024, 5, 7))
    assert len(ss) == 1 and round(S.studied_minutes(ss)) == 45
    assert {d.day: round(m) for d, m in S.daily_minutes(ss).items()} == {6: 45}
    assert round(S.minutes_by_chapter(ss)['demo']) == 45
    row = next(c for c in course_progress(folders=[str(tmp_path)], now=T(2024, 5, 7)) if c.key == 'demo')
    assert round(row.minutes) == 45 and row.sessions == 1  # the dashboard and the report read the same figure

def test_streak_across_a_gap_and_minutes_per_week():
    for d, m in [(1, 20), (2, 25), (3, 10), (7, 30), (8, 15)]: _study('demo', T(2024, 5, d, 9, 0), m - 5)  # a gap from the 4th to the 6th
    daily = S.daily_minutes(S.sessions(now=T(2024, 5, 9)))
    st = S.streak(daily, today=date(2024, 5, 8))
    assert (st.current, st.longest, st.days, st.last) == (2, 3, 5, date(2024, 5, 8))
    assert S.streak(daily, today=date(2024, 5, 9)).current == 2  # today isn't over yet
    assert S.streak(daily, today=date(2024, 5, 10)).current == 0
    weeks = S.minutes_per_week(daily, weeks=3, today=date(2024, 5, 8))
    assert [(w.isoformat(), round(m)) for w, m in weeks] == [('2024-04-22', 0), ('2024-04-29', 55), ('2024-05-06', 45)]

def _repro(tmp_path, ch, written=2, ran=1, answers=('By class folder.', '', '<!-- answer here -->')):
    cells = []
    for i, c in enumerate(ch.code_cells):
        ok = i < ran
        cells.append({'cell_type': 'code', 'source': f'%%reproduce {c.id}\n' + (c.code if i < written else '# uses: x'),
                      'outputs': c.outputs if ok else [], 'execution_count': i + 1 if ok else None,
                      'metadata': {'learnkit': {'src': c.id, 'chapter': 'demo'}}})
    cells += [{'cell_type': 'markdown', 'source': a, 'metadata': {'learnkit': {'kind': 'answer'}}} for a in answers]
    p = tmp_path/'demo_reproduce.ipynb'
    p.write_text(json.dumps({'nbformat': 4, 'nbformat_minor': 5, 'metadata': {'learnkit': {'chapter': 'demo'}}, 'cells': cells}))
    return p

def test_chapter_progress_reads_the_reproduction_then_the_last_recorded_run(tmp_path):
    from learnkit.reproduce.state import check_reproduction
    ch = load_chapter('demo')
    p = _repro(tmp_path, ch, written=3, ran=2)
    cs = P.chapter_progress('demo', [tmp_path])
    assert cs.source == 'reproduction' and cs.path == str(p)
    assert (cs.progress.written, cs.progress.ran, cs.progress.answered, cs.progress.questions) == (3, 2, 1, len(ch.questions))
    assert P.chapter_progress('demo', [tmp_path]).progress == cs.progress  # reading again changes nothing
    assert P.chapter_progress('demo', [tmp_path/'elsewhere']).progress is None  # nothing on disk, nothing recorded
    check_reproduction('demo', p)  # records
    far = P.chapter_progress('demo', [tmp_path/'elsewhere'])
    assert far.source == 'check' and far.progress == cs.progress and far.path == str(p.resolve())
    p.write_text('not json')  # a broken reproduction: the recorded progress, and the reason
    broken = P.chapter_progress('demo', [tmp_path])
    assert broken.progress == cs.progress and 'is not a notebook' in broken.error

def test_steps_done_and_started(tmp_path):
    ch = load_chapter('demo')
    _repro(tmp_path, ch, written=2, ran=1)
    prog = P.chapter_progress('demo', [tmp_path]).progress
    steps = P.chapter_steps('demo', progress=prog, minutes=75)
    assert [s.mark for s in steps] == ['◐', '·', '◐', '·'] and steps[0].detail == '1 h 15 min studied'
    assert steps[2].detail == f"{prog.done} of {len(ch.code_cells)} cells done (2 written, 1 ran); 1 of {len(ch.questions)} questions answered"
    full = dataclasses.replace(prog, done=prog.cells)
    steps = P.chapter_steps('demo', progress=full)
    assert steps[2].done and steps[2].ticked is None  # detected: every cell done
    get_store().set_step('demo', 'reproduce', False)  # the learner's untick wins
    assert not P.chapter_steps('demo', progress=full)[2].done
    get_store().add('attempts', chapter='demo', ref=ch.code_cells[0].id, verdict='match')
    assert P.chapter_steps('04_mnist_basics')[2].mark == '·' and P.chapter_steps('demo')[2].started  # %%reproduce runs elsewhere

def test_dashboard_row_of_a_chapter_with_reproduced_cells_is_not_blank(tmp_path):
    "The issue: the dashboard showed `····` for a chapter whose cells were reproduced."
    ch = load_chapter('demo')
    _repro(tmp_path, ch, written=3, ran=3)
    cp = {c.key: c for c in P.course_progress(folders=[tmp_path])}
    assert cp['demo'].marks == '··◐·' and cp['demo'].started
    assert cp['demo'].progress == P.chapter_progress('demo', [tmp_path]).progress
    assert cp['04_mnist_basics'].marks == '····' and cp['04_mnist_basics'].progress is None

def _fill():
    s = get_store()
    S.open_lesson('demo', 'goal: <script>alert("x")</script> 30 min', now=T(2024, 5, 6, 9, 0))
    S.stop_activity(_study('demo', T(2024, 5, 6, 9, 0), 20), now=T(2024, 5, 6, 9, 25))
    s.add('attempts', chapter='demo', ref='d6b7e706', verdict='match')
    s.add('benchmarks', chapter='demo', device='cpu', record={'model': '<img src=x>', 'loader_items_s': 2100.5, 'step_items_s': 850.25,
                                                        'e2e_items_s': 790.0, 'bottleneck': 'compute-bound', 'note': 'long advice'})
    s.set_step('demo', 'read', True)

def test_report_html_is_self_contained_and_escaped():
    _fill()
    page = RR.report_html()
    assert '<script' not in page and '<img src=x>' not in page and '&lt;img src=x&gt;' in page
    assert not re.search(r'''(?:src|href)\s*=\s*["']?(?:https?:)?//''', page)
    assert not re.search(r'<link|@import', page)
    imgs = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(imgs) == 2 and all(u.startswith('data:image/png;base64,') for u in imgs)  # weekly minutes, benchmark
    assert 'Stripes or Dots?' in page and '<td class="n">850.2</td>' in page and 'compute-bound' in page
    md = RR.report_markdown()
    assert '| learnkit demo\\: Stripes or Dots? (demo) | ✓·◐· | 25 min |' in md  # read ticked; %%reproduce ran a cell

def test_write_report_refuses_to_overwrite_and_cli(tmp_path, monkeypatch, capsys):
    from learnkit.cli.main import main
    from learnkit.base.core import LearnkitError
    _fill()
    monkeypatch.chdir(tmp_path)
    assert main(['report']) == 0 and (tmp_path/'progress.html').exists()
    assert main(['report']) == 1 and 'already exists' in capsys.readouterr().err
    assert main(['report', '--force']) == 0 and list(tmp_path.glob('progress.bak-*.html'))
    p = RR.write_report(tmp_path/'p.md', markdown=True)
    assert p.read_text().startswith('# My fastbook progress')
    with pytest.raises(LearnkitError): RR.write_report(p, markdown=True)

def test_report_rows_are_the_state(tmp_path, monkeypatch, capsys):
    from learnkit.cli.main import main
    from learnkit.reproduce.state import check_reproduction
    ch = load_chapter('demo')
    p = _repro(tmp_path, ch, written=4, ran=3)
    monkeypatch.chdir(tmp_path)
    for med in (0.02, 0.015, 0.018): get_store().add('timings', label='one batch', chapter='demo', median=med, best=med)
    assert main(['report', '--json']) == 0
    rep = json.loads(capsys.readouterr().out)
    [row] = [c for c in rep['chapters'] if c['key'] == 'demo']
    assert row['progress'] == check_reproduction('demo', p).progress.to_dict() and row['source'] == 'reproduction'
    assert [(t['label'], t['runs'], t['latest'], t['best']) for t in rep['timings']] == [('one batch', 3, 0.018, 0.015)]
    d = R.report_data(folders=[tmp_path])
    text = f"{row['progress']['done']} of {row['progress']['cells']} cells done (4 written, 3 ran)"
    assert text in RR.report_markdown(d) and text in RR.report_html(d)
    assert '18 ms' in RR.report_markdown(d) and '15 ms' in RR.report_markdown(d)

def _repeat(data, result, own=False, chapter='demo', finished=True):
    from learnkit.repeat.records import RepeatRecord, record_repeat
    record_repeat(RepeatRecord(chapter, 'c1', str(data), 'image-folders', 'f', 18, 2, 'error_rate', 0.5, result, 0.1, own=own, finished=finished))

def test_the_repeat_step_is_ticked_by_a_finished_repeat_on_new_data(tmp_path):
    step = lambda: P.chapter_steps('demo')[3]
    assert list(P.STEPS)[3] == 'repeat' and (step().done, step().started, step().detail) == (False, False, '')
    _repeat(tmp_path/'unfinished', None, finished=False)
    assert not step().started
    from learnkit.repeat.records import repeat_summary, repeats
    _repeat(tmp_path/'demo_data', 0.3, own=True)  # the chapter's own data: started, not done
    assert (step().mark, step().detail) == ('◐', f"1 repeat; last {repeat_summary(repeats('demo')[-1])}")  # the repeat's one phrasing
    _repeat(tmp_path/'home'/'my_stripes', 0.25)
    s = step()
    assert (s.mark, s.ticked) == ('✓', None) and s.detail == f"2 repeats; last {repeat_summary(repeats('demo')[-1])}" and 'my_stripes' in s.detail
    assert str(tmp_path) not in s.detail
    get_store().set_step('demo', 'repeat', False)  # ticking by hand still wins
    assert not step().done and step().started
    cp = {c.key: c for c in P.course_progress(folders=[tmp_path])}
    assert cp['demo'].marks == '···◐' and cp['01_intro'].marks == '····'

def test_the_report_lists_repeats_by_dataset_name_in_every_form(tmp_path, monkeypatch, capsys):
    from learnkit.cli.main import main
    _repeat(tmp_path/'home'/'my_stripes', 0.25)
    d = R.report_data(folders=[tmp_path])
    md, page = RR.report_markdown(d), RR.report_html(d)
    assert '| demo | my\\_stripes | image\\-folders | error\\_rate | 0.5000 | 0.2500 | 0.1000 |' in md
    assert ('<tr><td><code>demo</code></td><td>my_stripes</td><td>image-folders</td><td>error_rate</td><td class="n">0.5000</td>'
            '<td class="n">0.2500</td><td class="n">0.1000</td></tr>') in page
    assert '| learnkit demo\\: Stripes or Dots? (demo) | ···✓ |' in md
    monkeypatch.chdir(tmp_path)
    assert main(['report', '--json']) == 0
    rep = json.loads(capsys.readouterr().out)
    [r] = rep['repeats']
    assert (r['chapter'], r['data'], r['metric'], r['baseline'], r['result'], r['chapter_result']) == ('demo', 'my_stripes', 'error_rate', 0.5, 0.25, 0.1)
    assert str(tmp_path) not in md + page + json.dumps(rep['repeats'])
