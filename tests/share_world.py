"""A learner's work on learnkit's demo chapter, for the share tests: made in-process in a few seconds, with learnkit's
own functions (scaffold, the store's records, `%%timeit_log`'s measurement and log, study sessions, repeat notebooks
and their records, a benchmark record). The reproduction's outputs are what a kernel printed for the same code (the
slow test in test_share.py runs that code in a real kernel); the learner writes the chapter their own way, except
one cell copied as the book has it and one taken with the solution shown."""
import json, shutil
from pathlib import Path
import pytest

SECRET = 'hf_abcdefghijklmnopqrstuvwxyz0123456789'

# the learner's own code for the demo chapter's cells, with what it printed: {ref: (code, text/plain output or None)}
OWN = {
    'd6b7e706': ('path = demo_data()', None),  # as the book has it: says nothing about the learner
    'bb1bfe9d': ('sorted(path.ls())', "[Path('train'), Path('valid')]"),
    '73c012e8': ('images = get_image_files(path, recurse=True)\nfiles = images\nlen(images)', '112'),
    '51c84df0': ('first = sorted(files)[0]\nt = tensor(PILImage.create(first))\nt.shape', 'torch.Size([32, 32, 3])'),
    'c3bd6077': ('t[:5, :6, 0]  # a slip: one row short', 'tensor([[ 14,  14, 165, 165, 165,  14],\n        [ 14,  14, 165, 165, 165,  14]])'),
    'a894fbe2': ('def roughness(fn):\n    "How much neighbouring pixels differ, down and across."\n'
                 '    px = tensor(PILImage.create(fn)).float().mean(-1) / 255\n'
                 '    down, across = (px[1:] - px[:-1]).abs(), (px[:, 1:] - px[:, :-1]).abs()\n'
                 '    return (down.mean() + across.mean()).item()\n\n'
                 'held_out = [f for f in sorted(files) if f.parent.parent.name == "valid"]\n'
                 'scores = {name: tensor([roughness(f) for f in held_out if f.parent.name == name]) for name in ("dots", "stripes")}\n'
                 '{name: round(s.mean().item(), 4) for name, s in scores.items()}', "{'dots': 0.0698, 'stripes': 0.1455}"),
}
WRITTEN_NOT_RUN = ('ad2b1081', "cut = (scores['dots'].mean() + scores['stripes'].mean()) / 2\nprint('my threshold', cut)")
PEEKED = '9af4cb29'  # run as the book has it, after the solution was shown

def fill(nb: dict, chapter, own=OWN, outputs: bool = True) -> dict:
    "Scaffold `nb` with the learner's `own` cells written in (and, with `outputs`, the outputs a kernel printed for them)."
    from learnkit.reproduce.compare import LEARNKIT_MIME
    for k, c in enumerate(nb['cells']):
        lk = c['metadata'].get('learnkit', {})
        ref = lk.get('src')
        if lk.get('kind') == 'setup' and not ref and outputs:  # `%lesson demo`: the panel, a widget with its text fallback
            c.update(execution_count=1, outputs=[dict(output_type='display_data', metadata={}, data={
                'application/vnd.jupyter.widget-view+json': {'model_id': 'abc', 'version_major': 2, 'version_minor': 0},
                'text/plain': 'Stripes or Dots? demo: next step: write cell 3 of Making the Data'})])
        if ref in own:
            code, out = own[ref]
            c['source'] = f'%%reproduce {ref}\n{code}'
            if outputs:
                c['execution_count'] = k
                c['outputs'] = ([dict(output_type='execute_result', execution_count=k, metadata={}, data={'text/plain': out})] if out else [])
                c['outputs'] += [dict(output_type='display_data', metadata={}, data={LEARNKIT_MIME: {'verdict': 'match'}, 'text/plain': '✓ learnkit says match'}),
                                 dict(output_type='display_data', metadata={'learnkit': {'kind': 'buttons'}}, data={'text/plain': 'learnkit hint buttons'})]
        elif ref == WRITTEN_NOT_RUN[0]:
            c['source'] = f'%%reproduce {ref}\n{WRITTEN_NOT_RUN[1]}'
        elif ref == PEEKED and outputs:
            c.update(source=f'%%reproduce {ref}\n' + chapter.cell(ref).code, execution_count=90,
                     outputs=[dict(output_type='execute_result', execution_count=90, metadata={}, data={'text/plain': 'True'})])
    return nb

