"""How much does learnkit.bench.chapter add over a hand-written loop, does it judge pipelines right, and what does --tune cost?

Run: python benchmarks/bench_pipeline.py [--tune-only]
Prints the harness overhead against a hand-written loop timing the same dataloader in the same run
(target: at most 2%), the verdicts on a starved and a compute-bound pipeline, and for `tune=True`: the wall time it
adds to a benchmark, the time each tuning option costs.
"""
import statistics, sys, time, warnings
warnings.filterwarnings('ignore')
sys.path.insert(0, 'tests')
from test_bench import _learner
from learnkit.bench.chapter import time_dataloader, bench_learner, format_bench, tune_learner

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

def _sleepy(v):
    time.sleep(0.01)  # 10 ms of I/O per item
    return v

def tune_cost(batches=4, min_time=0.5):
    "Wall time of bench_learner with and without tune=True on a starved and a compute-bound pipeline, and per option."
    from torch import nn
    heavy = lambda: nn.Sequential(nn.Linear(8, 768), *[m for _ in range(3) for m in (nn.ReLU(), nn.Linear(768, 768))], nn.ReLU(), nn.Linear(768, 2))
    bench_learner(_learner(nn.Linear(8, 2), n=64), batches=2, progress=False, log=False, min_time=0.1, tune=True)  # warm-up: imports, first fork
    for name, make in (('starved (10 ms/item, Linear)', lambda: _learner(nn.Linear(8, 2), n=256, item_tfm=_sleepy)),
                       ('compute-bound (4x768 MLP)', lambda: _learner(heavy(), n=128))):
        t0 = time.perf_counter(); plain = bench_learner(make(), batches=batches, progress=False, log=False, min_time=min_time)
        t_plain = time.perf_counter() - t0
        t0 = time.perf_counter(); tuned = bench_learner(make(), batches=batches, progress=False, log=False, min_time=min_time, tune=True)
        t_tuned = time.perf_counter() - t0
        opts = [t for t in tuned.tune]
        measured = sum(t['seconds'] or 0 for t in opts)
        print(f'{name}: bench {t_plain:.1f} s, with --tune {t_tuned:.1f} s (+{t_tuned - t_plain:.1f} s for {len(opts)} options '
              f'and {len([t for t in opts if t["speedup"]]) + 1} untouched runs); per option: ' + ', '.join(f"{t['option']} {t['seconds']:.1f} s" for t in opts))
        print(f'  measured: ' + ', '.join(f"{t['option']} {t['speedup']:.2f}x" for t in opts if t['speedup']) +
              f"; noise {opts[0]['noise']:.1%}; suggestion: {tuned.suggestion[:100]}")

def main(rounds=7, batches=20):
    from torch import nn
    def tfm(v): time.sleep(0.002); return v  # a steady 2 ms per item, so the loader dominates and noise is small
    learn = _learner(nn.Linear(8, 2), n=256, bs=32, item_tfm=tfm)
    dl = learn.dls.train
    hand, ours, hand2 = [], [], []
    for _ in range(rounds):  # interleaved (A B A), so all see the same machine load
        hand.append(hand_loop(dl, batches))
        ours.append(time_dataloader(dl, batches=batches, workers=(None,)).loader_items_s)
        hand2.append(hand_loop(dl, batches))
    h, o, h2 = statistics.median(hand + hand2), statistics.median(ours), statistics.median(hand2)
    noise = 100 * abs(statistics.median(hand) / h2 - 1)
    print(f'dataloader items/s: hand-written loop {h:.1f}, learnkit.bench.chapter {o:.1f}; harness overhead {100*(h/o-1):+.2f}% '
          f'(target <= 2%); noise floor (hand loop vs itself) {noise:.2f}%')
    slow = bench_learner(_learner(nn.Linear(8, 2), item_tfm=lambda v: (time.sleep(0.01), v)[1]), batches=3, progress=False, log=False)
    heavy = nn.Sequential(nn.Linear(8, 1536), *[m for _ in range(3) for m in (nn.ReLU(), nn.Linear(1536, 1536))], nn.ReLU(), nn.Linear(1536, 2))
    fast = bench_learner(_learner(heavy), batches=3, progress=False, log=False)
    print(f'slow item transform -> {slow.bottleneck}; heavy model on trivial data -> {fast.bottleneck}')
    print(format_bench([slow, fast]))

if __name__ == '__main__':
    if '--tune-only' not in sys.argv: main()
    tune_cost()
