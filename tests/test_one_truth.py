"""One truth about a reproduction: for learner-like edits of a scaffold (cells left blank, typed verbatim, typed with a changed
number, raising, a hint taken, the solution shown, questions answered with text or only an HTML comment, cells split, merged and
reordered), `learnkit check`, `learnkit diff`, the panel's model, the dashboard row, `learnkit lesson --json` and `learnkit report`
agree on every number of the `progress` object, and re-reading (Refresh, Diff) changes none of them."""
import contextlib, copy, io, json, re, tempfile
from pathlib import Path
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from learnkit.store.attempts import record_hint
from learnkit.book.chapters import load_chapter
from learnkit.reproduce.scaffold import scaffold

ACTIONS = ('blank', 'verbatim', 'number', 'raise', 'unrun', 'split', 'merge')
ANSWERS = ('', '<!-- your answer -->', 'An answer in my own words.')

def _main(*argv):
    from learnkit.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): rc = main([str(a) for a in argv])
    assert rc == 0, err.getvalue()
    return out.getvalue()

def _lk(c): return c.get('metadata', {}).get('learnkit', {})

def _bump(outputs):
    "The outputs with their first number changed, as a slip would."
    outs = copy.deepcopy(outputs)
    for o in outs:
        for key in ('text/plain',):
            if key in o.get('data', {}):
                t = ''.join(o['data'][key])
                new = re.sub(r'\d+', lambda m: str(int(m.group()) + 7), t, count=1)
                if new != t: o['data'][key] = new; return outs
        if o.get('output_type') == 'stream':
            t = ''.join(o['text']); new = re.sub(r'\d+', lambda m: str(int(m.group()) + 7), t, count=1)
            if new != t: o['text'] = new; return outs
    return outs + [{'output_type': 'stream', 'name': 'stdout', 'text': '42\n'}]

def learner_notebook(ch, actions, answers, swap, hints):
    "A scaffold of `ch` edited as a learner would: `actions` per blank, `answers` per answer cell, `swap` two cells."
    nb = scaffold(ch, hints=hints)
    book = {c.id: c for c in ch.code_cells}
    cells, n, b = [], 0, -1
    for c in nb['cells']:
        b += _lk(c).get('kind') == 'blank'
        if _lk(c).get('kind') != 'blank':
            if _lk(c).get('kind') == 'answer':
                c['source'] = answers[n % len(answers)]; n += 1
            cells.append(c); continue
        o = book[_lk(c)['src']]
        a = actions[b % len(actions)]
        head = ''.join(c['source']).split('\n', 1)[0] + '\n'
        code = o.code
        if a == 'blank': cells.append(c); continue
        if a in ('verbatim', 'number', 'raise', 'unrun'):
            c['source'] = head + code
            if a == 'verbatim': c['outputs'], c['execution_count'] = copy.deepcopy(o.outputs), 1
            if a == 'number': c['outputs'], c['execution_count'] = _bump(o.outputs), 1
            if a == 'raise': c['outputs'], c['execution_count'] = [{'output_type': 'error', 'ename': 'NameError', 'evalue': "name 'x' is not defined", 'traceback': []}], 1
            cells.append(c); continue
        lines = code.split('\n')
        if a == 'split' and len(lines) > 1:
            first, second = copy.deepcopy(c), copy.deepcopy(c)
            first['source'] = head + lines[0]
            second['source'], second['metadata'] = '\n'.join(lines[1:]), {}
            second['outputs'], second['execution_count'] = copy.deepcopy(o.outputs), 2
            cells += [first, second]; continue
        prev = next((x for x in reversed(cells) if x['cell_type'] == 'code'), None)
        if a == 'merge' and prev is not None and _lk(prev).get('kind') == 'blank':
            prev['source'] = ''.join(prev['source']) + '\n' + code
            prev['outputs'], prev['execution_count'] = copy.deepcopy(o.outputs), 3
            continue  # this blank is gone: merged into the one before
        c['source'] = head + code
        cells.append(c)
    if swap is not None:
        code_at = [k for k, c in enumerate(cells) if c['cell_type'] == 'code' and _lk(c).get('kind') == 'blank']
        if len(code_at) > swap + 1:
            i, j = code_at[swap], code_at[swap + 1]
            cells[i], cells[j] = cells[j], cells[i]
    nb['cells'] = cells
    return nb

