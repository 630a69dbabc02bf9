"""learnkit bench measured against itself: harness overhead, verdicts, the spread of every figure over repeated runs,
what --tune costs, and the scaling efficiency of --processes 2 on the CPU.

Run: python benchmarks/bench_pipeline.py [--parts overhead,verdicts,spread,tune,processes] [--runs 5]

- overhead: learnkit's loader timing against a hand-written loop over the same dataloader, interleaved (target <= 2%).
- verdicts: a starved, a compute-bound and a balanced pipeline (sleeps in the item transform and the model), each
  figure with its spread.
- spread: `--runs` benchmarks of the same pipelines, in one process (bench_learner) and in fresh processes
  (bench_chapter on the demo chapter): per figure, the median over runs, the range over runs, and the median of the
  spread each run reported (does a run's own ± cover what the next run measures?).
- tune: the wall time --tune adds, per option.
- processes: `bench_chapter('demo', processes=2)` on the CPU: E of 2 processes together against 1, with its range.
"""
import argparse, statistics, sys, time, warnings
warnings.filterwarnings('ignore')
sys.path.insert(0, 'tests')
from test_bench import _learner, _sleepy_item, _sleepy_model
from learnkit.bench.chapter import bench_chapter, bench_learner, format_bench, time_dataloader, spread
from learnkit.bench.render import scaling_text

def hand_loop(dl, batches):
    "Items/s over `batches` batches after the first of each pass: what a learner would write by hand."
    took, items, n = 0., 0, 0
    while n < batches:
        prev = None
        for b in dl:
            now = time.perf_counter()
            if prev is not None: took += now - prev; items += len(b[0]); n += 1
            prev = now
            if n >= batches: break
    return items / took

def overhead(rounds=7, batches=20):
    from torch import nn
    learn = _learner(nn.Linear(8, 2), n=256, bs=32, item_tfm=_sleepy_item(0.002))  # a steady 2 ms per item: small noise
    dl = learn.dls.train
    hand, ours, hand2 = [], [], []
    for _ in range(rounds):  # interleaved (A B A), so all see the same machine load
        hand.append(hand_loop(dl, batches))
        ours.append(time_dataloader(dl, batches=batches).loader_items_s)
        hand2.append(hand_loop(dl, batches))
    h, o = statistics.median(hand + hand2), statistics.median(ours)
    noise = 100 * abs(statistics.median(hand) / statistics.median(hand2) - 1)
    print(f'dataloader items/s: hand-written loop {h:.1f}, learnkit {o:.1f}; harness overhead {100*(h/o-1):+.2f}% (target <= 2%); '
          f'noise floor (hand loop against itself) {noise:.2f}%')

def pipelines():
    from torch import nn
    return {'starved (20 ms/item, Linear)': lambda: _learner(nn.Linear(8, 2), item_tfm=_sleepy_item(0.02)),
            'compute-bound (50 ms step)': lambda: _learner(_sleepy_model(0.05)),
            'balanced (16 ms/item, 256 ms step)': lambda: _learner(_sleepy_model(0.256), item_tfm=_sleepy_item(0.016)),
            'tiny real (Linear on tensors)': lambda: _learner(nn.Linear(8, 2))}

def verdicts():
    rs = []
    for name, make in pipelines().items():
        r = bench_learner(make(), batches=3, progress=False, log=False, min_time=0.2)
        r.chapter = name[:16]
        print(f'{name}: {r.bottleneck}{" (busy machine: " + r.busy + ")" if r.busy else ""}')
        rs.append(r)
    print(format_bench(rs))

def _row(name, recs):
    out = []
    for part in ('loader', 'step', 'e2e'):
        meds = [getattr(r, f'{part}_items_s') for r in recs if getattr(r, f'{part}_items_s')]
        own = [getattr(r, f'{part}_spread') for r in recs if getattr(r, f'{part}_spread') is not None]
        if not meds: continue
        across = spread(meds) or 0.
        out.append(f'{part} {statistics.median(meds):,.1f}/s, range over runs {across:.0%}, own spread (median) '
                   f'{statistics.median(own) if own else 0:.0%}')
    busy = sum(bool(r.busy) for r in recs)
    print(f'| {name} | {len(recs)} | ' + ' | '.join(out) + f' | {busy} of {len(recs)} |')

def spreads(runs=5):
    print('| pipeline | runs | loader | step | end to end | flagged busy |\n|---|---|---|---|---|---|')
    for name, make in pipelines().items():
        _row(name + ', in process', [bench_learner(make(), batches=3, progress=False, log=False, min_time=0.2) for _ in range(runs)])
    recs = []
    for _ in range(runs): recs += bench_chapter('demo', tiny=True, batches=3, progress=False)
    _row('demo chapter, fresh process each', recs)

def tune_cost(batches=4, min_time=0.5):
    from torch import nn
    for name, make in (('starved (10 ms/item, Linear)', lambda: _learner(nn.Linear(8, 2), n=256, item_tfm=_sleepy_item(0.01))),
                       ('compute-bound (40 ms step)', lambda: _learner(_sleepy_model(0.04), n=128))):
        t0 = time.perf_counter(); bench_learner(make(), batches=batches, progress=False, log=False, min_time=min_time)
        t_plain = time.perf_counter() - t0
        t0 = time.perf_counter(); tuned = bench_learner(make(), batches=batches, progress=False, log=False, min_time=min_time, tune=True)
        t_tuned = time.perf_counter() - t0
        print(f'{name}: bench {t_plain:.1f} s, with --tune {t_tuned:.1f} s (+{t_tuned - t_plain:.1f} s for {len(tuned.tune)} options x 3 '
              'repeats and 4 untouched runs); per option: ' + ', '.join(f"{t['option']} {t['seconds']:.1f} s" for t in tuned.tune))
        print('  measured: ' + ', '.join(f"{t['option']} {t['speedup']:.2f}x ({t['low']:.2f}-{t['high']:.2f}x)" for t in tuned.tune if t['speedup'])
              + f'; suggestion: {tuned.suggestion[:110]}')

def processes(runs=3):
    for k in range(runs):
        t0 = time.perf_counter()
        (r,) = bench_chapter('demo', tiny=True, batches=3, progress=False, processes=2)
        print(f'run {k+1}: {scaling_text(r) or r.note} ({time.perf_counter() - t0:.0f} s{", busy machine: " + r.busy if r.busy else ""})')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--parts', default='overhead,verdicts,spread,tune,processes')
    ap.add_argument('--runs', type=int, default=5)
    a = ap.parse_args()
    for part in a.parts.split(','):
        print(f'\n## {part}\n', flush=True)
        t0 = time.perf_counter()
        dict(overhead=overhead, verdicts=verdicts, spread=lambda: spreads(a.runs), tune=tune_cost, processes=lambda: processes(min(a.runs, 3)))[part]()
        print(f'({part}: {time.perf_counter() - t0:.0f} s)', flush=True)
