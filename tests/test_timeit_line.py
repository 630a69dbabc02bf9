"%timeit_log reads its line as %timeit does; comparisons that mean something. Real IPython shell, real store."
import json, random
import pytest
from learnkit.base.core import LearnkitError
from learnkit.ui.timeit import parse_timeit_line as P, timeit_log_line, LINE_FORM, CELL_FORM
from learnkit.timing.stats import compare_samples
from learnkit.timing.log import log_rows


def _rows():
    from learnkit.store.db import get_store
    return get_store().rows('timings')


@pytest.fixture
def ip(shell):
    "The shell with `%timeit_log` routed through `timeit_log_line` on the raw line, as `%timeit` gets it (no variable expansion)."
    from IPython.core.magic import no_var_expand
    m = shell._learnkit_magics
    @no_var_expand
    def timeit_log(line, cell=None): return timeit_log_line(m, line, cell)
    shell.register_magic_function(timeit_log, 'line_cell', 'timeit_log')
    return shell


# --- the parser, on the lines a learner types ---------------------------------------------------------------

@pytest.mark.parametrize('line, opts, statement', [
    ('sorted(range(50), key=lambda v: -v)', {}, 'sorted(range(50), key=lambda v: -v)'),
    ('-n 3 x - -y', {'n': 3}, 'x - -y'),
    ('-n 3 -- -x + 1', {'n': 3}, '-x + 1'),
    ('-r 2 a -- b', {'r': 2}, 'a -- b'),
    ('-l "two words" --compare sum(range(10))', {'label': 'two words', 'compare': ''}, 'sum(range(10))'),
    ("-l 'it''s' 1", {'label': 'its'}, '1'),
    ('--compare=base -q x + 1', {'compare': 'base', 'q': True}, 'x + 1'),
    ('--label=a --device=cpu --budget=2.5 f()', {'label': 'a', 'device': 'cpu', 'budget': 2.5}, 'f()'),
    ('-q sum(x) -n 5 -r 2', {'q': True, 'n': None, 'r': None}, 'sum(x) -n 5 -r 2'),
    ('-n5 -qo s.split("a  b")', {'n': 5, 'q': True, 'o': True}, 's.split("a  b")'),
    ('-o --history one batch', {'o': True, 'history': 'one batch'}, ''),
    ('{1: 2}[1]', {}, '{1: 2}[1]'),
])
def test_line_form_reads_options_then_the_statement(line, opts, statement):
    a = P(line)
    assert a.statement == statement
    for k, v in opts.items(): assert getattr(a, k) == v, (k, a)


def test_cell_form_keeps_compare_with_an_optional_label():
    assert P('-l "matmul @" --compare', cell=True).compare == ''
    a = P('--compare total -n 3', cell=True)
    assert (a.compare, a.n, a.statement) == ('total', 3, '')
    assert P('--history', cell=True).history == ''


@pytest.mark.parametrize('line, msg', [
    ('-n lots x', "-n takes a whole number (got 'lots')"),
    ('--budget soon x', "--budget takes a number of seconds (got 'soon')"),
    ('--compar x', "unknown option '--compar'"),
    ('-v x', "unknown option '-v' (to time code that starts with '-', put -- before it)"),
    ('--device gpu x', "--device takes auto, cpu or cuda (got 'gpu')"),
    ('-l', '-l needs a value: -l LABEL'),
    ('--no-log=yes x', '--no-log takes no value'),
])
def test_option_errors_are_one_line_with_the_accepted_form(line, msg):
    with pytest.raises(LearnkitError) as e:
        P(line)
    s = str(e.value)
    assert s.startswith(msg) and s.endswith('accepted form: ' + LINE_FORM) and '\n' not in s


# --- the line form in a real shell ---------------------------------------------------------------------

def test_statements_with_dashes_are_timed(ip, capsys):
    r = ip.run_line_magic('timeit_log', '-n 5 -r 2 -o sorted(range(50), key=lambda v: -v)')
    assert r.loops == 5 and r.source == 'sorted(range(50), key=lambda v: -v)' and r.label == r.source
    ip.user_ns['d'] = {1: 2}
    r = ip.run_line_magic('timeit_log', '-n 5 -r 2 -o -q d[1] - {1: 3}[1]')  # braces are code, not $-expansion
    assert r.source == 'd[1] - {1: 3}[1]'
    assert 'UsageError' not in capsys.readouterr().err


def test_compare_in_the_line_form_never_swallows_the_statement(ip, capsys):
    ip.run_line_magic('timeit_log', '-n 10 -r 3 -q -l "two words" sum(range(10))')
    capsys.readouterr()
    r = ip.run_line_magic('timeit_log', '-r 3 -o -l "two words" --compare sum(range(10))')
    assert r.source == 'sum(range(10))' and r.comparison is not None and r.comparison.other_id == 1
    assert r.loops == 10  # the compared run's loop count
    r = ip.run_line_magic('timeit_log', '-r 3 -o -q -l other --compare="two words" sum(range(20))')
    assert r.comparison.other == 'two words' and r.comparison.other_id == 2 and r.loops == 10