def views(ch, nb_path: Path, folder: Path) -> dict:
    "The progress object as every view shows it."
    from learnkit.ui.dashboard import DashboardModel
    from learnkit.ui.panel import PanelModel
    out = {}
    out['check'] = json.loads(_main('check', ch.path or ch.key, nb_path, '--json'))['progress']
    out['diff'] = json.loads(_main('diff', ch.path or ch.key, nb_path, '--json'))['progress']
    with contextlib.chdir(folder):
        out['lesson'] = json.loads(_main('lesson', ch.path or ch.key, '--reproduction', nb_path, '--json'))['progress']
        rep = json.loads(_main('report', '--json'))
    out['report'] = next(c for c in rep['chapters'] if c['key'] == ch.key)['progress']
    pm = PanelModel(ch.path or ch.key, cwd=folder)
    out['panel'] = pm.standing().progress.to_dict()
    dm = DashboardModel(cwd=folder)
    row = next(c for c in dm.chapters if c.key == ch.key)
    out['dashboard'] = row.progress.to_dict()
    p = out['check']
    # what the panel and the dashboard print is these numbers, not others
    assert f"{p['done']} of {p['cells']} cells done ({p['written']} written, {p['ran']} ran)" in pm.text()
    assert next(r for r in dm.rows() if r[0] == ch.key)[3] == f"{p['done']}/{p['cells']} done"
    assert (p['written'] > 0) == (row.steps[2].mark != '·')  # reproduced cells show on the dashboard
    return out

def _check_one_truth(ch, actions, answers, swap, hints, peeks):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        nb = learner_notebook(ch, actions, answers, swap, hints)
        p = folder/f'{ch.key}_reproduce.ipynb'
        p.write_text(json.dumps(nb))
        for k, solution in peeks: record_hint(ch.key, ch.code_cells[k % len(ch.code_cells)].id, 1 + k % 3, solution=solution)
        got = views(ch, p, folder)
        first = got['check']
        for name, prog in got.items(): assert prog == first, (name, prog, first)
        assert first['cells'] == len(ch.code_cells) >= first['written'] >= first['ran'] >= first['done']
        assert sum(first['verdicts'].values()) <= first['ran'] and first['answered'] <= first['questions']
        assert sum(s['cells'] for s in first['sections']) == first['cells']
        for k in ('written', 'ran', 'done'): assert sum(s[k] for s in first['sections']) == first[k]
        assert views(ch, p, folder) == got  # re-reading (Refresh, Diff) never changes a count

edits = dict(actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=12), answers=st.lists(st.sampled_from(ANSWERS), min_size=1, max_size=4),
             swap=st.one_of(st.none(), st.integers(0, 6)), hints=st.sampled_from([0, 1, 2, 3]),
             peeks=st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=3))

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(**edits)
def test_every_view_agrees_on_the_demo_chapter(actions, answers, swap, hints, peeks):
    _check_one_truth(load_chapter('demo'), actions, answers, swap, hints, peeks)

@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(**edits)
def test_every_view_agrees_on_a_real_chapter(fastbook, actions, answers, swap, hints, peeks):
    _check_one_truth(load_chapter(fastbook/'04_mnist_basics.ipynb'), actions, answers, swap, hints, peeks)

def test_the_edits_reach_every_stage():
    "The generator is not vacuous: one notebook holds untouched, written, ran, done and not-done cells, and a split and a merge."
    from learnkit.reproduce.state import reproduction_state
    ch = load_chapter('demo')
    nb = learner_notebook(ch, ['verbatim', 'number', 'verbatim', 'raise', 'unrun', 'verbatim', 'merge', 'split', 'blank'], ANSWERS, 1, 0)
    st_ = reproduction_state(ch, nb)
    stages = {c.stage for c in st_.cells}
    assert stages == {'untouched', 'written', 'ran'} and any(c.done for c in st_.cells) and any(c.ran and not c.done for c in st_.cells)
    assert {p['link'] for p in st_.pairs} >= {'split', 'merge'} and any(p['status'] == 'moved' for p in st_.pairs)
    assert st_.progress.answered >= 1 and st_.progress.answered < st_.progress.questions
