"Loading learnkit in IPython: the magics, settings, reloads, and a light import."
import json, subprocess, sys, textwrap
import pytest

CORE = ['base.core', 'book.chapters', 'store.db', 'book.datasets', 'reproduce.scaffold', 'reproduce.compare', 'reproduce.diff', 'timing.measure', 'bench.chapter', 'study.progress']
HEAVY = ['IPython', 'ipywidgets', 'torch', 'fastai', 'nbformat', 'pandas', 'matplotlib']

def _py(code):
    r = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout

@pytest.mark.slow  # a process each
@pytest.mark.parametrize('mod', CORE)
def test_core_modules_import_no_adapter_or_heavy_package(mod):
    out = _py(f'''
        import sys, json
        import learnkit.{mod}
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))''')
    assert json.loads(out) == []

@pytest.mark.slow  # a process of its own
def test_load_ext_is_light_and_fast():
    out = _py('''
        import sys, time, json
        from IPython.testing.globalipapp import start_ipython
        ip = start_ipython()
        before = set(sys.modules)
        t = time.perf_counter()
        ip.run_line_magic('load_ext', 'learnkit')
        dt = time.perf_counter() - t
        print(json.dumps({'dt': dt, 'heavy': [m for m in ('torch', 'fastai', 'pandas', 'matplotlib') if m in sys.modules and m not in before]}))''')
    r = json.loads(out[out.rindex('{'):])  # IPython 7 writes a terminal-title escape before it
    assert r['heavy'] == []
    assert r['dt'] < 0.15, f"%load_ext learnkit took {r['dt']*1000:.0f} ms"

def test_every_magic_is_registered(shell):
    mm = shell.magics_manager.magics
    for name in ('lesson', 'timeit_log', 'timeit-log'): assert name in mm['line'], name
    for name in ('lesson', 'reproduce', 'timeit_log', 'timeit-log'): assert name in mm['cell'], name

def test_reload_and_unload_leave_no_duplicates(shell):
    from learnkit.magics import LearnkitMagics
    for _ in range(3): shell.run_line_magic('reload_ext', 'learnkit')
    assert sum(isinstance(c, LearnkitMagics) for c in shell.configurables) == 1
    shell.run_line_magic('unload_ext', 'learnkit')
    assert 'reproduce' not in shell.magics_manager.magics['cell']
    assert not any(isinstance(c, LearnkitMagics) for c in shell.configurables)
    shell.run_line_magic('load_ext', 'learnkit')
    assert 'reproduce' in shell.magics_manager.magics['cell']

def test_hooks_are_removed_on_unload(shell):
    m = shell._learnkit_magics
    calls = []
    m.add_hook('post_run_cell', lambda *a: calls.append(1))
    shell.run_cell('1+1')
    n = len(calls)
    assert n == 1
    shell.run_line_magic('reload_ext', 'learnkit')
    shell.run_cell('1+1')
    assert len(calls) == n

def test_config_sets_the_data_dir(shell, tmp_path):
    from learnkit.base.core import data_dir
    from learnkit.store.db import get_store
    shell.run_line_magic('config', f"LearnkitMagics.data_dir = {str(tmp_path/'mine')!r}")
    assert data_dir() == tmp_path/'mine'
    assert get_store().path == str(tmp_path/'mine'/'learnkit.db')
    shell.run_line_magic('config', "LearnkitMagics.data_dir = ''")

def test_timeit_log_alias_runs_as_a_cell_magic(shell):
    # the alias must reach the same magic as the underscore name
    res = shell.run_cell('%%timeit-log -n 1 -r 1 -q --no-log\nx_alias = 1')
    assert res.error_in_exec is None and res.error_before_exec is None
    assert shell.user_ns.get('x_alias') == 1

def test_bad_chapter_in_a_magic_is_one_line(shell, capsys):
    shell.run_cell('%lesson mnist_basic')
    err = capsys.readouterr().err
    assert "no chapter 'mnist_basic'; did you mean 04_mnist_basics?" in err and 'Traceback' not in err
