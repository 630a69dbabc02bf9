"learnkit bench: real fastai learners on CPU, real subprocesses, a real SQLite store."
import json, subprocess, sys, time
import pytest
from learnkit.base.core import LearnkitError
from learnkit.bench.chapter import (bench_learner, bench_chapter, find_pipelines, format_bench, install_patches, time_dataloader,
                            BenchRecord)
from learnkit.book.chapters import parse_chapter

pytestmark = pytest.mark.filterwarnings('ignore')

def _nb(*srcs):
    return dict(nbformat=4, nbformat_minor=4, metadata={}, cells=[dict(cell_type='code', source=s, metadata={}, outputs=[]) for s in srcs])

def _learner(model, n=64, bs=16, item_tfm=None, size=8):
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
    dls = DataLoaders(TfmdDL(dsets.train, bs=bs, shuffle=True, drop_last=True, num_workers=0), TfmdDL(dsets.valid, bs=bs, num_workers=0))
    return Learner(dls, model, loss_func=torch.nn.CrossEntropyLoss())

def test_slow_item_transform_is_starved():
    from torch import nn
    def slow(v): time.sleep(0.01); return v  # 10 ms per item: 160 ms per batch of 16
    learn = _learner(nn.Linear(8, 2), item_tfm=slow)
    r = bench_learner(learn, batches=3, progress=False)
    assert r.bottleneck == 'starved by the dataloader', format_bench([r])
    assert r.loader_items_s < 150 and r.loader_items_s < r.step_items_s
    assert 'workers' in r.suggestion

def test_heavy_model_on_trivial_data_is_compute_bound():
    from torch import nn
    heavy = nn.Sequential(nn.Linear(8, 1536), *[m for _ in range(3) for m in (nn.ReLU(), nn.Linear(1536, 1536))], nn.ReLU(), nn.Linear(1536, 2))
    learn = _learner(heavy)
    r = bench_learner(learn, batches=3, progress=False)
    assert r.bottleneck == 'compute-bound', format_bench([r])
    assert r.step_items_s < r.loader_items_s and r.flops_per_step > 6 * 16 * 3 * 1536**2 * 0.9

def test_record_fields_restore_and_log(data_dir):
    import torch
    from torch import nn
    from learnkit.store.db import get_store
    learn = _learner(nn.Linear(8, 2))
    w = learn.model.weight.detach().clone()
    r = bench_learner(learn, batches=2, workers=(0, 1), progress=False, label='mine')
    assert torch.equal(learn.model.weight, w) and learn.opt is None  # the learner is left as it was
    d = r.to_dict()
    for k in ('chapter', 'cell', 'device', 'loader_items_s', 'step_items_s', 'e2e_items_s', 'efficiency', 'bottleneck',
              'flops_per_step', 'mfu', 'workers', 'note', 'interrupted', 'error'):
        assert k in d
    assert set(d['workers']) == {'0', '1'} and d['device'] == 'cpu' and json.loads(json.dumps(d)) == d
    rows = get_store().rows('benchmarks')
    assert len(rows) == 1 and rows[0]['chapter'] == 'mine' and json.loads(rows[0]['record'])['e2e_items_s'] == d['e2e_items_s']

def test_ctrl_c_keeps_what_finished(data_dir):
    from torch import nn
    from learnkit.store.db import get_store
    learn = _learner(nn.Linear(8, 2))
    def stop(rec):
        if rec.loader_items_s and rec.step_items_s is None: raise KeyboardInterrupt
    r = bench_learner(learn, batches=2, progress=False, on_update=stop)
    assert r.interrupted and r.loader_items_s > 0 and r.step_items_s is None and r.e2e_items_s is None
    assert get_store().rows('benchmarks')[0]['interrupted'] == 1

def test_time_dataloader_alone():
    from torch import nn
    learn = _learner(nn.Linear(8, 2))
    r = time_dataloader(learn.dls.train, batches=4, workers=(0,))
    assert r.loader_items_s > 0 and r.step_items_s is None and r.workers.keys() == {'0'}

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

def test_bench_demo_from_the_command_line(data_dir, capsys):
    from learnkit.cli.main import main
    from learnkit.store.db import get_store
    t0 = time.time()
    code = main(['bench', 'demo', '--tiny', '--batches', '2', '--json'])
    took = time.time() - t0
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out) == 1, out
    r = out[0]
    assert r['chapter'] == 'demo' and r['device'] == 'cpu' and r['error'] is None
    assert r['loader_items_s'] > 0 and r['step_items_s'] > 0 and r['e2e_items_s'] > 0 and r['bottleneck']
    assert took < 120
    rows = get_store().rows('benchmarks')
    assert [(x['chapter'], x['device']) for x in rows] == [('demo', 'cpu')]
    try: from learnkit.timing.measure import log_rows
    except ImportError: return
    assert any(x.get('chapter') == 'demo' or 'demo' in json.dumps(x, default=str) for x in log_rows(kind='bench'))

def test_failing_slice_names_the_cell_and_cuda_falls_back(tmp_path, data_dir):
    import nbformat
    nb = _nb('from fastai.vision.all import *', 'items = list(range(10))\nbad = items[99]',
             'dls = DataLoaders.from_dsets(items, items)\nlearn = Learner(dls, nn.Linear(1, 1))')
    p = tmp_path/'broken.ipynb'
    p.write_text(json.dumps(nb))
    res = bench_chapter(str(p), devices=('cuda',), tiny=True, batches=2, progress=False)
    assert len(res) == 1 and res[0].device == 'cpu' and 'no CUDA GPU' in res[0].note
    assert "('items = list(range(10))') raised IndexError" in res[0].error and res[0].error.startswith('cell ')
    assert 'error:' in format_bench(res)

def test_one_real_chapter(fastbook, data_dir):
    nb = fastbook/'01_intro.ipynb'
    ps = find_pipelines(nb)
    assert len(ps) >= 4 and {'PETS', 'CAMVID_TINY', 'IMDB', 'ML_SAMPLE'} <= {d for p in ps for d in p.datasets}
    collab = next(p for p in ps if 'ML_SAMPLE' in p.datasets)
    res = bench_chapter(nb, tiny=True, batches=2, cells=[collab.cell], progress=False)
    assert len(res) == 1 and res[0].error is None, format_bench(res)
    assert res[0].e2e_items_s > 0 and 'ML_SAMPLE (tiny)' in res[0].datasets

def test_core_imports_stay_light():
    code = ('import sys, learnkit.bench.chapter, learnkit.book.datasets\n'
            'bad = [m for m in ("torch", "fastai", "IPython", "ipywidgets", "pandas", "matplotlib", "nbformat") if m in sys.modules]\n'
            'print(",".join(bad))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == '', out

def test_efficiency_above_one_is_flagged_only_beyond_the_step_noise():
    from learnkit.bench.record import BenchRecord, judge
    steady = judge(BenchRecord(device='cpu', loader_items_s=1000., step_items_s=100., e2e_items_s=105., step_noise=0.1))
    assert round(steady.efficiency, 2) == 1.05 and 'above 1' not in (steady.note or '')
    busy = judge(BenchRecord(device='cpu', loader_items_s=1000., step_items_s=100., e2e_items_s=130., step_noise=0.1))
    assert 'efficiency 1.30 is above 1 by more than' in busy.note and '±10%' in busy.note
