"%%timeit_log and learnkit.timing (stats, machine, measure, log): statistics, the magic in a real IPython shell, the log, history and the CLI."
import json, os, subprocess, sys, textwrap, time
import IPython
from pathlib import Path
import pytest

from learnkit.timing.stats import summarize, noise_level, fmt_time, compare_samples, RunComparison
from learnkit.timing.machine import choose_device
from learnkit.timing.measure import default_label, time_code, TimingResult
from learnkit.timing.log import log_result, log_rows, timings


def _rows():
    from learnkit.store.db import get_store
    return get_store().rows('timings')


# --- statistics and formatting on known samples -------------------------------------------------------------

def test_summarize_known_samples():
    s = summarize([0.5, 0.1, 0.4, 0.2, 0.3])  # unsorted on purpose
    assert (s['median'], s['best'], s['worst'], s['n']) == (0.3, 0.1, 0.5, 5)
    assert s['q1'] == pytest.approx(0.2) and s['q3'] == pytest.approx(0.4) and s['iqr'] == pytest.approx(0.2)
    assert s['mean'] == pytest.approx(0.3) and s['stdev'] == pytest.approx(0.02**0.5)  # population stdev, as TimeitResult
    assert summarize([2.0])['iqr'] == 0


def test_noise_levels_at_the_thresholds():
    assert [noise_level(x, 1.0) for x in (0.0, 0.099, 0.10, 0.249, 0.25)] == ['ok', 'ok', 'noisy', 'noisy', 'unreliable']


def test_fmt_time_matches_ipython():
    from IPython.core.magics.execution import _format_time
    for t in (2.5, 0.0421, 4.21e-4, 3.3e-6, 7.7e-9, 123.0):
        assert fmt_time(t).replace('\xb5', 'u') == _format_time(t).replace('\xb5', 'u').replace('\u03bc', 'u')


def test_default_label():
    assert default_label('# setup comment\n\n  xb = dls.one_batch()  \nmore') == 'xb = dls.one_batch()'
    long = default_label('learn.fit_one_cycle(1, lr_max=slice(1e-6, 1e-4), cbs=[SaveModelCallback()])')
    assert len(long) == 40 and long.endswith('…')


def test_compare_samples_decides_on_significance_and_effect():
    a = [1.0 + i*0.003 for i in range(7)]
    b = [x*1.5 for x in a][::-1]
    c = compare_samples(a, b, 'slow one')
    assert c.significant and c.ratio == pytest.approx(1.5) and str(c).startswith("1.5× faster than 'slow one' (p <")
    assert str(compare_samples(b, a, 'fast one')).startswith('1.5× slower')
    assert not compare_samples(a, [x*1.03 for x in a], 'x').significant  # significant but under 5%
    assert str(compare_samples(a, a[::-1], 'same')).startswith("no significant difference from 'same'")


def test_run_comparison_is_timings_own_name():
    c = compare_samples([1.0, 1.01, 0.99], [2.0, 2.02, 1.98], 'x')
    assert type(c) is RunComparison and c.to_dict()['other'] == 'x'
    import learnkit.timing.stats as st
    assert not hasattr(st, 'Comparison')  # `Comparison` is repeat's name; timing's is RunComparison


def test_device_decision_without_cuda():
    torch = pytest.importorskip('torch')
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU')
    assert choose_device('auto') == ('cpu', '')
    dev, note = choose_device('cuda')
    assert dev == 'cpu' and 'no CUDA GPU is available' in note


