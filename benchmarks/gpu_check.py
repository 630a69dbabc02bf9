"""Everything in learnkit that needs CUDA, in one run of at most 8 minutes on one GPU, written as a markdown table.

Run from anywhere: `python benchmarks/gpu_check.py [--out PATH] [--chapters 04,08] [--budget 480]`; the table goes to
`--out`, by default `gpu_check.md` next to this script (never into the folder it was run from).

1. `%%timeit_log --device cuda` against `torch.utils.benchmark.Timer` on the same statements (target: within 5%).
2. Unsynchronised against synchronised timing of the same CUDA work: why learnkit waits for the GPU.
3. `learnkit bench --tune --device cuda` in tiny mode on the demo chapter and two fastbook chapters (LEARNKIT_FASTBOOK
   or ../shared/fastbook), with MFU and the peak it was computed against, each figure with its spread.

Without a CUDA GPU every CUDA part is skipped with its reason and the script still runs (and exits 0), so it can be
checked on a CPU machine. Each part has a share of the time budget; a part that would overrun it is cut short and
says so. The table goes into benchmarks/README.md.
"""
import argparse, json, os, statistics, sys, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STATEMENTS = [  # (label, setup, statement): small and large kernels, one launch and many
    ('matmul 4096', "x = torch.randn(4096, 4096, device='cuda')", 'y = x @ x'),
    ('10 matmuls 2048', "x = torch.randn(2048, 2048, device='cuda')", 'for _ in range(10): y = x @ x'),
    ('conv 64x64x128', "c = torch.nn.Conv2d(128, 128, 3, padding=1).cuda(); a = torch.randn(64, 128, 64, 64, device='cuda')", 'y = c(a)'),
    ('small add', "v = torch.randn(1024, device='cuda')", 'w = v + 1'),
]

def cuda_reason():
    "None when a CUDA GPU is usable, else why not."
    try: import torch
    except ImportError: return 'torch is not installed'
    if not torch.cuda.is_available(): return 'no CUDA GPU is available (torch.cuda.is_available() is False)'
    return None

def shell():
    from IPython.testing.globalipapp import start_ipython
    ip = start_ipython()
    ip.run_line_magic('load_ext', 'learnkit')
    ip.run_line_magic('config', f"LearnkitMagics.data_dir = {str(Path(os.environ.get('TMPDIR', '/tmp'))/'lk-gpu-check')!r}")
    ip.run_cell('import torch')
    return ip

def timer_vs_timeit_log(ip, deadline):
    import torch
    from torch.utils.benchmark import Timer
    rows = []
    for label, setup, stmt in STATEMENTS:
        if time.time() > deadline: rows.append((label, 'skipped: time budget spent', '', '', '')); continue
        ip.run_cell(setup)
        ours = ip.run_cell_magic('timeit_log', '-o -q --no-log --device cuda', stmt + '\n')
        glob = {k: ip.user_ns[k] for k in ('x', 'c', 'a', 'v') if k in ip.user_ns}
        ref = Timer(stmt, globals=glob, num_threads=torch.get_num_threads()).blocked_autorange(min_run_time=1).median
        ratio = ours.median / ref
        rows.append((label, f'{ours.median*1e3:.4g} ms', f'{ref*1e3:.4g} ms', f'{ratio:.3f}', 'PASS' if abs(ratio - 1) <= 0.05 else 'MISS'))
    return rows

def sync_vs_nosync(ip):
    ip.run_cell("x = torch.randn(4096, 4096, device='cuda')")
    synced = ip.run_cell_magic('timeit_log', '-o -q --no-log --device cuda -n 10 -r 5', 'for _ in range(10): y = x @ x\n')
    naive = ip.run_cell_magic('timeit_log', '-o -q --no-log --device cpu -n 10 -r 5', 'for _ in range(10): y = x @ x\n')
    import torch; torch.cuda.synchronize()
    return [('10 matmuls 4096, synchronised (learnkit --device cuda)', f'{synced.median*1e3:.4g} ms'),
            ('same, unsynchronised (a CPU clock, as plain %timeit)', f'{naive.median*1e3:.4g} ms'),
            ('unsynchronised / synchronised', f'{naive.median/synced.median:.3f} (below 1: the CPU clock misses queued kernels)'),
            ('GPU time from CUDA events', f'{statistics.median(synced.device_timings or [0])*1e3:.4g} ms')]

