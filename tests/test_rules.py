"The shared vocabulary: verdict kinds, done, written, answered, the %%reproduce line and the tolerance."
import pytest
from learnkit.base.core import LearnkitError
from learnkit.reproduce.rules import (DONE, SYMBOLS, VERDICTS, ReproLine, Tolerance, answered, is_done, parse_reproduce_line,
                            reproduce_ref, written)

def test_done_is_a_subset_of_the_verdicts_and_every_verdict_has_a_symbol():
    assert DONE < set(VERDICTS) and set(SYMBOLS) == set(VERDICTS)
    assert [v for v in VERDICTS if is_done(v)] == ['match', 'close', 'timed', 'random', 'defined', 'expected-error']
    assert not is_done(None) and not is_done('no-goal') and not is_done('mismatch')

@pytest.mark.parametrize('line', ['%%reproduce --tol 1e-3 a1b2c3d4', '%%reproduce a1b2c3d4 --tol 1e-3',
                                  'a1b2c3d4 --tol=1e-3', '  %%reproduce   --tol=0.001   a1b2c3d4  '])
def test_the_ref_and_options_are_read_in_any_order(line):
    r = parse_reproduce_line(line)
    assert (r.ref, r.rel, r.band, r.chapter, r.show) == ('a1b2c3d4', 1e-3, None, None, False)

def test_all_options():
    r = parse_reproduce_line('%%reproduce --show --band 0.1 --chapter 04_mnist_basics a1b2c3d4-2 --tol 1e-5')
    assert r == ReproLine('a1b2c3d4-2', 1e-5, 0.1, '04_mnist_basics', True)
    assert parse_reproduce_line('%%reproduce').ref is None

def test_tol_leaves_the_band_alone():
    "--tol 1e-3 must not shrink the training-table band (it did: the band was set to the tolerance)."
    t = parse_reproduce_line('%%reproduce a1 --tol 1e-3').tolerance(Tolerance())
    assert t == Tolerance(rel=1e-3, band=0.25)
    assert parse_reproduce_line('%%reproduce a1 --band 0.5').tolerance(Tolerance(rel=1e-2)) == Tolerance(1e-2, 0.5)
    assert Tolerance().merged(band=0.1).to_dict() == {'rel': 1e-4, 'band': 0.1}

@pytest.mark.parametrize('line,needle', [('%%reproduce a1 --tol x', '--tol'), ('%%reproduce a1 --tol', 'needs a value'),
                                         ('%%reproduce a1 --frob 2', '--frob'), ('%%reproduce a1 b2', 'two cells'),
                                         ('%%reproduce a1 --band', '--band')])
def test_bad_lines_say_what_to_write(line, needle):
    with pytest.raises(LearnkitError) as e: parse_reproduce_line(line)
    assert needle in str(e.value) and '\n' not in str(e.value)

def test_bad_tolerance_names_argument_and_flag():
    with pytest.raises(LearnkitError) as e: Tolerance(band=-0.1)
    assert 'band' in str(e.value) and '--band' in str(e.value)

def test_reproduce_ref():
    assert reproduce_ref('%%reproduce --tol 1e-3 a1b2c3d4\nx = 1') == 'a1b2c3d4'
    assert reproduce_ref(['\n', '%%reproduce a1\n', 'x = 1']) == 'a1'
    assert reproduce_ref('x = 1\n%%reproduce a1') is None
    assert reproduce_ref('%%reproduce a1 --tol nope') is None

def test_written():
    assert not written('%%reproduce a1\n# goal: a tensor of shape (3,)\n\n')
    assert not written('%%reproduce a1\n# uses: tensor\nx = ...\ndef f(a, b): ...\n')
    assert written('%%reproduce a1\nx = tensor([1,2,3])')
    assert written(['%%reproduce a1\n', 'print(1)'])
    assert not written(None) and not written('')

def test_an_untouched_hint_is_not_written():
    h = 'from fastai.vision.all import *\npath = untar_data(URLs.MNIST_SAMPLE)'
    assert not written('%%reproduce a1\n' + h, hint=h)
    assert not written('%%reproduce a1\n# uses: untar_data\n' + h.replace(' = ', '  =  '), hint=h)
    assert written('%%reproduce a1\n' + h + '\npath.ls()', hint=h)
    assert written('%%reproduce a1\n' + h, hint='')

def test_answered():
    assert not answered('') and not answered('<!-- write your answer -->\n') and not answered('<!--a\nb-->  \n')
    assert answered('<!-- prompt -->\nA function that measures how bad the predictions are.')
    assert answered(['A ', 'metric'])
