"The `learnkit` command: every subcommand has help, bad usage exits 2 with one line, failures exit 1."
import os, re, subprocess, sys
import pytest

COMMANDS = ['lesson', 'plan', 'scaffold', 'check', 'diff', 'autoload', 'bench', 'log', 'report', 'export', 'demo', 'share', 'repeat', 'inspect']

def lk(*argv, cwd=None):
    return subprocess.run([sys.executable, '-m', 'learnkit.cli', *argv], capture_output=True, text=True, cwd=cwd, timeout=120)

def test_top_level_help_lists_every_command():
    rc, out, _ = _main('--help')
    assert rc == 0
    for c in COMMANDS: assert c in out

@pytest.mark.parametrize('cmd', COMMANDS)
def test_each_command_has_help(cmd):
    rc, out, _ = _main(cmd, '--help')
    assert rc == 0 and out.startswith('usage: learnkit ' + cmd)

def test_a_command_loads_its_own_layers_only(tmp_path):
    "`learnkit diff` starts in a fraction of a second because it loads the reproduction layers, not the study plan, bench or share."
    code = ("import sys, contextlib, io; from learnkit.cli.main import main\n"
            "with contextlib.redirect_stderr(io.StringIO()): rc = main(['diff', 'demo', sys.argv[1]])\n"
            "print(rc, sorted({m.split('.')[1] for m in sys.modules if m.startswith('learnkit.')}))")
    r = subprocess.run([sys.executable, '-c', code, str(tmp_path/'missing.ipynb')], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "1 ['base', 'book', 'cli', 'reproduce', 'store']", r.stderr
    rc, out, _ = _main('plan', '--help')  # the command named still gets all its arguments
    assert rc == 0 and '--hours-per-week' in out and '--until' in out

@pytest.mark.parametrize('argv', [['scaffold'], ['bench', 'demo', '--batches', 'many'], ['frobnicate'], ['scaffold', 'demo', '--hints', '7']])
def test_bad_usage_is_one_line_and_exit_2(argv):
    rc, _, err = _main(*argv)
    assert rc == 2
    assert err.startswith('learnkit: ') and err.count('\n') == 1

def test_no_command_prints_help_and_exits_2():
    rc, out, _ = _main()
    assert rc == 2 and 'COMMAND' in out

def test_a_failure_is_one_line_and_exit_1(tmp_path):
    rc, _, err = _main('diff', 'demo', str(tmp_path/'missing.ipynb'))
    assert rc == 1 and err == f"learnkit: no reproduction at {tmp_path/'missing.ipynb'}; check the path (`learnkit scaffold CHAPTER` writes one)\n"

@pytest.mark.slow
def test_the_real_command(tmp_path):
    "The installed entry point as a process: help, bad usage and a failure, each with its exit code and no traceback."
    r = lk('--help')
    assert r.returncode == 0 and all(c in r.stdout for c in COMMANDS)
    r = lk('frobnicate')
    assert r.returncode == 2 and r.stderr.startswith('learnkit: ') and r.stderr.count('\n') == 1
    r = lk('diff', 'demo', str(tmp_path/'missing.ipynb'))
    assert r.returncode == 1 and r.stderr.startswith('learnkit: no reproduction at ') and r.stderr.count('\n') == 1

def _main(*argv):
    import contextlib, io
    from learnkit.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: rc = main([str(a) for a in argv])
        except SystemExit as e: rc = e.code
    return rc, out.getvalue(), err.getvalue()

def _demo_repro(tmp_path):
    import json
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.scaffold import write_scaffold
    ch = load_chapter('demo')
    p = write_scaffold('demo', out=tmp_path/'demo_reproduce.ipynb').path
    nb = json.loads(p.read_text())
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    for k, (c, o) in enumerate(zip(blanks, ch.code_cells[:6])):
        c['source'] = ''.join(c['source']) + '\n' + o.source
        if k < 4: c['outputs'], c['execution_count'] = o.outputs, k + 1
    answers = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'answer']
    answers[0]['source'] = 'By class folder.'
    p.write_text(json.dumps(nb))
    return p

def test_every_json_form_carries_the_same_progress(tmp_path, monkeypatch):
    import json
    p = _demo_repro(tmp_path)
    monkeypatch.chdir(tmp_path)
    forms = {}
    for name, argv in {'check': ('check', 'demo', p, '--json'), 'diff': ('diff', 'demo', p, '--json'),
                       'lesson': ('lesson', 'demo', '--json'), 'report': ('report', '--json')}.items():
        rc, out, err = _main(*argv)
        assert rc == 0, err
        d = json.loads(out)
        forms[name] = d['progress'] if name != 'report' else next(c for c in d['chapters'] if c['key'] == 'demo')['progress']
    first = forms['check']
    assert set(first) == {'version', 'cells', 'written', 'ran', 'done', 'verdicts', 'questions', 'answered', 'sections'}
    assert (first['cells'], first['written'], first['ran'], first['answered']) == (11, 6, 4, 1)
    for name, prog in forms.items(): assert prog == first, name
    rc, out, _ = _main('check', 'demo', p)
    assert rc == 0 and out.splitlines()[0] == f"demo: {first['done']} of 11 cells done (6 written, 4 ran)" + out.splitlines()[0].split('ran)')[1]

def test_tolerance_flags(tmp_path):
    import json
    p = _demo_repro(tmp_path)
    rc, out, _ = _main('check', 'demo', p, '--tol', '1e-3', '--json')
    assert rc == 0 and json.loads(out)['tol'] == {'rel': 1e-3, 'band': 0.25}  # --tol leaves the training band alone
    rc, out, _ = _main('diff', 'demo', p, '--band', '0.5', '--json')
    assert rc == 0
    rc, _, err = _main('check', 'demo', p, '--band', '-1')
    assert rc == 1 and 'band=-1.0' in err and '--band' in err and err.count('\n') == 1

def test_log_lists_repeats_by_dataset_name(tmp_path):
    import json
    from learnkit.repeat.records import RepeatRecord, record_repeat
    rc, out, _ = _main('log', '--kind', 'repeat')
    assert rc == 0 and out.strip() == 'no repeats yet: learnkit repeat CHAPTER --data PATH'
    record_repeat(RepeatRecord('demo', 'c1', str(tmp_path/'my_stripes'), 'image-folders', 'f', 18, 2, 'error_rate', 0.5, 0.25, 0.1, tiny=True))
    rc, out, _ = _main('log', '--kind', 'repeat')
    [head, row] = out.strip().splitlines()
    assert rc == 0 and head.split()[1:4] == ['chapter', 'data', 'kind']
    assert row.split()[2:4] == ['demo', 'my_stripes'] and '(tiny)' in row and 'image-folders' in row.split()
    assert re.search(r'\berror_rate\s+0\.5000\s+0\.2500\s+0\.1000\b', row), row  # metric, baseline, yours, the chapter's
    rc, out, _ = _main('log', '--kind', 'repeat', '--json')
    [d] = json.loads(out)
    assert (d['chapter'], d['data'], d['result']) == ('demo', str(tmp_path/'my_stripes'), 0.25)  # the learner's own log keeps the path

def test_log_all_lists_repeats_too(tmp_path):
    from learnkit.repeat.records import RepeatRecord, record_repeat
    record_repeat(RepeatRecord('demo', 'c1', str(tmp_path/'my_stripes'), 'image-folders', 'f', 18, 2, 'error_rate', 0.5, 0.25, 0.1, tiny=True))
    rc, out, err = _main('log', '--kind', 'all')
    assert rc == 0, err
    assert 'repeats on new data:' in out and 'my_stripes' in out