def bench_table(chapters, deadline, device):
    from learnkit.bench.chapter import bench_chapter
    rows = []
    for ch in chapters:
        left = deadline - time.time()
        if left < 30: rows.append((ch, 'skipped: time budget spent') + ('',)*6); continue
        t0 = time.time()
        from learnkit.bench.render import figure
        try: res = bench_chapter(ch, devices=(device,), tiny=True, batches=5, progress=False, tune=True, timeout=left)
        except Exception as e: rows.append((ch, f'error: {e}') + ('',)*6); continue  # a chapter's failure is a row of the table
        for r in res:
            tuned = ', '.join(f"{t['option']} {t['speedup']:.2f}x ({t['low']:.2f}-{t['high']:.2f}x)" for t in r.tune if t.get('speedup')) or '-'
            mfu = f'{r.mfu:.1%} of {r.mfu_peak}' if r.mfu is not None else (r.note.split('no MFU: ')[1].split(';')[0] if 'no MFU' in r.note else '-')
            rows.append((f'{ch} {r.cell}', r.kind or '-', figure(r, 'e2e') if r.e2e_items_s else (r.error or '-')[:60],
                         (r.bottleneck or '-') + (' (busy machine)' if r.busy else ''), mfu, tuned, (r.suggestion or '')[:90], f'{time.time()-t0:.0f} s'))
    return rows

def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    out += ['| ' + ' | '.join(str(c).replace('|', '\\|') for c in r) + ' |' for r in rows]
    return '\n'.join(out)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(Path(__file__).resolve().parent/'gpu_check.md'), help='where the table goes (default: next to this script)')
    ap.add_argument('--chapters', default='04,08', help='fastbook chapters to bench besides the demo')
    ap.add_argument('--budget', type=float, default=480, help='seconds for the whole run (8 minutes)')
    a = ap.parse_args(argv)
    t0 = time.time()
    deadline = t0 + a.budget
    why = cuda_reason()
    parts = [f'# learnkit GPU check\n\nmachine: {os.uname().nodename}, {os.cpu_count()} CPUs; started {time.strftime("%Y-%m-%d %H:%M:%S")}']
    if why:
        parts.append(f'\nAll CUDA parts skipped: {why}.\n')
        parts.append(table(['part', 'result'], [('%%timeit_log vs torch Timer', f'skipped: {why}'),
                                                ('unsynchronised vs synchronised', f'skipped: {why}'),
                                                ('bench --tune --device cuda (demo + chapters)', f'skipped: {why}'),
                                                ('MFU', f'skipped: {why}')]))
    else:
        import torch
        parts.append(f'GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}\n')
        ip = shell()
        parts.append('## %%timeit_log against torch.utils.benchmark.Timer (target: within 5%)\n')
        parts.append(table(['statement', '%%timeit_log median', 'torch Timer median', 'ratio', 'target'],
                           timer_vs_timeit_log(ip, t0 + 0.25*a.budget)))
        parts.append('\n## Why learnkit synchronises\n')
        parts.append(table(['measurement', 'per loop'], sync_vs_nosync(ip)))
        fb = Path(os.environ.get('LEARNKIT_FASTBOOK') or ROOT.parent/'shared'/'fastbook')
        chapters = ['demo'] + [str(p) for c in a.chapters.split(',') if c.strip() for p in sorted(fb.glob(f'{c.strip()}_*.ipynb'))[:1]]
        parts.append('\n## learnkit bench --tune --device cuda, tiny mode\n')
        parts.append(table(['pipeline', 'kind', 'E items/s', 'bottleneck', 'MFU (peak used)', 'measured changes', 'suggestion', 'wall'],
                           bench_table(chapters, deadline - 5, 'cuda')))
    parts.append(f'\nwall time: {time.time()-t0:.0f} s (budget {a.budget:.0f} s)')
    md = '\n'.join(parts) + '\n'
    from learnkit.base.files import atomic_write
    atomic_write(a.out, md)
    print(md)
    return 0

if __name__ == '__main__': sys.exit(main())