def _repeat_notebook(name: str, out: Path, result: float, store):
    "Write learnkit's repeat notebook of the demo chapter on the stand-in of `name`, as if run to `result`, and record the run."
    from learnkit.repeat.inspection import inspect_data
    from learnkit.repeat.plan import write_repeat
    from learnkit.repeat.records import RepeatRecord, fmt_metric, record_repeat
    r = write_repeat('demo', dataset=name, tiny=True, out=out)
    nb = json.loads(r.path.read_text())
    code = [c for c in nb['cells'] if c['cell_type'] == 'code']
    for k, c in enumerate(code): c['execution_count'] = k + 1
    data = str(r.plan.info.path)
    code[0]['outputs'] = [dict(output_type='stream', name='stdout', text=f'HF_TOKEN={SECRET}\nloading from /home/alice/.fastai/data/{name.lower()}\n')]
    train = next(c for c in code if '.fit' in ''.join(c['source']))
    train['outputs'] = [dict(output_type='display_data', metadata={}, data={'text/plain': '<IPython.core.display.HTML object>',
                             'text/html': '<table><thead><tr><th>epoch</th><th>train_loss</th><th>accuracy</th></tr></thead>'
                                          f'<tbody><tr><td>0</td><td>0.912</td><td>{result}</td></tr></tbody></table>'})]
    cmp = next(c for c in code if 'compare_repeat(' in ''.join(c['source']))
    cmp['outputs'] = [dict(output_type='execute_result', execution_count=cmp['execution_count'], metadata={},
                           data={'text/plain': f'                             accuracy\nbaseline  0.5000\nyour model  {fmt_metric(result)}'})]
    r.path.write_text(json.dumps(nb, indent=1))
    info = inspect_data(data, check_images=False)
    rec = RepeatRecord('demo', r.plan.parts[0].cell, data, info.kind, info.fingerprint, info.items, len(info.classes), 'accuracy',
                       0.5, result, 0.9375, 'the most common class', name, False, True, 1.0, notebook=str(r.path.resolve()))
    record_repeat(rec, store)
    return r.path

def build(root: Path) -> dict:
    "Make the learner's world in `root`: `work/` (their notebooks) and `data/learnkit.db` (their store)."
    from learnkit.base.core import config
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.compare import Verdict
    from learnkit.reproduce.scaffold import scaffold
    from learnkit.store.attempts import record_attempt, record_hint
    from learnkit.store.db import get_store, reset_store
    from learnkit.study.sessions import end_session, mark_activity, start_session
    from learnkit.timing.log import log_result
    from learnkit.timing.measure import TimingResult
    work = root/'work'; work.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('LEARNKIT_DATA_DIR', str(root/'data')); mp.setattr(config, 'data_dir', '')
        reset_store()
        store = get_store()  # the world's own: LEARNKIT_DATA_DIR is root/data
        ch = load_chapter('demo')
        (work/'demo_reproduce.ipynb').write_text(json.dumps(fill(scaffold(ch), ch), indent=1))
        for v in ('error', 'mismatch', 'match'): record_attempt('demo', '73c012e8', Verdict(v), store=store)
        record_hint('demo', '73c012e8', 1, store=store)
        for v in ('error', 'error', 'match'): record_attempt('demo', PEEKED, Verdict(v), store=store)
        record_hint('demo', PEEKED, 3, solution=True, store=store)
        from learnkit.base import clock
        for day in range(3):  # three days in a row, ending two hours ago; a cell run every 2 minutes
            s = clock.now() - (2-day)*86400 - 7200
            sid = start_session('demo', store=store, now=s)
            for t in range(120, 1200*(day+1) + 1, 120): mark_activity(sid, 'demo', store=store, now=s + t)
            end_session(sid, store=store, now=s + 1200*(day+1))
        # %%timeit_log runs as the log keeps them (per-repeat totals of 20 loops): a loop made 4x faster, a noisy one, a single run
        runs = {'my sum loop': ([0.0200, 0.0201, 0.0199, 0.0202, 0.0200], [0.0050, 0.00505, 0.00498, 0.0050, 0.00502]),
                'noisy loop': ([0.010, 0.020, 0.030, 0.012, 0.025], [0.009, 0.010, 0.011, 0.010, 0.0095]),
                'read /home/alice/data/x.csv': ([0.0040, 0.0041, 0.0040],)}
        for label, totals in runs.items():
            for t in totals: log_result(TimingResult(20, len(t), t, label=label, source='sum(range(1000))'), chapter='demo', store=store)
        from learnkit.bench.record import BenchRecord, TuneRecord
        b = BenchRecord(chapter='demo', cell='efc9eeca', device='cpu', kind='vision', loader_items_s=2400., step_items_s=610., e2e_items_s=590.,
                        loader_spread=0.1, step_spread=0.08, e2e_spread=0.06, bottleneck='compute-bound', model='tiny_cnn',
                        busy='the load average was 3.1 on 2 cores',
                        tune=[TuneRecord('batch size 32', 'bs=32', 1.3, 1.2, 1.4, loss_ok=True).to_dict(),
                              TuneRecord('channels_last', 'learn.to_channels_last()', 0.97, 0.9, 1.05, loss_ok=True).to_dict()])
        store.add('benchmarks', chapter=b.chapter, cell=b.cell, device=b.device, record=b.to_dict(), interrupted=0)
        first = _repeat_notebook('MNIST_SAMPLE', work/'demo_repeat_mnist_sample.ipynb', 0.5556, store)
        (work/'elsewhere').mkdir()
        second = _repeat_notebook('MNIST_SAMPLE', work/'elsewhere'/'my_second_try.ipynb', 0.7222, store)
        reset_store()
    return dict(root=root, work=work, db=root/'data'/'learnkit.db', repeats=[first, second])

@pytest.fixture(scope='session')
def world(tmp_path_factory):
    "The learner's world, made once per test session (the browser test's module shares it)."
    return build(tmp_path_factory.mktemp('share-world'))

@pytest.fixture
def learner(world, tmp_path, data_dir):
    "This test's copy of the learner's notebooks (returned: their folder) and store (the process-wide one)."
    from learnkit.store.db import Store, reset_store
    work = tmp_path/'work'
    shutil.copytree(world['work'], work)
    src = Store(world['db']); src.export(data_dir/'learnkit.db'); src.close()
    reset_store()
    return work
