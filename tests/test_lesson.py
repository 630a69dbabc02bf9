"The %lesson magic in a real IPython shell, and the panel and dashboard wired to real widgets."
import json, time
import pytest
import ipywidgets as widgets
from learnkit.ui import lesson as L
from learnkit.ui.widgets import find_widget
from learnkit.store.db import get_store

def _text(out):
    "Everything an Output widget shows, as text."
    return ''.join(o.get('text', '') or o.get('data', {}).get('text/plain', '') or o.get('data', {}).get('text/html', '') for o in out.outputs)

def _open(): return get_store().rows('sessions', 'end IS NULL')

def test_lesson_starts_a_session_and_shows_the_panel(shell, capsys):
    shell.run_line_magic('lesson', 'demo')
    m = shell._learnkit_magics
    out = capsys.readouterr().out
    assert m.state.chapter == 'demo' and m.state.lesson == _open()[0]['id']
    assert out.startswith('learnkit: studying demo; study session started ')
    assert 'Outline:' in out and '[ ] Read the chapter' in out  # the text/plain fallback of the panel
    assert isinstance(m.state.panel, widgets.VBox) and find_widget(m.state.panel, widgets.Button, 'Scaffold reproduction')

def test_cell_form_records_the_plan_and_a_new_lesson_ends_the_previous(shell, capsys):
    shell.run_line_magic('lesson', 'demo --no-panel')
    first = shell._learnkit_magics.state.lesson
    shell.run_cell_magic('lesson', '4 --no-panel', 'goal: reproduce the pixel-similarity baseline, 1h30\n')
    m = shell._learnkit_magics
    assert m.state.chapter == '04_mnist_basics' and m.state.lesson != first
    rows = {r['id']: r for r in get_store().rows('sessions')}
    assert rows[first]['end'] is not None and rows[m.state.lesson]['end'] is None
    assert rows[m.state.lesson]['plan'].startswith('goal: reproduce the pixel-similarity baseline')
    model = L.PanelModel('04_mnist_basics')
    assert 'of 1 h 30 min planned (goal: reproduce the pixel-similarity baseline)' in model.time_text()

def _activity():
    "This store's activity rows, decoded."
    return [dict(r, data=json.loads(r['data'])) for r in get_store().rows('events', "kind='activity'")]

def test_every_cell_is_activity_and_lesson_end_stops_it(shell, capsys):
    shell.run_cell('a = 1')  # learnkit loaded, no %lesson yet: the cell counts, on no chapter
    shell.run_line_magic('lesson', 'demo --no-panel')
    shell.run_cell('x = 1')
    acts = _activity()
    assert [a['chapter'] for a in acts] == ['', 'demo'] and acts[1]['data']['kernel'] == shell._learnkit_magics.state.kernel
    until = acts[1]['data']['until']
    shell.run_cell('y = 2')  # every cell run grows the stretch: none is lost between marks
    assert len(_activity()) == 2 and _activity()[1]['data']['until'] > until
    capsys.readouterr()
    shell.run_line_magic('lesson', '--end')
    m = shell._learnkit_magics
    assert m.state.lesson is None and m.state.paused and not _open() and _activity()[1]['data']['stop'] is not None
    assert capsys.readouterr().out.startswith('learnkit: ended your study session on demo: 0 min since ')
    shell.run_cell('z = 3')  # paused until the next %lesson
    assert len(_activity()) == 2 and _activity()[1]['data']['stop'] is not None
    shell.run_line_magic('lesson', 'demo --no-panel')
    shell.run_cell('w = 4')
    assert len(_activity()) == 3

