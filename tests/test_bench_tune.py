"--tune: measured advice on real fastai learners (CPU, 2 cores are enough), and the CLI's --tune and --json."
import json, os, time
import pytest
from learnkit.bench.chapter import bench_learner, format_bench, worker_counts
from test_bench import _learner  # one tiny real Learner for every bench test

pytestmark = pytest.mark.filterwarnings('ignore')


def _sleepy(v):
    time.sleep(0.01)  # 10 ms of I/O per item: what a worker process hides
    return v

def test_workers_come_out_best_for_a_dataset_that_sleeps(data_dir):
    from torch import nn
    if (os.cpu_count() or 1) < 2: pytest.skip('needs two cores')
    learn = _learner(nn.Linear(8, 2), n=256, item_tfm=_sleepy)
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
    from learnkit.cli.main import main
    code = main(['bench', 'demo', '--tiny', '--batches', '2', '--tune', '--json'])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out) == 1 and out[0]['error'] is None, out
    tune = out[0]['tune']
    assert tune and {'option', 'change', 'speedup', 'noise', 'loss_ok'} <= set(tune[0])
    assert any(t['option'].startswith('num_workers=') for t in tune) and any(t['option'].startswith('bs=') for t in tune)
    assert out[0]['suggestion'].startswith(('measured on this machine', 'none of the measured changes'))

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
    r = bench_learner(learner([RandomResizedCrop(28, min_scale=0.5), FlipItem()]), batches=3, progress=False, tune=True, min_time=0.1)
    by = {t['option']: t for t in r.tune}
    aug = by['augment on the batch']
    assert aug['speedup'] is not None and aug['change'].startswith('item_tfms=Resize(28), batch_tfms=[RandomResizedCropGPU(28'), r.tune
    r = bench_learner(learner(Resize(40)), batches=3, progress=False, tune=True, min_time=0.1)
    by = {t['option']: t for t in r.tune}
    assert 'augment on the batch' not in by  # nothing random per item to move
    pre = by['presize 40->30']
    assert pre['speedup'] is not None and pre['change'].startswith('item_tfms=Resize(30)') and pre['loss_ok'] is not None, r.tune
