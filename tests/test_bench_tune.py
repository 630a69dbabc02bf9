"--tune: measured advice on real fastai learners (CPU, 2 cores are enough), and the CLI's --tune and --json; the rules on plain numbers."
import json, os, time
import pytest
from learnkit.bench.chapter import bench_learner, format_bench, worker_counts, TuneRecord
from learnkit.bench.tune import _score
from test_bench import _learner  # one tiny real Learner for every bench test

pytestmark = [pytest.mark.filterwarnings('ignore'), pytest.mark.timed]


def test_worker_counts_sweep_above_the_loaders_own_up_to_the_cores():
    assert [worker_counts(0, c) for c in (1, 2, 6, 16)] == [[1], [1, 2], [1, 2, 4, 6], [1, 2, 4, 8, 16]]
    assert worker_counts(2, 2) == [] and worker_counts(3, 16) == [4, 8, 16] and worker_counts(None, 4) == [1, 2, 4]

def test_each_change_is_scored_against_the_untouched_runs_around_it():
    base = [dict(items_s=100., loss=0.5, loss_sd=0.01), dict(items_s=50., loss=0.51, loss_sd=0.01), dict(items_s=100., loss=0.49, loss_sd=0.01)]
    # the machine slowed down in round 2: the change's second run is compared with the slow untouched runs beside it
    runs = {0: [(0, dict(items_s=150., loss=0.5)), (1, dict(items_s=150., loss=0.5))],
            1: [(0, dict(items_s=100., loss=float('nan')))], 2: []}
    a, b, c = _score([TuneRecord('num_workers=2', 'x'), TuneRecord('bs=32', 'y'), TuneRecord('pin', 'z')], runs, base)
    assert (a.samples, a.low, a.high, a.helped) == ([2.0, 2.0], 2.0, 2.0, True)
    assert b.loss_ok is False and not b.helped  # NaN loss: training broke, never suggested
    assert c.speedup is None

@pytest.mark.slow
def test_workers_come_out_best_for_a_dataset_that_sleeps(data_dir):
    from torch import nn
    if (os.cpu_count() or 1) < 2: pytest.skip('needs two cores')
    def sleepy(v): time.sleep(0.02); return v  # 20 ms of I/O per item: what a worker process hides
    learn = _learner(nn.Linear(8, 2), n=256, item_tfm=sleepy)
    r = bench_learner(learn, batches=4, progress=False, tune=True, min_time=0.2)
    by = {t['option']: t for t in r.tune}
    assert 'num_workers=0' not in by and 'num_workers=1' in by and 'num_workers=2' in by, r.tune  # above the loader's own 0
    assert all(t['change'] for t in r.tune)
    workers = [t for t in r.tune if t['option'].startswith('num_workers=') and t['speedup']]
    # a worker count beyond its own noise: faster in each of its 3 repeats by more than 5%, with training intact
    assert any(len(t['samples']) == 3 and t['low'] > 1.05 and t['loss_ok'] is True for t in workers), format_bench([r])
    best = max((t for t in r.tune if t['speedup'] and t['low'] > 1.05 and t['loss_ok'] is not False), key=lambda t: t['speedup'])
    assert r.suggestion.startswith(f"measured on this machine: {best['option']} "), r.suggestion
    d = r.to_dict()
    assert d['tune'] == r.tune and json.loads(json.dumps(d))['tune'][0].keys() >= {'option', 'change', 'speedup', 'low', 'high', 'samples', 'loss_ok'}

@pytest.mark.slow
def test_no_worker_option_repeats_the_count_the_loader_has(data_dir):
    from torch import nn
    from learnkit.bench.tune import tune_options
    learn = _learner(nn.Linear(8, 2), workers=2)
    opts = [o for o, _, _ in tune_options(learn, '', 'cpu')]
    assert not any(o in opts for o in ('num_workers=0', 'num_workers=1', 'num_workers=2')) and 'bs=32' in opts

@pytest.mark.slow
def test_workers_are_not_suggested_for_a_heavy_model(data_dir):
    from torch import nn
    class Heavy(nn.Module):  # a step no loader can keep waiting: 40 ms
        def __init__(self): super().__init__(); self.lin = nn.Linear(8, 2)
        def forward(self, x): time.sleep(0.04); return self.lin(x)
    learn = _learner(Heavy(), n=128)
    w = [p.detach().clone() for p in learn.model.parameters()]
    r = bench_learner(learn, batches=3, progress=False, tune=True, min_time=0.2)
    assert r.bottleneck == 'compute-bound', format_bench([r])
    ws = [t for t in r.tune if t['option'].startswith('num_workers=')]
    assert ws and all(t['speedup'] is not None and len(t['samples']) == 3 for t in ws)
    assert not r.suggestion.startswith('measured on this machine: num_workers'), format_bench([r])
    assert all(p.equal(q) for p, q in zip(learn.model.parameters(), w))  # the learner is left as it was

@pytest.mark.slow
def test_bench_tune_from_the_command_line(data_dir, capsys):
    from learnkit.cli.main import main
    code = main(['bench', 'demo', '--tiny', '--batches', '2', '--repeats', '2', '--tune', '--json'])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out) == 1 and out[0]['error'] is None, out
    tune = out[0]['tune']
    assert tune and {'option', 'change', 'speedup', 'low', 'high', 'samples', 'loss_ok'} <= set(tune[0])
    assert any(t['option'].startswith('bs=') for t in tune)
    assert all(len(t['samples']) == 2 for t in tune if t['speedup'] is not None)
    assert out[0]['suggestion'].startswith(('measured on this machine', 'none of the measured changes'))

@pytest.mark.slow
def test_vision_pipelines_measure_presize_and_batch_augmentation(data_dir):
    "A vision loader gets the two vision options, each measured end to end and named by the line that makes it."
    from fastai.vision.all import (DataBlock, ImageBlock, CategoryBlock, get_image_files, parent_label, RandomSplitter, Resize,
                                   RandomResizedCrop, FlipItem, aug_transforms, Learner, error_rate)
    from torch import nn
    from learnkit.book.datasets import demo_data
    p = demo_data(data_dir/'stripes')
    def learner(item_tfms):
        dls = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, get_y=parent_label, splitter=RandomSplitter(seed=0),
                        item_tfms=item_tfms, batch_tfms=aug_transforms(size=24)).dataloaders(p, bs=8, num_workers=0)
        return Learner(dls, nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2)), metrics=error_rate)
    r = bench_learner(learner([RandomResizedCrop(28, min_scale=0.5), FlipItem()]), batches=3, progress=False, tune=True, min_time=0.1, repeats=2)
    by = {t['option']: t for t in r.tune}
    aug = by['augment on the batch']
    assert aug['speedup'] is not None and aug['change'].startswith('item_tfms=Resize(28), batch_tfms=[RandomResizedCropGPU(28'), r.tune
    r = bench_learner(learner(Resize(40)), batches=3, progress=False, tune=True, min_time=0.1, repeats=2)
    by = {t['option']: t for t in r.tune}
    assert 'augment on the batch' not in by  # nothing random per item to move
    pre = by['presize 40->30']
    assert pre['speedup'] is not None and pre['change'].startswith('item_tfms=Resize(30)') and pre['loss_ok'] is not None, r.tune