@pytest.mark.slow
def test_core_imports_nothing_heavy():
    code = ("import sys, learnkit.timing.measure, learnkit.timing.log; bad = [m for m in ('IPython', 'torch', 'pandas', 'matplotlib', 'scipy', "
            "'ipywidgets', 'fastai', 'nbformat') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'


def test_moved_names_still_import_from_measure():
    "Other layers import these from `timing.measure` until their imports name the new homes."
    import learnkit.timing.measure as m, learnkit.timing.log as lg, learnkit.timing.machine as mc, learnkit.timing.stats as st
    assert (m.log_rows, m.timings, m.log_result, m.short_device, m.fmt_time) == (lg.log_rows, lg.timings, lg.log_result, mc.short_device, st.fmt_time)


# --- the magic in a real InteractiveShell ------------------------------------------------------------------

def test_cell_form_times_logs_and_prints(shell, capsys):
    shell.user_ns['data'] = list(range(5000))
    shell.run_cell_magic('timeit_log', '-n 50 -r 4 -l summing', 'sum(data)\n')
    out = capsys.readouterr().out
    assert 'per loop (median' in out and "4 runs × 50 loops) [label 'summing', logged #1]" in out
    (row,) = _rows()
    assert (row['label'], row['loops'], row['repeat'], row['source']) == ('summing', 50, 4, 'sum(data)\n')
    ts = json.loads(row['timings'])
    assert len(ts) == 4 and row['median'] == pytest.approx(summarize(ts)['median'])
    dev, vers = json.loads(row['device']), json.loads(row['versions'])
    assert dev['kind'] == 'cpu' and dev['cores'] == os.cpu_count() and 'python' in vers and 'IPython' not in vers


def test_line_form_alias_and_result_object(shell, capsys):
    shell.user_ns['data'] = list(range(1000))
    r = shell.run_line_magic('timeit_log', '-n 20 -r 3 -o -q sorted(data)')
    assert capsys.readouterr().out == ''  # -q prints nothing
    for attr in ('loops', 'repeat', 'best', 'worst', 'all_runs', 'average', 'stdev', 'timings', 'median', 'iqr', 'label', 'device', 'id'):
        assert hasattr(r, attr), attr
    assert (r.loops, r.repeat, len(r.all_runs), r.label, r.device, r.id) == (20, 3, 3, 'sorted(data)', 'cpu', 1)
    assert r.timings == [t/20 for t in r.all_runs] and r.best <= r.median <= r.worst
    assert r.average == pytest.approx(sum(r.timings)/3)
    assert repr(r).startswith('<TimingResult : ') and 'per loop' in repr(r)
    r2 = shell.run_cell_magic('timeit-log', '-n 20 -r 3 -o -q', 'sorted(data)')  # the alias
    assert r2.id == 2 and r2.label == 'sorted(data)'


def test_quoted_label_and_history_object(shell):
    shell.run_line_magic('timeit_log', "-n 5 -r 2 -q -l 'one batch' 1 + 1")
    assert [r['label'] for r in log_rows()] == ['one batch']
    df = shell.run_line_magic('timeit_log', "-o --history 'one batch'")
    assert list(df['label']) == ['one batch']


def test_calibrates_loops_like_timeit(shell):
    shell.user_ns['data'] = list(range(20000))
    r = shell.run_line_magic('timeit_log', '-r 2 -o -q sum(data)')
    assert r.loops >= 10 and r.loops in {10**k for k in range(10)} and min(r.all_runs) >= 0.1


def test_variables_are_kept_with_one_extra_run(shell, capsys):
    shell.run_cell('import collections; words = "a b a c b a".split()')
    shell.user_ns.pop('counts', None)
    shell.run_cell_magic('timeit_log', '-n 5 -r 2', 'counts = collections.Counter(words)\ntop = counts.most_common(1)')
    assert shell.user_ns['top'] == [('a', 3)]
    out = capsys.readouterr().out
    assert 'ran the code once more after timing (' in out and 'so that counts, top exist afterwards' in out
    shell.run_cell_magic('timeit_log', '-n 5 -r 2', 'len(words)')
    assert 'keep variables' not in capsys.readouterr().out  # nothing assigned, no extra run


def test_ipython_syntax_is_transformed(shell):
    if shell.transform_cell('x = !echo hi\n').startswith('x = !'):
        # IPython 7.34 on Python 3.12+ (Colab's pairing) cannot transform `!` assignments: its own run_cell and
        # %timeit fail on them the same way, so there is nothing for %%timeit_log to match
        pytest.skip(f'IPython {IPython.__version__} on this Python cannot transform `x = !cmd` itself')
    r = shell.run_cell_magic('timeit_log', '-n 2 -r 2 -o -q --no-log', 'x = !echo hi\n')
    assert r.loops == 2 and shell.user_ns['x'] == ['hi']


def test_no_log_and_record_setting(shell):
    r = shell.run_line_magic('timeit_log', '-n 5 -r 2 -o -q --no-log 1 + 1')
    assert r.id is None and _rows() == []
    shell.run_line_magic('config', 'LearnkitMagics.record = False')
    try: shell.run_line_magic('timeit_log', '-n 5 -r 2 -q 1 + 1')
    finally: shell.run_line_magic('config', 'LearnkitMagics.record = True')
    assert _rows() == []


def _claim(out: str, c, words: str):
    "A significance claim is printed exactly when both runs were reliable (a loaded machine makes them unreliable)."
    if c.unreliable: assert 'no significance claimed' in out and '(p <' not in out, out
    else: assert words in out and '(p <' in out, out

def test_compare_faster_and_slower(shell, capsys):
    shell.user_ns['big'], shell.user_ns['small'] = list(range(100_000)), list(range(1000))
    # 15 runs: the quartiles behind "unreliable" stay steady when a few runs are disturbed
    shell.run_line_magic('timeit_log', '-n 20 -r 15 -q -l total sum(big)')
    r = shell.run_line_magic('timeit_log', '-n 20 -r 15 -o -l total --compare=total sum(small)')
    out = capsys.readouterr().out
    assert r.comparison.ratio > 5 and r.comparison.other_id == 1 and r.comparison.ci[0] > 1
    _claim(out, r.comparison, "× faster than 'total' (#1) (p <")
    r = shell.run_line_magic('timeit_log', '-n 20 -r 15 -o -l slow --compare=total sum(big + big)')
    out = capsys.readouterr().out
    assert r.comparison.ratio < 1/5 and r.comparison.other_id == 2  # against the latest 'total' run, the fast one
    _claim(out, r.comparison, "× slower than 'total' (#2) (p <")
    shell.run_cell_magic('timeit_log', '-n 5 -r 2 -l lonely --compare', '1 + 1')
    out = capsys.readouterr().out
    assert "baseline logged as #4: the next `--compare` run labelled 'lonely' is compared with it" in out
    assert 'nothing to compare' not in out


def test_budget_stops_a_slow_statement_early(shell, capsys):
    shell.run_cell('import time')
    r = shell.run_cell_magic('timeit_log', '-n 1 --budget 0.05 -o', 'time.sleep(0.03)')
    assert r.repeat == 3 and len(r.timings) == 3  # not the default 7
    assert 'budget 0.05 s: stopped after 3 runs' in capsys.readouterr().out
    assert json.loads(_rows()[0]['extra'])['budget'] == 0.05


def test_exception_shows_traceback_and_logs_nothing(shell):
    import gc
    res = shell.run_cell('%%timeit_log -n 3 -r 2\nvalue = {}["missing"]\n')
    assert isinstance(res.error_in_exec, KeyError)
    assert _rows() == [] and gc.isenabled() and 'value' not in shell.user_ns


def test_interrupt_says_one_line_logs_nothing_and_stops_the_queue(shell, capsys):
    import gc
    shell.run_cell('n_calls = [0]\ndef stop():\n    n_calls[0] += 1\n    if n_calls[0] > 5: raise KeyboardInterrupt')
    res = shell.run_cell('%timeit_log -n 2 -r 7 stop()')  # Ctrl-C in the third run
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == 'learnkit: interrupted after 2 of 7 runs; nothing logged', err
    # the interrupt goes on after the line: the cell fails, so Run All stops here (as it does at %timeit)
    assert isinstance(res.error_in_exec, KeyboardInterrupt) and not res.success
    assert _rows() == [] and gc.isenabled()
    assert shell.user_ns['n_calls'] == [6]  # stopped at once: no further call
    res = shell.run_cell('%%timeit_log -r 3\nafter = stop()\n')  # the cell form, while it calibrates
    assert capsys.readouterr().err.strip().splitlines()[0] == 'learnkit: interrupted after 0 of 3 runs (while choosing the number of loops); nothing logged'
    assert isinstance(res.error_in_exec, KeyboardInterrupt)
    shell.run_cell('n_calls[0] = 3')  # two good calls: one run of 2 loops, then Ctrl-C in the run that keeps variables
    res = shell.run_cell('%%timeit_log -n 2 -r 1\nafter = stop()\n')
    assert capsys.readouterr().err.strip().splitlines()[0] == ('learnkit: interrupted after 1 of 1 runs (while running the code once more to keep '
                                                               'its variables); nothing logged')
    assert isinstance(res.error_in_exec, KeyboardInterrupt) and _rows() == [] and 'after' not in shell.user_ns
    assert shell.run_cell('x = 40 + 2').success and shell.user_ns['x'] == 42  # the kernel itself carries on
    r = shell.run_line_magic('timeit_log', '-n 3 -r 2 -o -q 1 + 1')
    assert r.id == 1 and len(_rows()) == 1


def test_a_store_that_keeps_nothing_is_never_reported_as_logged(shell, capsys, data_dir):
    "A database learnkit can't write (here: not a database at all) opens read-only; the line says `not saved: <why>`, never `logged #1`."
    from learnkit.store.db import get_store, reset_store
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir/'learnkit.db').write_bytes(b'not a database, but the learner\'s file all the same' * 100)
    reset_store()
    store = get_store()
    assert store.read_only and store.why
    r = shell.run_line_magic('timeit_log', '-n 5 -r 2 -o -l ro 1 + 1')
    out = capsys.readouterr().out
    assert r.id is None and f"[label 'ro', not saved: {store.why}]" in out and 'logged #' not in out
    shell.run_line_magic('timeit_log', '-n 5 -r 2 -l ro2 --compare 1 + 1')
    assert f"baseline for 'ro2', but not saved ({store.why}): later runs have nothing to compare with" in capsys.readouterr().out
    assert (data_dir/'learnkit.db').read_bytes().startswith(b'not a database')  # the file was left as it was


