"The %lesson magic in a real IPython shell, and the panel and dashboard wired to real widgets."
import importlib.util, json, time
import pytest
import ipywidgets as widgets
from learnkit import lesson as L
from learnkit.store import get_store

def _has(mod): return importlib.util.find_spec(mod) is not None

def _text(out):
    "Everything an Output widget shows, as text."
    return ''.join(o.get('text', '') or o.get('data', {}).get('text/plain', '') or o.get('data', {}).get('text/html', '') for o in out.outputs)

def _open(): return get_store().rows('sessions', 'end IS NULL')

def test_lesson_starts_a_session_and_shows_the_panel(shell, capsys):
    shell.run_line_magic('lesson', 'demo')
    m = shell._learnkit_magics
    out = capsys.readouterr().out
    assert m.chapter == 'demo' and m.session == _open()[0]['id']
    assert 'learnkit: studying demo; session' in out
    assert 'Outline:' in out and '[ ] Read the chapter' in out  # the text/plain fallback of the panel
    assert isinstance(m.panel, widgets.VBox) and L.find_widget(m.panel, widgets.Button, 'Scaffold reproduction')

def test_cell_form_records_the_plan_and_a_new_lesson_ends_the_previous(shell, capsys):
    shell.run_line_magic('lesson', 'demo --no-panel')
    first = shell._learnkit_magics.session
    shell.run_cell_magic('lesson', '4 --no-panel', 'goal: reproduce the pixel-similarity baseline, 1h30\n')
    m = shell._learnkit_magics
    assert m.chapter == '04_mnist_basics' and m.session != first
    rows = {r['id']: r for r in get_store().rows('sessions')}
    assert rows[first]['end'] is not None and rows[m.session]['end'] is None
    assert rows[m.session]['plan'].startswith('goal: reproduce the pixel-similarity baseline')
    model = L.PanelModel('04_mnist_basics', session=m.session)
    assert 'of 1h30 planned (goal: reproduce the pixel-similarity baseline)' in model.time_text()

def test_lesson_end_and_activity_hook(shell, capsys):
    shell.run_line_magic('lesson', 'demo --no-panel')
    m = shell._learnkit_magics
    sid = m.session
    m._lesson_mark = time.time() - 120  # the last mark is two minutes old: the next cell run marks again
    shell.run_cell('x = 1')
    marks = [json.loads(e['data'])['session'] for e in get_store().rows('events', "kind='activity'")]
    assert marks == [sid]
    shell.run_cell('y = 2')  # within the minute: no second mark
    assert len(get_store().rows('events', "kind='activity'")) == 1
    capsys.readouterr()
    shell.run_line_magic('lesson', '--end')
    assert m.session is None and not _open()
    assert 'learnkit: ended your session on demo:' in capsys.readouterr().out
    shell.run_line_magic('lesson', '--end')
    assert 'no study session is open' in capsys.readouterr().out

def test_unload_ends_the_session(shell):
    shell.run_line_magic('lesson', 'demo --no-panel')
    shell.run_line_magic('unload_ext', 'learnkit')
    try: assert not _open()
    finally: shell.run_line_magic('load_ext', 'learnkit')

def test_dashboard(shell, capsys):
    shell.run_line_magic('lesson', 'demo --no-panel')
    get_store().set_step('demo', 'read', True)
    capsys.readouterr()
    shell.run_line_magic('lesson', '')
    out = capsys.readouterr().out
    assert 'Course:' in out and 'streak:' in out and '01_intro' in out and '20_conclusion' in out
    d = shell._learnkit_magics.dashboard
    assert isinstance(d, widgets.VBox)
    img = L.find_widget(d, widgets.Image)
    assert img is not None and bytes(img.value).startswith(b'\x89PNG')
    table = next(w.value for w in d.children if isinstance(w, widgets.HTML) and '<table>' in w.value)
    assert 'Stripes or Dots?' in table and '✓···' in table