def test_a_broken_store_is_one_line_once_and_the_traceback_with_debug(shell, capsys, monkeypatch):
    import sqlite3
    from learnkit.study import sessions as S
    def locked(*a, **k): raise sqlite3.OperationalError('database is locked')
    monkeypatch.setattr(S, 'record_activity', locked)
    r = shell.run_cell('x = 41 + 1')
    assert r.success and shell.user_ns['x'] == 42  # the learner's cell still runs
    shell.run_cell('x = 43')
    err = capsys.readouterr().err
    assert err == 'learnkit: could not record study time: OperationalError: database is locked\n'  # once, not per hook
    monkeypatch.setenv('LEARNKIT_DEBUG', '1')
    shell._learnkit_magics.state.told.clear()
    shell.run_cell('x = 44')
    err = capsys.readouterr().err
    assert err.startswith('learnkit: could not record study time: OperationalError') and 'Traceback (most recent call last)' in err

def test_unload_ends_the_session(shell):
    shell.run_line_magic('lesson', 'demo --no-panel')
    shell.run_cell('x = 1')
    shell.run_line_magic('unload_ext', 'learnkit')
    try:
        assert not _open() and all(a['data']['stop'] is not None for a in _activity())
        shell.run_cell('y = 1')  # unloaded: no hooks left
        assert len(_activity()) == 1
    finally: shell.run_line_magic('load_ext', 'learnkit')

def test_dashboard(shell, capsys):
    shell.run_line_magic('lesson', 'demo --no-panel')
    get_store().set_step('demo', 'read', True)
    capsys.readouterr()
    shell.run_line_magic('lesson', '')
    out = capsys.readouterr().out
    assert 'Course:' in out and 'streak:' in out and '01_intro' in out and '20_conclusion' in out
    d = shell._learnkit_magics.state.dashboard
    assert isinstance(d, widgets.VBox)
    img = find_widget(d, widgets.Image)
    assert img is not None and bytes(img.value).startswith(b'\x89PNG')
    table = next(w.value for w in d.children if isinstance(w, widgets.HTML) and '<table>' in w.value)
    assert 'Stripes or Dots?' in table and '✓···' in table

def test_unknown_chapter_is_one_line(shell, capsys):
    shell.run_line_magic('lesson', 'mnist_basic')
    cap = capsys.readouterr()
    assert cap.err.strip() == "learnkit: no chapter 'mnist_basic'; did you mean 04_mnist_basics?"
    assert shell._learnkit_magics.state.chapter is None and not get_store().rows('sessions')

def test_lesson_accepts_a_path(shell, tmp_path, capsys):
    from learnkit.book.chapters import demo_path
    p = tmp_path/'my_notes.ipynb'
    p.write_bytes(demo_path().read_bytes())
    shell.run_line_magic('lesson', f'{p} --no-panel')
    assert shell._learnkit_magics.state.chapter == 'my_notes' and _open()[0]['chapter'] == 'my_notes'
    page = L.DashboardModel().html()  # a chapter opened by path is named once, by its key
    assert '<code>my_notes</code>' in page and 'my_notes <code>' not in page
    from learnkit.study.report_render import report_markdown
    assert '| my\\_notes |' in report_markdown()  # a key is a file's name: Markdown-escaped

def test_checkbox_writes_the_store(tmp_path):
    panel = L.chapter_panel(L.PanelModel('demo', cwd=tmp_path))
    cb = find_widget(panel, widgets.Checkbox, 'Run its notebook')
    cb.value = True
    assert get_store().rows('steps', "chapter='demo'", order='time') [0]['step'] == 'run'
    cb.value = False
    assert get_store().rows('steps', "chapter='demo'", order='time')[0]['done'] == 0
    labels = [w.value for w in panel.children if isinstance(w, widgets.Label)]
    assert labels[0] == 'Questionnaire: 8 questions; answer them in your reproduction'
    assert labels[1] == 'Time: 0 min on this chapter over 0 sessions'