def test_usage_errors_are_one_line(shell, capsys):
    shell.run_cell_magic('timeit_log', 'setup = 1', 'x = 2')
    shell.run_line_magic('timeit_log', '--budget 0 1+1')
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith('learnkit: %%timeit_log takes options only on its first line')
    assert err[1].startswith('learnkit: --budget 0: give a positive number')


def test_device_cuda_without_gpu_falls_back_with_a_note(shell, capsys):
    torch = pytest.importorskip('torch')
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU')
    r = shell.run_line_magic('timeit_log', '-n 5 -r 2 -o --device cuda 1 + 1')
    assert r.device == 'cpu' and 'no CUDA GPU is available' in capsys.readouterr().out


def test_torch_thread_settings_unchanged(shell):
    torch = pytest.importorskip('torch')
    before = torch.get_num_threads(), torch.get_num_interop_threads()
    shell.run_cell('import torch; a = torch.randn(64, 64)')
    r = shell.run_line_magic('timeit_log', '-n 20 -r 3 -o -q a @ a')
    assert r.device == 'cpu' and (torch.get_num_threads(), torch.get_num_interop_threads()) == before


@pytest.mark.skipif(not (lambda: __import__('importlib').util.find_spec('torch') and __import__('torch').cuda.is_available())(),
                    reason='needs a CUDA GPU')
