"""Every learnkit magic in a real Jupyter kernel (nbclient), as a learner's notebook runs them, on whichever IPython and
ipywidgets this environment has (IPython 7.34 + ipywidgets 7.7 on Colab, IPython 9 + ipywidgets 8 elsewhere)."""
import json, os, sys
from pathlib import Path
import pytest

nbclient = pytest.importorskip('nbclient', reason='nbclient is not installed (pip install "learnkit[test]")')
pytest.importorskip('ipykernel', reason='ipykernel is not installed')
import nbformat
from nbclient import NotebookClient

WIDGET_STATE = 'application/vnd.jupyter.widget-state+json'
WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'

@pytest.fixture
def e2e_kernel(tmp_path, monkeypatch):
    "A `python3` kernelspec that runs this interpreter, in Jupyter/IPython folders of its own; returns the notebook folder."
    for var, sub in dict(JUPYTER_DATA_DIR='jdata', JUPYTER_CONFIG_DIR='jconfig', JUPYTER_RUNTIME_DIR='jruntime', IPYTHONDIR='ipython').items():
        (tmp_path/sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path/sub))
    monkeypatch.setenv('JUPYTER_PREFER_ENV_PATH', '0')  # our kernelspec, not the environment's, wins
    monkeypatch.delenv('JUPYTER_PATH', raising=False)
    spec = tmp_path/'jdata'/'kernels'/'python3'
    spec.mkdir(parents=True)
    (spec/'kernel.json').write_text(json.dumps({'argv': [sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                                                'display_name': 'Python 3 (ipykernel)', 'language': 'python'}))
    (tmp_path/'work').mkdir()
    return tmp_path/'work'

def run_notebook(sources, cwd, timeout=180):
    "Execute code cells `sources` in a fresh python3 kernel started in `cwd`; returns the executed notebook."
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata.kernelspec = dict(name='python3', display_name='Python 3 (ipykernel)', language='python')
    NotebookClient(nb, kernel_name='python3', timeout=timeout, allow_errors=True, store_widget_state=True,
                   resources={'metadata': {'path': str(cwd)}}).execute()
    return nb

def _text(x): return x if isinstance(x, str) else ''.join(x)

def shown(cell, errors=False):
    "What a learner reads under `cell`: printed text and each output's text/plain (stderr and tracebacks only if `errors`)."
    parts = []
    for o in cell.outputs:
        if o.output_type == 'stream' and (errors or o.name == 'stdout'): parts.append(_text(o.text))
        elif o.output_type in ('display_data', 'execute_result'): parts.append(_text(o.data.get('text/plain', '')))
        elif o.output_type == 'error' and errors: parts.append('\n'.join(o.traceback))
    return '\n'.join(parts)

def problems(cell):
    "Errors and learnkit's one-line complaints under `cell` (warnings from other libraries are not ours)."
    out = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == 'error']
    out += [_text(o.text) for o in cell.outputs if o.output_type == 'stream' and o.name == 'stderr'
            and ('learnkit' in _text(o.text) or 'Error' in _text(o.text).replace('Warning', ''))]
    return out

def widget_models(nb):
    "The widget models the notebook stored (what a front end would draw), by model id."
    return nb.metadata.get('widgets', {}).get(WIDGET_STATE, {}).get('state', {})

def widget_strings(nb, root):
    "Every string a person could see in the widget tree under model `root` (values, labels, titles, Output contents)."
    models, seen, todo, out = widget_models(nb), set(), [root], []
    def walk(v):
        if isinstance(v, str):
            if v.startswith('IPY_MODEL_'): todo.append(v[len('IPY_MODEL_'):])
            else: out.append(v)
        elif isinstance(v, dict): [walk(x) for x in v.values()]
        elif isinstance(v, (list, tuple)): [walk(x) for x in v]
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in models: continue
        seen.add(mid)
        st = models[mid]['state']
        for k in ('value', 'description', 'children', 'titles', '_titles', 'outputs', 'placeholder', 'options', '_options_labels'):
            if k in st: walk(st[k])
    return '\n'.join(out)

def view_ids(cell): return [o.data[WIDGET_VIEW]['model_id'] for o in cell.outputs if WIDGET_VIEW in o.get('data', {})]

def _demo_ref(start):
    from learnkit.book.chapters import load_chapter
    return next(c.id for c in load_chapter('demo').code_cells if c.source.startswith(start))

# Clicks the panel's button the way the front end does (a click event calls its handlers in the kernel).
CLICK = """import ipywidgets
from ipywidgets.widgets import widget as _w
_all = getattr(_w, '_instances', None) or ipywidgets.Widget.widgets
[b for b in list(_all.values()) if isinstance(b, ipywidgets.Button) and b.description == {!r}][-1].click()"""

