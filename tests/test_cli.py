"The `learnkit` command: every subcommand has help, bad usage exits 2 with one line, failures exit 1."
import os, subprocess, sys
import pytest

COMMANDS = ['lesson', 'scaffold', 'check', 'diff', 'bench', 'log', 'report', 'export', 'demo']

def lk(*argv, cwd=None):
    return subprocess.run([sys.executable, '-m', 'learnkit.cli', *argv], capture_output=True, text=True, cwd=cwd, timeout=120)

def test_top_level_help_lists_every_command():
    r = lk('--help')
    assert r.returncode == 0
    for c in COMMANDS: assert c in r.stdout

@pytest.mark.parametrize('cmd', COMMANDS)
def test_each_command_has_help(cmd):
    r = lk(cmd, '--help')
    assert r.returncode == 0 and r.stdout.startswith('usage: learnkit ' + cmd)

@pytest.mark.parametrize('argv', [['scaffold'], ['bench', 'demo', '--batches', 'many'], ['frobnicate'], ['scaffold', 'demo', '--hints', '7']])
def test_bad_usage_is_one_line_and_exit_2(argv):
    r = lk(*argv)
    assert r.returncode == 2
    assert r.stderr.startswith('learnkit: ') and r.stderr.count('\n') == 1

def test_no_command_prints_help_and_exits_2():
    r = lk()
    assert r.returncode == 2 and 'COMMAND' in r.stdout

def test_a_failure_is_one_line_and_exit_1(tmp_path):
    r = lk('diff', 'demo', str(tmp_path/'missing.ipynb'))
    assert r.returncode == 1 and r.stderr.startswith('learnkit: ') and 'Traceback' not in r.stderr