def test_scaffold_button(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    panel = L.chapter_panel(L.PanelModel('demo'))
    find_widget(panel, widgets.Button, 'Scaffold reproduction').click()
    text = _text(panel.out)
    assert (tmp_path/'demo_reproduce.ipynb').exists() and 'demo_reproduce.ipynb' in text
    labels = [w.value for w in panel.children if isinstance(w, widgets.Label)]
    assert labels[0] == 'Questionnaire: 0 of 8 answered'  # the panel refreshed
    find_widget(panel, widgets.Button, 'Scaffold reproduction').click()
    assert 'demo_reproduce.ipynb already exists' in _text(panel.out)

def test_diff_button(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    panel = L.chapter_panel(L.PanelModel('demo'))
    find_widget(panel, widgets.Button, 'Diff my reproduction').click()
    assert _text(panel.out).strip() == 'No reproduction yet: click "Scaffold reproduction" first.'
    from learnkit.book.chapters import demo_path
    (tmp_path/'demo_reproduce.ipynb').write_bytes(demo_path().read_bytes())  # a "reproduction" identical to the chapter
    find_widget(panel, widgets.Button, 'Diff my reproduction').click()
    assert len(panel.out.outputs) == 1
    [row] = get_store().rows('checks')  # the diff recorded its progress itself
    assert row['kind'] == 'diff' and row['chapter'] == 'demo' and row['reproduction'].endswith('demo_reproduce.ipynb')
    assert json.loads(row['summary']) == panel.model.standing().progress.to_dict()

def test_original_button_and_errors_are_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = L.PanelModel('demo')
    panel = L.chapter_panel(model)
    find_widget(panel, widgets.Button, 'Open the original').click()
    assert 'demo.ipynb' in _text(panel.out) and 'cp "' in _text(panel.out)
    def boom(): raise RuntimeError('disk on fire\nsecond line')
    model.bench = boom
    find_widget(panel, widgets.Button, 'Benchmark pipeline').click()
    assert _text(panel.out) == 'learnkit: RuntimeError: disk on fire\n'

def test_widget_hint_and_plain_text_fallback(tmp_path):
    assert L.widget_hint('8.1.5') is None
    assert L.widget_hint('7.7.1', colab=True) is None and L.widget_hint('7.7.1', {}, colab=False, vscode=True) is None
    h = L.widget_hint('7.7.1', {'jupyterlab': (4, 1)}, colab=False, vscode=False)
    assert 'cannot draw in JupyterLab 4' in h and 'pip install -U "ipywidgets>=8"' in h
    model = L.PanelModel('demo', cwd=tmp_path)
    bundle = L.Shown(L.chapter_panel(model), model.text())._repr_mimebundle_()
    assert bundle['text/plain'].startswith('Stripes or Dots? (demo)') and 'application/vnd.jupyter.widget-view+json' in bundle

def test_real_chapter_by_path(shell, fastbook, capsys):
    shell.run_line_magic('lesson', f'{fastbook/"04_mnist_basics.ipynb"}')
    m = shell._learnkit_magics
    assert m.state.chapter == '04_mnist_basics'
    model = m.state.panel.model
    p = model.standing().progress
    assert p is None and model.next_step()[1] == 'scaffold' and len(model.chapter.code_cells) > 20
    assert len(model.outline_rows()) >= len(model.chapter.sections)
    assert 'Questionnaire:' in capsys.readouterr().out

def _shown(panel):
    "Every text the panel shows, minus the clock and the action output area."
    return [w.value for w in _walk(panel) if isinstance(w, (widgets.HTML, widgets.Label)) and w is not panel.out and not str(w.value).startswith('Time:')]

def _walk(w):
    yield w
    for c in getattr(w, 'children', ()): yield from _walk(c)

def test_refresh_and_diff_never_change_a_count(tmp_path, monkeypatch):
    "The issue: one click on Diff re-drew the panel with other numbers. Now both re-read the one state."
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.scaffold import write_scaffold
    monkeypatch.chdir(tmp_path)
    ch = load_chapter('demo')
    p = write_scaffold('demo', out=tmp_path/'demo_reproduce.ipynb').path
    nb = json.loads(p.read_text())
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    for c, o in zip(blanks[:5], ch.code_cells[:5]):  # one section typed verbatim and run, one more cell typed
        c['source'] = ''.join(c['source']) + '\n' + o.source
        if o.section == ch.code_cells[0].section: c['outputs'], c['execution_count'] = o.outputs, 1
    p.write_text(json.dumps(nb))
    panel = L.chapter_panel(L.PanelModel('demo'))
    before = _shown(panel)
    from learnkit.reproduce.state import check_reproduction
    from learnkit.reproduce.text import format_progress
    prog = check_reproduction('demo', p).progress
    assert (prog.cells, prog.written, prog.ran, prog.done) == (11, 5, 3, 2)
    assert f"<b>Outline</b>: {format_progress(prog, 'cells')}" in panel.children[3].value  # the one phrasing, the checked numbers
    panel.refresh()
    assert _shown(panel) == before
    find_widget(panel, widgets.Button, 'Diff my reproduction').click()
    assert _shown(panel) == before
    assert _text(panel.out).splitlines()[0].endswith(format_progress(prog))  # the diff says the same numbers
    dm = L.DashboardModel(cwd=tmp_path)
    [row] = [r for r in dm.rows() if r[0] == 'demo']
    assert row[2][2] == '◐' and row[3] == f"{prog.done}/{prog.cells} done"  # not `····`

def test_next_step_line_link_and_button(tmp_path, monkeypatch):
    from learnkit.reproduce.goals import goal_of
    monkeypatch.chdir(tmp_path)
    (tmp_path/'nb').mkdir()
    model = L.PanelModel('demo', notebook=str(tmp_path/'nb'/'study.ipynb'))
    panel = L.chapter_panel(model)
    nxt = find_widget(panel, widgets.Button, 'Scaffold reproduction')
    assert model.next_step() == (f'Next: scaffold your reproduction of {model.title}, then fill in its first blank.', 'scaffold')
    top = panel.children[2].children
    assert top[1].description == 'Scaffold reproduction' and top[1].layout.display != 'none'
    top[1].click()
    first = model.chapter.code_cells[0]
    txt, act = model.next_step()
    assert txt == f"Next blank: §{first.section[0]}, cell 1 (%%reproduce {first.id}) {goal_of(first, model.chapter)}. 0/11 done."
    assert act is None and top[1].layout.display == 'none'
    assert 'href="../demo_reproduce.ipynb"' in top[0].value  # relative to the notebook's folder

def test_lesson_again_continues_the_open_session(shell, capsys, monkeypatch):
    from datetime import datetime
    from learnkit.base import clock
    now = [datetime(2024, 5, 6, 10, 0).timestamp()]
    monkeypatch.setattr(clock, 'now', lambda: now[0])
    shell.run_line_magic('lesson', 'demo --no-panel')
    lid = shell._learnkit_magics.state.lesson
    now[0] += 240; shell.run_cell('x = 1')
    now[0] += 240
    capsys.readouterr()
    shell.run_line_magic('lesson', 'demo --no-panel')
    assert shell._learnkit_magics.state.lesson == lid and len(get_store().rows('sessions')) == 1
    assert capsys.readouterr().out == 'learnkit: studying demo; your study session continues (since 10:00, 8 min so far)\n'
    shell.run_cell_magic('lesson', 'demo --no-panel', 'goal: the baseline, 30 min')  # a new goal: a new row, the same session
    assert shell._learnkit_magics.state.lesson != lid and 'your study session continues (since 10:00' in capsys.readouterr().out

def test_benchmark_only_for_a_chapter_with_a_training_pipeline(tmp_path):
    import json as _j
    book = dict(nbformat=4, nbformat_minor=4, metadata={}, cells=[
        dict(cell_type='markdown', metadata={}, source='# Sums'), dict(cell_type='markdown', metadata={}, source='## Adding'),
        dict(cell_type='code', metadata={}, execution_count=1, source='1 + 1', outputs=[])])
    (tmp_path/'sums.ipynb').write_text(_j.dumps(book))
    plain = L.PanelModel(str(tmp_path/'sums.ipynb'), cwd=tmp_path)
    assert 'Benchmark pipeline' not in plain.actions() and find_widget(L.chapter_panel(plain), widgets.Button, 'Benchmark pipeline') is None
    assert 'Benchmark pipeline' in L.PanelModel('demo', cwd=tmp_path).actions()

def test_open_the_original_links_relative_to_the_notebook(tmp_path):
    from learnkit.book.chapters import demo_path
    (tmp_path/'book').mkdir()
    p = tmp_path/'book'/'my_notes.ipynb'
    p.write_bytes(demo_path().read_bytes())
    model = L.PanelModel(str(p), cwd=tmp_path, notebook=str(tmp_path/'study.ipynb'))
    assert 'href="book/my_notes.ipynb"' in model.original().data

def test_panel_shows_study_time_and_timings(tmp_path):
    from learnkit.study.sessions import record_activity
    t0, cur = time.time() - 7200, None
    for k in range(0, 71): cur = record_activity(cur, 'demo', 'k', now=t0 + k*60)  # a cell a minute for 70 minutes
    for med in (0.004, 0.002, 0.003): get_store().add('timings', label='batch', chapter='demo', median=med, best=med)
    model = L.PanelModel('demo', cwd=tmp_path)
    assert model.time_text().startswith('Time: 1 h 15 min on this chapter over 1 session')
    assert model.timing_text() == 'Timings: batch 3 ms (best 2 ms)' and model.timing_text() in model.text()

def _detail(panel, label):
    "The detail label beside study step `label`."
    cb = find_widget(panel, widgets.Checkbox, label)
    return next(w for w in _walk(panel) if isinstance(w, widgets.HBox) and cb in w.children).children[1].value

def test_repeat_button_shows_how_to_start_then_the_last_result_and_ticks_the_step(tmp_path, monkeypatch):
    from learnkit.repeat.records import RepeatRecord, record_repeat
    monkeypatch.chdir(tmp_path)
    model = L.PanelModel('demo')
    panel = L.chapter_panel(model)
    btn = find_widget(panel, widgets.Button, 'Repeat on new data')
    cb = find_widget(panel, widgets.Checkbox, 'Repeat on a new dataset')
    btn.click()
    first = _text(panel.out)
    assert first == model.repeat() + '\n' and 'start one: learnkit repeat demo --data PATH' in first and 'last:' not in first
    assert cb.value is False and _detail(panel, 'Repeat on a new dataset') == ''
    record_repeat(RepeatRecord('demo', 'c1', str(tmp_path/'chapter_data'), 'image-folders', 'f0', 18, 2, 'error_rate', 0.5, 0.3, own=True))
    btn.click()
    assert "on the chapter's own data: the step needs new data" in _text(panel.out) and cb.value is False
    record_repeat(RepeatRecord('demo', 'c1', str(tmp_path/'home'/'my_stripes'), 'image-folders', 'f1', 18, 2, 'error_rate', 0.5, 0.25, 0.1))
    btn.click()
    from learnkit.repeat.records import repeat_summary, repeats
    txt, last = _text(panel.out), repeat_summary(repeats('demo')[-1])
    assert txt == model.repeat() + '\n' and 'my_stripes' in last and last.split(':')[0] in txt and str(tmp_path) not in txt
    assert cb.value is True  # the click refreshed the panel: a finished repeat on new data ticks the step
    assert _detail(panel, 'Repeat on a new dataset') == f'2 repeats; last {last}'
    assert '[x] Repeat on a new dataset - 2 repeats; last my_stripes' in model.text()
    cb.value = False  # the learner's own tick wins over the rule
    panel.refresh()
    assert cb.value is False and [s.done for s in model.steps()][3] is False

def _type_cells(p, n):
    "Type the book's code into the first `n` blanks of reproduction `p`, and run them (their outputs)."
    from learnkit.book.chapters import load_chapter
    ch, nb = load_chapter('demo'), json.loads(p.read_text())
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    for c, o in zip(blanks[:n], ch.code_cells[:n]):
        c['source'] = ''.join(c['source']) + '\n' + o.source
        c['outputs'], c['execution_count'] = o.outputs, 1
    p.write_text(json.dumps(nb))

def test_share_button_writes_a_post_and_links_it_relative_to_the_notebook(tmp_path, monkeypatch):
    import re
    monkeypatch.chdir(tmp_path)
    (tmp_path/'nb').mkdir()
    model = L.PanelModel('demo', notebook=str(tmp_path/'nb'/'study.ipynb'))
    panel = L.chapter_panel(model)
    find_widget(panel, widgets.Button, 'Scaffold reproduction').click()
    _type_cells(tmp_path/'demo_reproduce.ipynb', 3)  # something of the learner's own to share
    find_widget(panel, widgets.Button, 'Share').click()
    [out] = panel.out.outputs
    assert out['output_type'] == 'display_data' and not _text(panel.out).startswith('learnkit:')  # a result, not an error line
    [post] = list((tmp_path/'posts').rglob('*.ipynb'))
    assert json.loads(post.read_text())['nbformat'] == 4
    page = model.share().data  # again: a second post, never over the first, linked from the notebook's folder
    posts = sorted((tmp_path/'posts').rglob('*.ipynb'))
    assert len(posts) == 2 and post in posts
    [new] = [p for p in posts if p != post]
    href = re.search(r'<a href="([^"]+\.ipynb)" target="_blank">Open ', page).group(1)
    assert href.startswith('../posts/') and (tmp_path/'nb'/href).resolve() == new.resolve()
    assert f'wrote posts/{new.parent.name}/{new.name} (the post)' in page and 'Your words' in page

def test_dashboard_lists_repeats_by_dataset_name(tmp_path):
    from learnkit.repeat.records import RepeatRecord, record_repeat
    record_repeat(RepeatRecord('demo', 'c1', str(tmp_path/'home'/'my_stripes'), 'image-folders', 'f1', 18, 2, 'error_rate', 0.5, 0.25, 0.1))
    dm = L.DashboardModel(cwd=tmp_path)
    assert dm.repeat_rows() == [('demo', 'my_stripes', 'error_rate', '0.5000', '0.2500', '0.1000')]
    assert '  demo               my_stripes: error_rate 0.5000 / 0.2500 / 0.1000' in dm.text().splitlines()
    assert '<td style="padding:0 .5em">my_stripes</td>' in dm.html() and str(tmp_path) not in dm.html() + dm.text()
    [row] = [r for r in dm.rows() if r[0] == 'demo']
    assert row[2] == '···✓'
    d = L.dashboard(dm)
    assert any('Repeats on new data' in w.value for w in d.children if isinstance(w, widgets.HTML))

def test_when_every_cell_is_done_the_next_button_repeats_then_shares(tmp_path, monkeypatch):
    from learnkit.repeat.records import RepeatRecord, record_repeat
    monkeypatch.chdir(tmp_path)
    book = dict(nbformat=4, nbformat_minor=4, metadata={}, cells=[
        dict(cell_type='markdown', metadata={}, source='# Sums'), dict(cell_type='markdown', metadata={}, source='## Adding'),
        dict(cell_type='code', metadata={}, execution_count=1, source='1 + 1',
             outputs=[dict(output_type='execute_result', execution_count=1, metadata={}, data={'text/plain': '2'})])])
    (tmp_path/'sums.ipynb').write_text(json.dumps(book))
    (tmp_path/'sums_reproduce.ipynb').write_text(json.dumps(book))  # every cell reproduced
    model = L.PanelModel(str(tmp_path/'sums.ipynb'))
    panel = L.chapter_panel(model)
    top = panel.children[2].children
    assert model.next_step() == ('Every cell is done. Next: repeat the chapter on a new dataset.', 'repeat')
    assert top[1].description == 'Repeat on new data' and top[1].layout.display != 'none'
    top[1].click()
    assert _text(panel.out) == model.repeat() + '\n'
    record_repeat(RepeatRecord('sums', 'c1', str(tmp_path/'other'), 'tabular', 'f', 10, 0, 'rmse', 2., 1.))
    panel.refresh()
    assert model.next_step()[1] == 'share' and top[1].description == 'Share'

def test_next_step_says_when_runs_are_newer_than_the_saved_reproduction(shell, tmp_path, monkeypatch):
    # the counts come from the file on disk; a cell run since the last save is named, not silently missing
    import os
    from learnkit.reproduce.scaffold import write_scaffold
    monkeypatch.chdir(tmp_path)
    repro = write_scaffold('demo').path
    old = time.time() - 60
    os.utime(repro, (old, old))
    monkeypatch.setenv('JPY_SESSION_NAME', repro.name)  # Jupyter names the notebook from the server's root
    model = L.PanelModel('demo', notebook=str(tmp_path/'study.ipynb'))
    first = model.chapter.code_cells[0]
    assert 'since you last saved' not in model.next_step()[0]
    shell.run_cell(f'%%reproduce {first.id} --chapter demo\n{first.code}')
    txt = model.next_step()[0]
    assert txt.startswith('Next blank: ') and txt.endswith(f'(1 cell ran since you last saved {repro.name}: save it to count it.)'), txt
    assert '0/11 done' in txt  # the saved file still has the blank
    os.utime(repro)  # the front end saved it
    assert 'since you last saved' not in model.next_step()[0]

def test_a_chapter_file_named_like_a_script_is_never_a_script_link(tmp_path):
    "#22: a chapter whose file name starts `javascript:` gets relative, percent-encoded links; its name is text everywhere."
    import re
    from learnkit.book.chapters import demo_path
    nb = json.loads(demo_path().read_text())
    title = next(c for c in nb['cells'] if c['cell_type'] == 'markdown' and ''.join(c['source']).startswith('# '))
    title['source'] = '# <img src=x onerror=alert(1)> Sums'
    name = 'javascript:alert(1)'
    (tmp_path/f'{name}.ipynb').write_text(json.dumps(nb))
    (tmp_path/f'{name}_reproduce.ipynb').write_text(json.dumps(nb))
    model = L.PanelModel(str(tmp_path/f'{name}.ipynb'), cwd=tmp_path)
    page = model.html() + model.next_html() + model.original().data + L.chapter_panel(model).children[0].value
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith('javascript%3Aalert%281%29') for h in hrefs), hrefs
    assert '<img' not in page and '&lt;img src=x onerror=alert(1)&gt;' in page

def test_learnkit_lesson_prints_headings_without_terminal_sequences(tmp_path, capsys):
    "#22: OSC 52 (a clipboard write) and clear-screen sequences in a chapter's headings print as nothing."
    from learnkit.cli.main import main
    nb = dict(nbformat=4, nbformat_minor=5, metadata={}, cells=[
        dict(cell_type='markdown', metadata={}, id='a1', source='# Sums \x1b]52;c;ZWNobyBoaQ==\x07here\x1b[2J\x1b[H'),
        dict(cell_type='markdown', metadata={}, id='a2', source='## Adding \x9b2J up'),
        dict(cell_type='code', metadata={}, id='a3', execution_count=1, source='1 + 1', outputs=[])])
    (tmp_path/'sneaky.ipynb').write_text(json.dumps(nb))
    assert main(['lesson', str(tmp_path/'sneaky.ipynb')]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in '\x1b\x07\x9b') and 'Sums here' in out and 'Adding  up' in out