def test_every_magic_in_a_kernel(e2e_kernel):
    "A study session in a real kernel: panel, scaffold button, plan, verdicts, timings, dashboard, unload and reload."
    from learnkit.book.chapters import load_chapter
    ch = load_chapter('demo')
    ref = _demo_ref('files = get_image_files(path)')
    cells = dict(
        load='%load_ext learnkit',
        panel='%lesson demo',
        click=CLICK.format('Scaffold reproduction'),
        plan='%%lesson demo\nreproduce the data section and the baseline',
        setup='from fastai.vision.all import *\nfrom learnkit.book.datasets import demo_data\npath = demo_data()',
        match=f'%%reproduce {ref}\nfiles = get_image_files(path)\nlen(files)',
        mismatch=f'%%reproduce {ref}\nlen(files) + 1',
        time_cell='%%timeit_log -n 50 -r 3\nsum(range(1000))',
        time_line='%timeit_log -n 50 -r 3 sum(range(100))',
        time_alias='%%timeit-log -n 20 -r 2 --label squares\n[i*i for i in range(100)]',
        end='%lesson --end',
        dashboard='%lesson',
        unload="%unload_ext learnkit\nprint('left:', sorted(n for n in ('lesson', 'reproduce', 'timeit_log') if n in get_ipython().magics_manager.magics['line']))",
        reload='%reload_ext learnkit\n%timeit_log -n 5 -r 2 -l after-reload sum(range(10))',
    )
    nb = run_notebook(list(cells.values()), e2e_kernel)
    c = dict(zip(cells, nb.cells))
    for name, cell in c.items(): assert not problems(cell), f'{name}: {problems(cell)}\n{shown(cell, errors=True)}'
    assert shown(c['load']).strip() == ''
    # The panel: a widget the front end can draw (its model is stored), with a readable text fallback.
    ids = view_ids(c['panel'])
    assert ids and all(i in widget_models(nb) for i in ids), 'the panel is not a displayed widget with a stored model'
    panel = widget_strings(nb, ids[-1])
    for s in [ch.title, 'Scaffold reproduction'] + [s.title for s in ch.sections if s.level == 2]: assert s in panel, s
    assert ch.title in shown(c['panel'])  # text/plain fallback, for front ends without widgets
    # The button wrote the reproduction notebook beside this one and said so in the panel's Output widget.
    assert 'demo_reproduce.ipynb' in widget_strings(nb, ids[-1])
    assert (e2e_kernel/'demo_reproduce.ipynb').exists()
    # Verdicts, as text a learner reads.
    assert '112' in shown(c['match']) and 'match' in shown(c['match']).replace('mismatch', '')
    assert 'mismatch' in shown(c['mismatch'])
    for k in ('time_cell', 'time_line', 'time_alias', 'reload'): assert 'per loop' in shown(c[k]), (k, shown(c[k]))
    assert 'squares' in shown(c['time_alias'])
    assert 'ended' in shown(c['end'])
    assert 'demo' in shown(c['dashboard']) and view_ids(c['dashboard'])  # the course dashboard lists the chapter studied
    assert 'left: []' in shown(c['unload'])
    # What the kernel recorded: the plan of the %%lesson session, both attempts and every logged timing.
    from learnkit.store.db import get_store
    st = get_store()
    assert any('reproduce the data section' in json.dumps(r['plan']) for r in st.rows('sessions')), st.rows('sessions')
    assert sorted(r['verdict'] for r in st.rows('attempts', 'ref=?', (ref,))) == ['match', 'mismatch']
    assert {r['label'] for r in st.rows('timings')} >= {'squares', 'after-reload'} and len(st.rows('timings')) == 4

LOAD_TIMER = """import sys, time, json
t0 = time.perf_counter()
%load_ext learnkit
ms = (time.perf_counter() - t0)*1000
print(json.dumps(dict(ms=ms, heavy=sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'fastai')), exe=sys.executable)))"""

def test_load_ext_is_light(e2e_kernel):
    "`%load_ext learnkit` in a fresh kernel imports neither torch nor fastai and takes under 150 ms."
    nb = run_notebook([LOAD_TIMER], e2e_kernel)
    cell = nb.cells[0]
    assert not problems(cell), shown(cell, errors=True)
    res = json.loads(shown(cell).strip().splitlines()[-1])
    print(f"%load_ext learnkit: {res['ms']:.1f} ms in a fresh kernel")
    assert res['exe'] == sys.executable or Path(res['exe']).resolve() == Path(sys.executable).resolve()
    assert res['heavy'] == [], f"%load_ext learnkit imported {res['heavy'][:5]}"
    assert res['ms'] < 150, f"%load_ext learnkit took {res['ms']:.0f} ms (budget 150 ms)"