def test_cuda_is_synchronised(shell, capsys):
    import torch
    shell.run_cell("import torch; x = torch.randn(2048, 2048, device='cuda')")
    r = shell.run_cell_magic('timeit_log', '-n 5 -r 3 -o', 'for _ in range(20): y = x @ x\n')
    out = capsys.readouterr().out
    assert r.device == 'cuda' and r.device_timings and 'GPU time (CUDA events)' in out
    assert r.naive is not None and r.naive < r.median  # the naive clock misses queued kernels
    row = _rows()[0]
    assert json.loads(row['device'])['gpu']['name'] == torch.cuda.get_device_name()


# --- the log, history and the command line -------------------------------------------------------------

def test_learnkit_log_json_after_runs(shell, capsys):
    from learnkit.cli.main import main
    shell.run_line_magic('timeit_log', '-n 5 -r 3 -q -l a 1 + 1')
    shell.run_line_magic('timeit_log', '-n 5 -r 2 -q -l b 2 * 2')
    capsys.readouterr()
    assert main(['log', '--json']) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r['label'] for r in rows] == ['a', 'b'] and [len(r['timings']) for r in rows] == [3, 2]
    for k in ('id', 'time', 'label', 'source', 'loops', 'repeat', 'median', 'iqr', 'best', 'timings', 'device', 'versions', 'notebook', 'chapter'):
        assert k in rows[0], k
    assert rows[0]['device']['kind'] == 'cpu' and isinstance(rows[0]['versions'], dict) and rows[0]['source'] == '1 + 1'
    assert main(['log', '--label', 'b', '--json']) == 0
    assert [r['label'] for r in json.loads(capsys.readouterr().out)] == ['b']
    assert main(['log']) == 0  # without --json: a table in %timeit's units
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and ' ns per loop' in lines[0] and 'e-0' not in lines[0] and lines[1].split()[2] == 'b'


