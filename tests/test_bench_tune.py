"--tune: measured advice on real fastai learners (CPU, 2 cores are enough), and the CLI's --tune and --json."
import json, os, time
import pytest
from learnkit.bench import bench_learner, format_bench, worker_counts

pytestmark = pytest.mark.filterwarnings('ignore')

def _learner(model, n=256, bs=16, item_tfm=None, size=8):
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

def _sleepy(v):
    time.sleep(0.01)  # 10 ms of I/O per item: what a worker process hides
    return v

def test_workers_come_out_best_for_a_dataset_that_sleeps(data_dir):
    from torch import nn
    if (os.cpu_count() or 1) < 2: pytest.skip('needs two cores')
    learn = _learner(nn.Linear(8, 2), item_tfm=_sleepy)
    r = bench_learner(learn, batches=4, progress=False, tune=True, min_time=0.2)
    by = {t['option']: t for t in r.tune}
    assert 'num_workers=2' in by and all(t['change'] for t in r.tune), r.tune
    w2 = by['num_workers=2']
    assert w2['speedup'] > 1.5 and w2['loss_ok'] is True and w2['noise'] is not None, format_bench([r])
    best = max((t for t in r.tune if t['speedup']), key=lambda t: t['speedup'])
    assert best['option'].startswith('num_workers='), format_bench([r])
    assert r.suggestion.startswith(f"measured on this machine: {best['option']} made it"), r.suggestion
    d = r.to_dict()
    assert d['tune'] == r.tune and json.loads(json.dumps(d))['tune'][0].keys() >= {'option', 'change', 'speedup', 'noise', 'loss_ok'}

def test_workers_are_not_suggested_for_a_heavy_model(data_dir):
    from torch import nn
    # wide enough that the serial loader's share of each step (S/(L+S)) stays far below the 5% wait limit on any machine
    heavy = nn.Sequential(nn.Linear(8, 1536), *[m for _ in range(3) for m in (nn.ReLU(), nn.Linear(1536, 1536))], nn.ReLU(), nn.Linear(1536, 2))
    learn = _learner(heavy, n=128)
    w = [p.detach().clone() for p in learn.model.parameters()]
    r = bench_learner(learn, batches=3, progress=False, tune=True, min_time=0.2)
    assert r.bottleneck == 'compute-bound', format_bench([r])
    ws = [t for t in r.tune if t['option'].startswith('num_workers=')]
    assert ws and all(t['speedup'] is not None for t in ws)
    assert not r.suggestion.startswith('measured on this machine: num_workers'), format_bench([r])
    assert all(p.equal(q) for p, q in zip(learn.model.parameters(), w))  # the learner is left as it was

def test_worker_counts():
    assert worker_counts(1) == [0] and worker_counts(2) == [0, 2] and worker_counts(8) == [0, 2, 4, 6, 8] and worker_counts(3) == [0, 2, 3]

def test_bench_tune_from_the_command_line(data_dir, capsys):
    from learnkit.cli import main
    code = main(['bench', 'demo', '--tiny', '--batches', '2', '--tune', '--json'])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out) == 1 and out[0]['error'] is None, out
    tune = out[0]['tune']
    assert tune and {'option', 'change', 'speedup', 'noise', 'loss_ok'} <= set(tune[0])
    assert any(t['option'].startswith('num_workers=') for t in tune) and any(t['option'].startswith('bs=') for t in tune)
    assert out[0]['suggestion'].startswith(('measured on this machine', 'none of the measured changes'))
