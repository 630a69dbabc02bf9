"""learnkit bench: the verdict rules on plain numbers (fast), and real fastai learners on CPU, real subprocesses and a real
SQLite store (slow)."""
import io, json, subprocess, sys, time
import pytest
from hypothesis import given, settings, strategies as st
from learnkit.base.core import LearnkitError
from learnkit.bench.chapter import (bench_learner, bench_chapter, find_pipelines, format_bench, install_patches, time_dataloader,
                                    BenchRecord, TuneRecord, judge, bench_rows, log_record, spread)
from learnkit.bench.verdict import band, bottleneck, busy_reasons, figure_text, BALANCE
from learnkit.bench.render import bench_html, figure
from learnkit.book.chapters import parse_chapter

pytestmark = pytest.mark.filterwarnings('ignore')

def _nb(*srcs):
    return dict(nbformat=4, nbformat_minor=4, metadata={}, cells=[dict(cell_type='code', source=s, metadata={}, outputs=[]) for s in srcs])


# --- the verdict on plain numbers: a BenchRecord with measured samples ----------------------------------------------

def _rec(L, S, E, **kw):
    return judge(BenchRecord(loader_samples=L, loader_items_s=sorted(L)[len(L)//2], step_samples=S, step_items_s=sorted(S)[len(S)//2],
                             e2e_samples=E, e2e_items_s=sorted(E)[len(E)//2], **kw))

def test_a_loader_many_times_faster_than_the_step_is_never_starved():
    # the chapter 16: loader 373-434 items/s, step 23-27, and a serial loader waiting 5% of each step
    r = _rec([373., 401., 434.], [23., 25., 27.], [21., 22., 23.], loader_workers=0, data_wait_pct=5.)
    assert r.bottleneck == 'compute-bound'
    assert r.suggestion.startswith('the loader gives 401 items/s ±8%, the step takes 25.0 items/s ±8% (at least 13.8× the step)')
    assert 'a faster loader will not' in r.suggestion

def test_starved_only_when_the_loader_is_measurably_slower():
    r = _rec([48., 50., 53.], [390., 400., 420.], [44., 45., 46.], kind='vision', loader_workers=0, workers={'0': 50.})
    assert r.bottleneck == 'starved by the dataloader' and 'batch_tfms' in r.suggestion
    assert r.suggestion.startswith('the loader gives 50.0 items/s ±5%, the step takes 400 items/s ±4%')
    assert _rec([48., 50., 53.], [390., 400., 420.], [44., 45., 46.], device='cuda').bottleneck == 'GPU-starved by the dataloader'
    # slower, but within the balance margin: not starved
    assert _rec([90., 92., 94.], [100., 101., 102.], [47., 48., 49.]).bottleneck == 'balanced'
    # a loader that moved 2x between its repeats proves nothing either way
    assert _rec([40., 80., 140.], [100., 101., 102.], [40., 41., 42.]).bottleneck == 'balanced'

def test_balanced_says_what_a_serial_loader_costs_from_the_same_figures():
    r = _rec([96., 100., 103.], [98., 99., 101.], [49., 50., 50.], loader_workers=0)
    assert r.bottleneck == 'balanced' and 'about 50% of the loop' in r.suggestion
    assert 'about' not in _rec([96., 100., 103.], [98., 99., 101.], [95., 96., 97.], loader_workers=2).suggestion

_fig = st.floats(min_value=1., max_value=1e5, allow_nan=False)

@settings(max_examples=100, deadline=None)
@given(st.lists(_fig, min_size=1, max_size=5), st.lists(_fig, min_size=1, max_size=5), _fig)
def test_every_verdict_follows_from_the_figures_printed_beside_it(L, S, E):
    r = _rec(L, S, [E])
    lo_l, hi_l = band(L)
    lo_s, hi_s = band(S)
    if r.bottleneck.endswith('starved by the dataloader'): assert hi_l * (1 + BALANCE) < lo_s
    elif r.bottleneck == 'compute-bound': assert lo_l > hi_s * (1 + BALANCE)
    else: assert r.bottleneck == 'balanced'
    assert r.suggestion.startswith(f'the loader gives {figure_text(L)}, the step takes {figure_text(S)}')
    row = format_bench([r]).splitlines()[1]
    assert figure(r, 'loader') in row and figure(r, 'step') in row and r.bottleneck in row

def test_a_busy_machine_is_flagged_with_its_reasons():
    calm = _rec([400., 410., 405.], [25., 25.5, 24.8], [23., 23.2, 23.1], load=0.3, cores=8)
    assert calm.busy == '' and '(busy machine)' not in format_bench([calm])
    shaky = _rec([400., 410., 405.], [2.2, 9., 14.8], [2., 2.1, 2.2], load=4.6, cores=2)  # two runs of one pipeline differed 7x
    assert shaky.busy == ('the step figure ranged 140% over its 3 repeats (2.2–14.8 items/s); '
                          'the load average was 4.6 on 2 cores when timing started')
    txt = format_bench([shaky])
    assert txt.splitlines()[1].endswith('(busy machine)') and 'busy machine: the step figure ranged 140%' in txt
    assert '<b>busy machine</b>: the step figure ranged 140%' in bench_html([shaky])
    # end to end can't beat its slower part: "efficiency 275%" is a busy machine, not a figure
    fast_e = _rec([100.], [40.], [110.])
    assert round(fast_e.efficiency, 2) == 2.75 and 'end to end (110.0 items/s) was faster than its slower part could allow' in fast_e.busy
    assert _rec([1000.], [100.], [104.]).busy == ''  # within the 5% band: steady
    jumpy = TuneRecord('num_workers=1', 'x', speedup=1.2, low=0.8, high=1.6, samples=[0.8, 1.2, 1.6]).to_dict()
    assert '--tune measurements ranged over a quarter of their median (num_workers=1)' in _rec([100.], [40.], [30.], tune=[jumpy]).busy

def test_tune_suggests_only_a_change_faster_in_every_repeat():
    good = TuneRecord('num_workers=2', 'pass num_workers=2 where the DataLoaders are made', speedup=1.9, low=1.7, high=2.1,
                      samples=[1.7, 1.9, 2.1], loss_ok=True)
    wide = TuneRecord('bs=32', 'pass bs=32', speedup=1.4, low=0.95, high=1.8, samples=[0.95, 1.4, 1.8], loss_ok=True)
    broke = TuneRecord('fp16 mixed precision', 'learn = learn.to_fp16()', speedup=2.5, low=2.4, high=2.6, samples=[2.4, 2.5, 2.6], loss_ok=False)
    assert [t.helped for t in (good, wide, broke)] == [True, False, False]
    r = _rec([50.], [400.], [45.], tune=[t.to_dict() for t in (wide, good, broke)])
    assert r.suggestion == ('measured on this machine: num_workers=2 1.90× (1.70–2.10× over 3 repeats) faster end to end; '
                            'pass num_workers=2 where the DataLoaders are made')
    none = _rec([50.], [400.], [45.], tune=[wide.to_dict(), broke.to_dict()])
    assert none.suggestion.startswith('none of the measured changes was faster in every repeat by more than 5% (bs=32 1.40× (0.95–1.80×')
    assert 'fp16 mixed precision changed the loss beyond noise' in none.suggestion

def test_records_round_trip_and_old_rows_read(data_dir):
    r = _rec([50., 51.], [400., 410.], [45., 46.], chapter='demo', cell='c1')
    d = r.to_dict()
    assert BenchRecord.from_dict(json.loads(json.dumps(d))).to_dict() == d
    old = dict(d, step_noise=0.1, version=1, tune=[dict(option='x', change='y', speedup=1.1, noise=0.02)])
    back = BenchRecord.from_dict(old)
    assert back.loader_samples == [50., 51.] and TuneRecord.from_dict(back.tune[0]).speedup == 1.1
    with pytest.raises(LearnkitError, match='a benchmark record is a JSON object'): BenchRecord.from_dict(['x'])
    i = log_record(r)
    (row,) = bench_rows('demo')
    assert row['id'] == i and row['record'] == d and row['chapter'] == 'demo' and bench_rows('nothing') == []

def test_a_benchmark_the_store_did_not_keep_says_so(data_dir):
    from learnkit.store.db import get_store, reset_store
    from learnkit.bench.record import not_saved
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir/'learnkit.db').write_bytes(b'x' * 4096)  # not a database: opened read-only, left untouched
    reset_store()
    assert get_store().read_only
    assert log_record(BenchRecord(chapter='demo')) is None and not_saved() == f'not saved: {get_store().why}'
    assert bench_rows() == []


# --- progress on long work -----------------------------------------------------------------------------------------

class _Clock:
    def __init__(self): self.t = 0.
    def __call__(self): return self.t

def test_progress_estimates_what_remains_from_what_was_measured():
    from learnkit.bench.progress import Tracker, progress_line
    ck = _Clock()
    tr = Tracker([('loader', 'loader 1/2'), ('step', 'step 1/2'), ('loader', 'loader 2/2'), ('step', 'step 2/2')], clock=ck)
    tr.begin(units=10); ck.t = 2.; tr.tick(4)
    assert tr.remaining() is None and 'estimating what remains' in progress_line(tr.state())  # nothing finished yet
    ck.t = 5.; tr.tick(6); tr.begin(units=5); ck.t = 6.; tr.tick(1)
    assert tr.remaining() == 14.  # 4 s of this step (1 s a batch), loader 2/2 as loader 1/2 (5 s), step 2/2 as phases so far
    line = progress_line(tr.state())
    assert '2/4 step 1/2 · batch 1/5 · 6 s elapsed, about 14 s left' in line and line.startswith('[######')
    for _ in range(4): ck.t += 1; tr.tick()
    tr.begin(); ck.t += 3; tr.end(); tr.begin(); ck.t += 4; tr.end()
    s = tr.state()
    assert s['finished'] and s['fraction'] == 1. and progress_line(s).endswith('done')

def test_progress_follows_a_child_and_estimates_the_pipelines_to_come():
    from learnkit.bench.progress import Tracker
    ck = _Clock()
    tr = Tracker([('pipeline', 'cell a on cpu'), ('pipeline', 'cell b on cpu')], clock=ck, title='05_pet_breeds')
    tr.begin(); ck.t = 10.
    tr.follow(dict(label='step 2/3', remaining=20.))
    s = tr.state()
    assert s['label'] == 'cell a on cpu · step 2/3' and s['remaining'] == 20. + 30.  # the next pipeline: as this one, projected

def test_views_draw_in_place_on_a_terminal_and_as_lines_in_a_log():
    from learnkit.bench.progress import Tracker, TerminalView, LinesView, view_for
    class Tty(io.StringIO):
        def isatty(self): return True
    ck = _Clock()
    tty = Tty()
    assert isinstance(view_for(True, tty), TerminalView) and isinstance(view_for(True, io.StringIO()), LinesView) and view_for(False) is None
    tr = Tracker([('step', 'step 1/1')], on_change=TerminalView(tty, clock=ck), clock=ck, every=0.)
    tr.begin(units=3)
    for _ in range(3): ck.t += 1; tr.tick()
    tr.end()
    out = tty.getvalue()
    assert out.count('\r') == 5 and out.endswith('done\x1b[K\n') and 'batch 3/3' in out  # one line, rewritten per batch
    log, ck = io.StringIO(), _Clock()
    tr = Tracker([('step', 'step 1/2'), ('step', 'step 2/2')], on_change=LinesView(log, every=10, clock=ck), clock=ck, every=0.)
    tr.begin(units=100)
    for _ in range(30): ck.t += 1; tr.tick()  # 30 s in one phase: a line every 10 s, not one per batch
    tr.begin(); tr.end()
    assert len(log.getvalue().splitlines()) == 6


# --- a learner by its parts ------------------------------------------------------------------------------------------

class _DLs:
    def __init__(self, train): self.train, self.valid = train, []

class _ScratchLearner:
    "The shape of the book's from-scratch Learner: model, dls, loss_func, lr and opt_func as attributes, its own fit."
    def __init__(self, model, dls, loss_func, lr, opt_func=None): self.model, self.dls, self.loss_func, self.lr, self.opt_func = model, dls, loss_func, lr, opt_func

def test_a_learner_without_its_parts_is_one_line():
    from learnkit.bench.learner import learner_parts
    with pytest.raises(LearnkitError, match=r'this _ScratchLearner has no data loaders \(`dls.train`, an iterable of batches\)'):
        learner_parts(_ScratchLearner(abs, _DLs(None), abs, 0.1))
    with pytest.raises(LearnkitError, match=r'has no loss function \(`loss_func`\)'):
        bench_learner(_ScratchLearner(abs, _DLs([1]), None, 0.1), progress=False, log=False)

def test_a_loader_written_from_scratch_changes_by_its_own_settings():
    from learnkit.bench.learner import loader_with, workers_of
    from learnkit.bench.tune import tune_options
    class Loader:
        def __init__(self, ds, bs=4, n_workers=1): self.ds, self.bs, self.n_workers = ds, bs, n_workers
        def __iter__(self): return iter([])
    d = Loader(list(range(10)))
    assert (workers_of(d), workers_of(loader_with(d, num_workers=2)), d.n_workers) == (1, 2, 1)
    opts = [o for o, _, _ in tune_options(_ScratchLearner(abs, _DLs(d), abs, 0.1), '', 'cpu')]
    assert 'n_workers=1' not in opts and 'bs=8' in opts  # never the setting it already has
    assert all(not o.startswith('n_workers=') or int(o.split('=')[1]) > 1 for o in opts)


# --- real fastai learners on the CPU (slow) --------------------------------------------------------------------------

def _learner(model, n=64, bs=16, item_tfm=None, size=8, workers=0):
    "A real fastai Learner on random tensors; `item_tfm` runs per item in the loader."
    import torch
    from fastai.data.core import Datasets, DataLoaders, TfmdDL
    from fastai.learner import Learner
    from fastai.torch_core import set_seed
    set_seed(0)
    xs, ys = torch.randn(n, size), torch.randint(0, 2, (n,))
    items = list(range(n))
    def get_x(i): return (item_tfm or (lambda v: v))(xs[i])
    def get_y(i): return ys[i]
    dsets = Datasets(items, [[get_x], [get_y]], splits=[items[:n*3//4], items[n*3//4:]])
    dls = DataLoaders(TfmdDL(dsets.train, bs=bs, shuffle=True, drop_last=True, num_workers=workers), TfmdDL(dsets.valid, bs=bs, num_workers=0))
    return Learner(dls, model, loss_func=torch.nn.CrossEntropyLoss())

def _sleepy_model(seconds):
    "A model whose step takes `seconds` (a stand-in for a heavy network that no machine's noise can hide)."
    from torch import nn
    class Sleepy(nn.Module):
        def __init__(self): super().__init__(); self.lin = nn.Linear(8, 2)
        def forward(self, x): time.sleep(seconds); return self.lin(x)
    return Sleepy()

def _sleepy_item(seconds):
    def f(v): time.sleep(seconds); return v
    return f

@pytest.mark.timed
@pytest.mark.slow
def test_verdicts_on_real_learners_follow_their_figures(data_dir):
    from torch import nn
    # sleeps long enough that a busy machine's overheads (tens of ms a batch on 2 shared cores) can't move a verdict
    slow_loader = bench_learner(_learner(nn.Linear(8, 2), item_tfm=_sleepy_item(0.02)), batches=3, progress=False, min_time=0.2)
    slow_model = bench_learner(_learner(_sleepy_model(0.05)), batches=3, progress=False, min_time=0.2)
    even = bench_learner(_learner(_sleepy_model(0.256), item_tfm=_sleepy_item(0.016)), batches=3, progress=False, min_time=0.2)
    txt = format_bench([slow_loader, slow_model, even])
    assert [r.bottleneck for r in (slow_loader, slow_model, even)] == ['starved by the dataloader', 'compute-bound', 'balanced'], txt
    assert max(slow_loader.loader_samples) < min(slow_loader.step_samples), txt  # the printed figures say the same
    assert min(slow_model.loader_samples) > max(slow_model.step_samples), txt
    assert 0.5 < even.loader_items_s / even.step_items_s < 2, txt
    for r in (slow_loader, slow_model, even):
        assert len(r.loader_samples) == len(r.step_samples) == len(r.e2e_samples) == 3 and r.step_spread is not None
        assert f'{figure(r, "loader")}' in txt and f'{figure(r, "step")}' in txt

@pytest.mark.slow
def test_record_fields_restore_and_log(data_dir):
    import torch
    from torch import nn
    learn = _learner(nn.Linear(8, 2))
    w = learn.model.weight.detach().clone()
    r = bench_learner(learn, batches=2, workers=(0, 1), progress=False, label='mine', min_time=0.1, repeats=2)
    assert torch.equal(learn.model.weight, w) and learn.opt is None  # the learner is left as it was
    d = r.to_dict()
    assert set(d['workers']) == {'0', '1'} and d['device'] == 'cpu' and d['learner'] == 'fastai' and json.loads(json.dumps(d)) == d
    assert len(d['loader_samples']) == 2 and len(d['e2e_samples']) == 2 and d['repeats'] == 2
    (row,) = bench_rows()
    assert row['chapter'] == 'mine' and row['record']['e2e_items_s'] == d['e2e_items_s']

@pytest.mark.slow
def test_ctrl_c_keeps_what_finished(data_dir):
    from torch import nn
    learn = _learner(nn.Linear(8, 2))
    def stop(rec):
        if rec.loader_items_s and rec.step_items_s is None: raise KeyboardInterrupt
    r = bench_learner(learn, batches=2, progress=False, on_update=stop, min_time=0.05)
    assert r.interrupted and r.loader_items_s > 0 and r.step_items_s is None and r.e2e_items_s is None
    assert bench_rows()[0]['interrupted'] == 1

@pytest.mark.slow
def test_a_from_scratch_learner_is_timed_by_its_parts(data_dir):
    import torch
    class Lin:  # a model written from scratch: not a torch Module
        def __init__(self): self.w, self.b = torch.zeros(8, 2, requires_grad=True), torch.zeros(2, requires_grad=True)
        def parameters(self): return [self.w, self.b]
        def __call__(self, x): time.sleep(0.01); return x @ self.w + self.b
    class SGD:
        def __init__(self, params, lr): self.params, self.lr = list(params), lr
        def step(self):
            with torch.no_grad():
                for p in self.params: p -= p.grad * self.lr; p.grad.zero_()
    class Loader:
        def __init__(self, n): self.xs, self.ys = torch.randn(n, 8), torch.randint(0, 2, (n,))
        def __iter__(self): return ((self.xs[i:i+8], self.ys[i:i+8]) for i in range(0, len(self.xs), 8))
    learn = _ScratchLearner(Lin(), _DLs(Loader(64)), torch.nn.functional.cross_entropy, 0.1, SGD)
    r = bench_learner(learn, batches=3, progress=False, min_time=0.1)
    assert r.error is None and r.learner == 'plain' and r.loader_items_s > 0 and r.step_items_s > 0 and r.e2e_items_s > 0
    assert r.bottleneck == 'compute-bound', format_bench([r])  # 10 ms a step against a loader of slices
    assert 'its own callbacks did not run' in r.note and float(learn.model.w.abs().sum()) == 0.  # weights put back
    assert '[not a fastai Learner]' in format_bench([r])

@pytest.mark.slow
def test_time_dataloader_alone():
    from torch import nn
    learn = _learner(nn.Linear(8, 2))
    r = time_dataloader(learn.dls.train, batches=4, workers=(0,), repeats=2)
    assert r.loader_items_s > 0 and r.step_items_s is None and r.workers.keys() == {'0'} and len(r.loader_samples) == 2

def test_find_pipelines_slices_a_chapter():
    ch = parse_chapter(_nb('#hide\n! [ -e /content ] && pip install -Uqq fastbook\nimport fastbook\nfastbook.setup_book()',
                           '#hide\nfrom fastbook import *', '%matplotlib inline\npath = untar_data(URLs.PETS)/"images"',
                           'unused = 1', 'def get_dls(bs):\n    return ImageDataLoaders.from_name_func(path, get_image_files(path), label_func=lambda x: x[0].isupper(), bs=bs)',
                           'def get_learner(arch):\n    return vision_learner(get_dls(8), arch)', 'dls = get_dls(8)\ndls.show_batch()',
                           'learn = get_learner(resnet18)\nlearn.fine_tune(1)', 'interp = ClassificationInterpretation.from_learner(learn)\ninterp.plot_top_losses(5)',
                           'learn = get_learner(resnet18)\nlearn.lr_find()', 'learn = get_learner(resnet34)\nlearn.fit_one_cycle(1)'))
    ps = find_pipelines(ch)
    assert [len(p.cells) for p in ps] == [2, 1]  # the two resnet18 cells are one pipeline
    code = ps[0].code
    assert 'from fastai.vision.all import *' in code and 'fastbook' not in code and 'pip' not in code and '%' not in code
    assert 'def get_dls' in code and 'def get_learner' in code and 'unused' not in code
    for gone in ('fine_tune', 'show_batch', 'lr_find', 'plot_top_losses', 'Interpretation'): assert gone not in code
    assert ps[0].datasets == ['PETS']

def test_no_pipeline_says_what_it_found():
    with pytest.raises(LearnkitError, match=r"chapter nb has no learner-creating cell to benchmark \(found: no DataLoaders and no learner"):
        find_pipelines(parse_chapter(_nb('x = 1', 'print(x)'), path='nb.ipynb'))

@pytest.mark.slow
def test_subset_picks_the_fraction(tmp_path):
    import pandas as pd
    import fastai.data.transforms as tfms
    from fastai.vision.all import get_image_files
    from learnkit.book.datasets import tiny_dataset
    pets, adult = tiny_dataset('PETS', tmp_path), tiny_dataset('ADULT_SAMPLE', tmp_path)
    n_files, n_rows = len(get_image_files(pets)), len(pd.read_csv(adult/'adult.csv'))
    ns = {}
    p = install_patches(ns, mode='real', subset=0.25, online=False)
    try:
        files = tfms.get_image_files(pets)
        assert len(files) == round(n_files * 0.25) and len(set(files)) == len(files)
        assert len(pd.read_csv(adult/'adult.csv')) == round(n_rows * 0.25)
        assert tfms.get_image_files(pets) == files  # the same subset every time
    finally: p['restore']()
    assert len(get_image_files(pets)) == n_files and len(pd.read_csv(adult/'adult.csv')) == n_rows

@pytest.mark.slow
def test_bench_demo_from_the_command_line(data_dir, capsys):
    from learnkit.cli.main import main
    t0 = time.time()
    code = main(['bench', 'demo', '--tiny', '--batches', '2', '--json'])
    took = time.time() - t0
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out) == 1, out
    r = out[0]
    assert r['chapter'] == 'demo' and r['device'] == 'cpu' and r['error'] is None and r['repeats'] == 3
    assert r['loader_items_s'] > 0 and r['step_items_s'] > 0 and r['e2e_items_s'] > 0 and r['bottleneck']
    assert len(r['e2e_samples']) == 3 and r['e2e_spread'] is not None
    assert took < 180
    (row,) = bench_rows()  # logged once, and read back through bench's own reader
    assert (row['chapter'], row['device'], row['record']['e2e_items_s']) == ('demo', 'cpu', r['e2e_items_s'])

@pytest.mark.slow
def test_failing_slice_names_the_cell_and_cuda_falls_back(tmp_path, data_dir):
    nb = _nb('from fastai.vision.all import *', 'items = list(range(10))\nbad = items[99]',
             'dls = DataLoaders.from_dsets(items, items)\nlearn = Learner(dls, nn.Linear(1, 1))')
    p = tmp_path/'broken.ipynb'
    p.write_text(json.dumps(nb))
    res = bench_chapter(str(p), devices=('cuda',), tiny=True, batches=2, progress=False)
    assert len(res) == 1 and res[0].device == 'cpu' and 'no CUDA GPU' in res[0].note
    assert "('items = list(range(10))') raised IndexError" in res[0].error and res[0].error.startswith('cell ')
    assert 'error:' in format_bench(res)

@pytest.mark.slow
def test_a_cell_that_makes_nothing_to_time_says_which_names_it_bound(tmp_path, data_dir):
    p = tmp_path/'nolearner.ipynb'
    p.write_text(json.dumps(_nb('from fastai.vision.all import *', 'def Learner(*a): return 42', 'learn = Learner(1, 2)')))
    (r,) = bench_chapter(str(p), tiny=True, batches=2, progress=False)
    assert r.error.endswith("ran but made nothing bench can time: no fastai Learner, and none of the names it binds (learn) has data "
                            "loaders (dls.train), a model and a loss (loss_func)"), r.error

@pytest.mark.slow
def test_one_real_chapter(fastbook, data_dir):
    nb = fastbook/'01_intro.ipynb'
    ps = find_pipelines(nb)
    assert len(ps) >= 4 and {'PETS', 'CAMVID_TINY', 'IMDB', 'ML_SAMPLE'} <= {d for p in ps for d in p.datasets}
    collab = next(p for p in ps if 'ML_SAMPLE' in p.datasets)
    res = bench_chapter(nb, tiny=True, batches=2, cells=[collab.cell], progress=False, repeats=2, min_time=0.2)
    assert len(res) == 1 and res[0].error is None, format_bench(res)
    assert res[0].e2e_items_s > 0 and 'ML_SAMPLE (tiny)' in res[0].datasets and res[0].kind == 'collab'

@pytest.mark.timed
@pytest.mark.slow
def test_the_chapter_bar_moves_within_each_pipeline(data_dir):
    log = io.StringIO()
    bench_chapter("demo", tiny=True, batches=2, stream=log)
    lines = log.getvalue().splitlines()
    # the child's own phases come through: which cell, then each measurement, with an estimate once one has finished
    # (the slice's own phase shows only when it lasts longer than the parent's polling: too fast to rely on here)
    assert lines[0].startswith('[') and '1/1 cell ' in lines[0], lines
    assert any("· loader " in l for l in lines) and any("· end to end " in l for l in lines), lines
    assert any(' left' in l for l in lines) and lines[-1].endswith('done'), lines

_IN_KERNEL = """
import time, torch
from fastai.data.core import Datasets, DataLoaders, TfmdDL
from fastai.learner import Learner
from learnkit.bench.chapter import bench_learner
xs, ys = torch.randn(64, 8), torch.randint(0, 2, (64,))
def get_x(i): time.sleep(0.003); return xs[i]
dsets = Datasets(list(range(64)), [[get_x], [lambda i: ys[i]]], splits=[list(range(48)), list(range(48, 64))])
dls = DataLoaders(TfmdDL(dsets.train, bs=8, shuffle=True, drop_last=True, num_workers=0), TfmdDL(dsets.valid, bs=8, num_workers=0))
r = bench_learner(Learner(dls, torch.nn.Linear(8, 2), loss_func=torch.nn.CrossEntropyLoss()), batches=3, min_time=0.3, repeats=2, log=False)
"""

@pytest.mark.slow
def test_the_bar_moves_in_a_notebook(tmp_path):
    "In a real kernel the bar is one output, updated in place while each measurement runs, ending done."
    import os
    from jupyter_client import KernelManager
    km = KernelManager(kernel_name='python3')
    km.start_kernel(cwd=str(tmp_path), env=dict(os.environ, LEARNKIT_DATA_DIR=str(tmp_path/'lk')))
    kc = km.client(); kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        msg_id, shown, updates = kc.execute(_IN_KERNEL), [], []
        while True:
            m = kc.get_iopub_msg(timeout=300)
            if m['parent_header'].get('msg_id') != msg_id: continue
            if m['msg_type'] in ('display_data', 'update_display_data'):
                (shown if m['msg_type'] == 'display_data' else updates).append(m['content']['data'].get('text/html', ''))
            if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle': break
        assert kc.get_shell_msg(timeout=60)['content']['status'] == 'ok'
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)
    assert len(shown) == 1 and '<progress' in shown[0]  # one output...
    assert len(updates) >= 6 and any('· batch ' in u for u in updates), updates  # ...that moves within the phases
    assert 'end to end 2/2' in ''.join(updates) and updates[-1].endswith('done</code></div>'), updates[-1]


@pytest.mark.slow
def test_core_imports_stay_light():
    code = ('import sys, learnkit.bench.chapter, learnkit.book.datasets\n'
            'bad = [m for m in ("torch", "fastai", "IPython", "ipywidgets", "pandas", "matplotlib", "nbformat") if m in sys.modules]\n'
            'print(",".join(bad))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == '', out