def test_n_after_the_statement_belongs_to_it(ip, capsys):
    ip.user_ns['x'], ip.user_ns['n'] = 7, 2
    r = ip.run_line_magic('timeit_log', '-r 2 -o -q x -n')  # `x -n` is x minus n, as %timeit reads it
    assert r.source == 'x -n' and r.loops >= 10  # calibrated: -n was not an option
    res = ip.run_cell('%timeit_log -r 2 -q x -n 5')  # `x -n 5` is not valid Python: a SyntaxError, as with %timeit
    assert isinstance(res.error_in_exec or res.error_before_exec, SyntaxError) and len(_rows()) == 1


def test_option_error_in_the_shell_is_one_line(ip, capsys):
    ip.run_line_magic('timeit_log', '-n lots 1 + 1')
    ip.run_cell_magic('timeit_log', '--compar', '1 + 1')
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("learnkit: -n takes a whole number (got 'lots'); accepted form: %timeit_log")
    assert err[1].startswith("learnkit: unknown option '--compar'; accepted form: " + CELL_FORM[:20])
    assert _rows() == []


def test_loaded_extension_reads_the_line_like_timeit(shell):
    r = shell.run_line_magic('timeit_log', '-n 5 -r 2 -o -q sorted(range(50), key=lambda v: -v)')
    assert r is not None and r.source == 'sorted(range(50), key=lambda v: -v)'
    # `--compare` in the line form takes no value: the statement is timed, not taken for a label
    r = shell.run_line_magic('timeit_log', '-l "two words" --compare -n 3 -r 2 -o -q sum(range(10))')
    assert r is not None and r.source == 'sum(range(10))' and r.label == 'two words'


# --- comparisons ---------------------------------------------------------------------------------------

def test_first_run_is_the_baseline_and_the_second_reuses_its_loops(ip, capsys):
    ip.user_ns['a'] = list(range(3000))
    ip.run_cell_magic('timeit_log', '-l "matmul @" --compare -r 3', 'sorted(a)\n')
    first = capsys.readouterr().out
    (row,) = _rows()
    assert f"baseline logged as #{row['id']}" in first and 'nothing to compare' not in first
    r = ip.run_cell_magic('timeit_log', '-l "matmul @" --compare -r 3 -o', 'sorted(a)\n')
    out = capsys.readouterr().out
    assert r.loops == row['loops'] and f"{row['loops']:,} loops per run, as in #1" in out
    assert r.comparison.other_id == 1 and '95% CI' in out
    r = ip.run_cell_magic('timeit_log', '-l "matmul @" --compare -r 3 -n 7 -o -q', 'sorted(a)\n')
    assert r.loops == 7  # -n wins


def test_no_significance_claim_when_a_run_is_unreliable(ip, capsys):
    ip.run_cell('import time, random\nrng = random.Random(0)')
    ip.run_cell_magic('timeit_log', '-n 1 -r 7 -q -l jitter', 'time.sleep(0.002)\n')
    # this run sleeps a random 0-12 ms: its spread is far above 25% of its median
    r = ip.run_cell_magic('timeit_log', '-n 1 -r 7 -o -l jitter --compare', 'time.sleep(rng.uniform(0, 0.012))\n')
    out = capsys.readouterr().out
    c = r.comparison
    assert r.noise == 'unreliable' and not c.significant and 'this run is unreliable' in c.unreliable
    assert 'no significance claimed' in out and 'p <' not in out.split('no significance claimed')[0].splitlines()[-1]
    assert 'time both again' in out and '95% CI' in out


def test_ratio_ci_brackets_the_ratio_and_holds_a_known_effect():
    covered = 0
    for seed in range(40):  # a 95% interval must hold the true ratio (2.0) in most of many seeded cases
        rng = random.Random(seed)
        fast = [1.0 + rng.gauss(0, 0.01) for _ in range(9)]
        slow = [2.0 + rng.gauss(0, 0.02) for _ in range(9)]
        c = compare_samples(fast, slow, 'slow')
        lo, hi = c.ci
        assert lo <= c.ratio <= hi and hi - lo < 0.1 and c.significant
        covered += lo <= 2.0 <= hi
    assert covered >= 32, covered
    assert compare_samples(fast, slow, 'slow').ci == c.ci  # seeded: the same runs, the same interval


def test_history_is_in_timeit_units(ip, capsys):
    ip.run_line_magic('timeit_log', '-n 100 -r 3 -q -l tiny 1 + 1')
    from learnkit.timing.log import history_table, plot_history, timings
    df = timings('tiny')
    t = history_table(df)
    assert t['median'][0].endswith((' ns', ' µs')) and 'e-0' not in t['median'][0]
    assert plot_history(df).axes[0].get_ylabel() in ('ns per loop (median)', 'µs per loop (median)')
