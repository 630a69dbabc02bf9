"""Run the notebooks in nbs/ in a real kernel and store their outputs, so a reader sees the value each example shows.

Usage: python tools/store_outputs.py [nbs/05_compare.ipynb ...]   (default: every notebook in nbs/)

Cells flagged `#| eval: false`, or with a test flag from settings.ini's `tst_flags` (`#| slow`, `#| cuda`), are not
run: their stored outputs are cleared, as `nbdev_test` would skip them. The notebook is rewritten only when every cell
that runs succeeds, and atomically, so a failing example never leaves a half-run notebook behind.
"""
import configparser, os, re, sys, tempfile
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
FLAGS = set(cfg['DEFAULT'].get('tst_flags', '').split())
_DIRECTIVE = re.compile(r'^\s*#\|\s*(.*)$')

def skipped(src: str) -> bool:
    "Is this cell one `nbdev_test` would not run (`eval: false`, or a test flag such as `slow`)?"
    for line in src.splitlines():
        m = _DIRECTIVE.match(line)
        if not m:
            if line.strip(): break
            continue
        words = m.group(1).replace(':', ' ').split()
        if words[:2] == ['eval', 'false'] or (words and words[0] in FLAGS): return True
    return False

def run(path: Path, timeout: int = 600) -> int:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', record_timing=False,
                            resources={'metadata': {'path': str(path.parent)}})
    ran = 0
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != 'code': continue
            if skipped(cell.source): cell.outputs, cell.execution_count = [], None; continue
            client.execute_cell(cell, i)
            ran += 1
    for cell in nb.cells:  # as `nbdev_clean` leaves them: outputs kept, no execution counts to churn the diff
        if cell.cell_type == 'code':
            cell.execution_count = None
            for o in cell.outputs:
                if 'execution_count' in o: o['execution_count'] = None
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix='.ipynb.tmp')
    with os.fdopen(fd, 'w', encoding='utf-8') as f: nbformat.write(nb, f)
    os.replace(tmp, path)
    return ran

if __name__ == '__main__':
    # the examples write to a store: never the learner's own
    os.environ.setdefault('LEARNKIT_DATA_DIR', tempfile.mkdtemp(prefix='learnkit-nbs-'))
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT/'nbs').glob('*.ipynb'))
    failed = []
    for p in paths:
        try: print(f'{p.name}: {run(p)} cells run, outputs stored', flush=True)
        except Exception as e:
            failed.append(p.name); print(f'{p.name}: FAILED, left as it was: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ""}', flush=True)
    sys.exit(1 if failed else 0)