def test_unknown_chapter_is_one_line(shell, capsys):
    shell.run_line_magic('lesson', 'mnist_basic')
    cap = capsys.readouterr()
    assert cap.err.strip() == "learnkit: no chapter 'mnist_basic'; did you mean 04_mnist_basics?"
    assert shell._learnkit_magics.chapter is None and not get_store().rows('sessions')

def test_lesson_accepts_a_path(shell, tmp_path, capsys):
    from learnkit.chapters import demo_path
    p = tmp_path/'my_notes.ipynb'
    p.write_bytes(demo_path().read_bytes())
    shell.run_line_magic('lesson', f'{p} --no-panel')
    assert shell._learnkit_magics.chapter == 'my_notes' and _open()[0]['chapter'] == 'my_notes'

def test_checkbox_writes_the_store(tmp_path):
    panel = L.chapter_panel(L.PanelModel('demo', cwd=tmp_path))
    cb = L.find_widget(panel, widgets.Checkbox, 'Run its notebook')
    cb.value = True
    assert get_store().rows('steps', "chapter='demo'", order='time') [0]['step'] == 'run'
    cb.value = False
    assert get_store().rows('steps', "chapter='demo'", order='time')[0]['done'] == 0
    labels = [w.value for w in panel.children if isinstance(w, widgets.Label)]
    assert labels[0] == 'Questionnaire: 8 questions; answer them in your reproduction'
    assert labels[1].startswith('Time: 0 min on this chapter over 0 sessions')

def test_scaffold_button(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    panel = L.chapter_panel(L.PanelModel('demo'))
    L.find_widget(panel, widgets.Button, 'Scaffold reproduction').click()
    text = _text(panel.out)
    if _has('learnkit.scaffold'):
        assert (tmp_path/'demo_reproduce.ipynb').exists() and 'demo_reproduce.ipynb' in text
        labels = [w.value for w in panel.children if isinstance(w, widgets.Label)]
        assert labels[0] == 'Questionnaire: 0 of 8 answered in demo_reproduce.ipynb'  # the panel refreshed
        L.find_widget(panel, widgets.Button, 'Scaffold reproduction').click()
        assert 'demo_reproduce.ipynb already exists' in _text(panel.out)
    else:
        assert text.strip() == 'learnkit: learnkit.scaffold is not in this learnkit version; upgrade: pip install -U learnkit'
        assert not (tmp_path/'demo_reproduce.ipynb').exists()

def test_diff_button(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    panel = L.chapter_panel(L.PanelModel('demo'))
    L.find_widget(panel, widgets.Button, 'Diff my reproduction').click()
    assert _text(panel.out).strip() == 'No reproduction yet: click "Scaffold reproduction" first.'
    from learnkit.chapters import demo_path
    (tmp_path/'demo_reproduce.ipynb').write_bytes(demo_path().read_bytes())  # a "reproduction" identical to the chapter
    L.find_widget(panel, widgets.Button, 'Diff my reproduction').click()
    text = _text(panel.out)
    assert len(panel.out.outputs) == 1
    if _has('learnkit.diff'):
        [row] = get_store().rows('checks')
        assert row['kind'] == 'diff' and row['chapter'] == 'demo' and row['reproduction'].endswith('demo_reproduce.ipynb')
    else:
        assert text.strip() == 'learnkit: learnkit.diff is not in this learnkit version; upgrade: pip install -U learnkit'

def test_original_button_and_errors_are_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = L.PanelModel('demo')
    panel = L.chapter_panel(model)
    L.find_widget(panel, widgets.Button, 'Open the original').click()
    assert 'demo.ipynb' in _text(panel.out) and 'cp "' in _text(panel.out)
    def boom(): raise RuntimeError('disk on fire\nsecond line')
    model.bench = boom
    L.find_widget(panel, widgets.Button, 'Benchmark pipeline').click()
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
    assert m.chapter == '04_mnist_basics'
    model = m.panel.model
    cells, att, mat = L.totals(model.progress())
    assert cells == len(model.chapter.code_cells) > 20 and (att, mat) == (0, 0)
    assert len(model.outline_rows()) >= len(model.chapter.sections)
    assert 'Questionnaire:' in capsys.readouterr().out
