"Shared fixtures: an isolated data dir per test, a real IPython shell, and the fastbook chapters when present."
import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent/'fixtures'

@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    "Each test gets its own learnkit data dir (and so its own SQLite store)."
    from learnkit.base.core import config
    from learnkit.store.db import reset_store
    d = tmp_path/'lkdata'
    monkeypatch.setenv('LEARNKIT_DATA_DIR', str(d))
    monkeypatch.setattr(config, 'data_dir', '')
    monkeypatch.setattr(config, 'fastbook_dir', '')
    reset_store()
    yield d
    reset_store()

@pytest.fixture
def fastbook():
    "The real fastbook chapters in ../shared/fastbook (LEARNKIT_FASTBOOK), or skip."
    d = os.environ.get('LEARNKIT_FASTBOOK') or str(ROOT.parent/'shared'/'fastbook')
    p = Path(d)
    if not (p/'04_mnist_basics.ipynb').exists():
        pytest.skip(f'real fastbook chapters not found at {p} (set LEARNKIT_FASTBOOK to a fastbook clone)')
    return p

@pytest.fixture(scope='session')
def _ipshell():
    from IPython.testing.globalipapp import start_ipython
    return start_ipython()

@pytest.fixture
def shell(_ipshell):
    "A real IPython InteractiveShell with learnkit loaded (and unloaded afterwards)."
    ip = _ipshell
    ip.run_line_magic('load_ext', 'learnkit')
    yield ip
    ip.run_line_magic('unload_ext', 'learnkit')