def test_each_log_has_its_own_reader(shell):
    from learnkit.base.core import LearnkitError
    from learnkit.bench.record import BenchRecord, log_record
    from learnkit.ui.timeit import log_entries
    shell.run_line_magic('timeit_log', '-n 5 -r 2 -q -l t 1 + 1')
    log_record(BenchRecord(chapter='demo', cell='c1', e2e_items_s=3.5))
    assert [r['label'] for r in log_rows()] == ['t']  # timing's reader reads its own table only
    with pytest.raises(LearnkitError, match='learnkit.bench.record.bench_rows'): log_rows(kind='bench')
    (b,) = log_entries(kind='bench')
    assert b['record']['e2e_items_s'] == 3.5 and b['chapter'] == 'demo'
    assert [r['kind'] for r in log_entries(kind='all')] == ['timeit', 'bench']


def test_timings_dataframe_and_history(shell, capsys):
    import learnkit, pandas as pd
    shell.run_line_magic('timeit_log', '-n 5 -r 3 -q -l alpha 1 + 1')
    shell.run_line_magic('timeit_log', '-n 5 -r 3 -q -l beta 2 + 2')
    df = learnkit.timings()
    assert list(df['label']) == ['alpha', 'beta'] and pd.api.types.is_datetime64_any_dtype(df['time'])
    assert (df['median'] > 0).all() and list(learnkit.timings('beta')['label']) == ['beta']
    capsys.readouterr()
    shell.run_line_magic('timeit_log', '--history beta')
    out = capsys.readouterr().out
    assert 'beta' in out and 'alpha' not in out and 'Image' in out  # the table, then the plot
    shell.run_line_magic('timeit_log', '--history nothing-here')
    assert "no logged runs labelled 'nothing-here'" in capsys.readouterr().out


def test_notebook_and_chapter_are_logged(shell, monkeypatch):
    monkeypatch.delenv('JPY_SESSION_NAME', raising=False)
    shell.user_ns['__vsc_ipynb_file__'] = '/home/me/04_reproduce.ipynb'
    shell._learnkit_magics.state.chapter = '04_mnist_basics'
    try: shell.run_line_magic('timeit_log', '-n 5 -r 2 -q 1 + 1')
    finally: shell.user_ns.pop('__vsc_ipynb_file__'); shell._learnkit_magics.state.chapter = None
    row = _rows()[0]
    assert (row['notebook'], row['chapter']) == ('/home/me/04_reproduce.ipynb', '04_mnist_basics')


_WRITER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from learnkit.timing.measure import time_code, log_result
    go = Path(sys.argv[2])
    while not go.exists(): time.sleep(0.005)
    for i in range(20):
        log_result(time_code('sum(range(200))', {}, number=10, repeat=3, label=sys.argv[1]))
''')

@pytest.mark.slow
def test_concurrent_writers_lose_nothing(tmp_path):
    go = tmp_path/'go'
    procs = [subprocess.Popen([sys.executable, '-c', _WRITER, f'proc{i}', str(go)], env=os.environ.copy()) for i in range(4)]
    time.sleep(1.0); go.touch()
    assert [p.wait(timeout=60) for p in procs] == [0]*4
    rows = _rows()
    assert len(rows) == 80 and len({r['id'] for r in rows}) == 80
    assert sorted({r['label'] for r in rows}) == [f'proc{i}' for i in range(4)]
    assert all(sum(r['label'] == f'proc{i}' for r in rows) == 20 for i in range(4))
    assert all(len(json.loads(r['timings'])) == 3 for r in rows)
