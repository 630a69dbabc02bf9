"The reproduction state: one builder, one rule each for written, ran, done and answered, one tolerance, hints from the store."
import copy, json
import pytest
from learnkit.store.attempts import Help, hints_taken, latest_progress, record_hint
from learnkit.book.chapters import load_chapter
from learnkit.base.core import LearnkitError
from learnkit.reproduce.rules import Tolerance
from learnkit.reproduce.scaffold import scaffold
from learnkit.reproduce.state import PROGRESS_KEYS, check_reproduction, reproduction_state
from learnkit.reproduce.text import format_check
from learnkit.store.db import get_store

@pytest.fixture
def demo(): return load_chapter('demo')

def _blanks(nb): return [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']

def _fill(c, code, outputs=None, n=1):
    c['source'] = ''.join(c['source']).split('\n', 1)[0] + '\n' + code
    if outputs is not None: c['outputs'], c['execution_count'] = copy.deepcopy(outputs), n

def test_stages_verdicts_and_done(demo):
    nb = scaffold(demo)
    b, vis = _blanks(nb), demo.code_cells
    _fill(b[1], vis[1].code, vis[1].outputs)  # verbatim, run: match
    _fill(b[2], vis[2].code)  # written, never run
    _fill(b[3], vis[3].code, [{'output_type': 'error', 'ename': 'NameError', 'evalue': "name 'im' is not defined", 'traceback': []}])
    st = reproduction_state(demo, nb)
    assert [c.stage for c in st.cells[:5]] == ['untouched', 'ran', 'written', 'ran', 'untouched']
    assert [c.verdict for c in st.cells[:5]] == [None, 'match', None, 'error', None]
    assert [c.done for c in st.cells[:5]] == [False, True, False, False, False]
    p = st.progress
    assert tuple(p.to_dict()) == PROGRESS_KEYS and (p.written, p.ran, p.done) == (3, 2, 1)
    assert p.verdicts['match'] == 1 and p.verdicts['error'] == 1 and sum(p.verdicts.values()) == 2
    assert st.next_cell().ref == vis[0].id and json.loads(json.dumps(st.to_dict()))['progress'] == p.to_dict()

def test_split_merge_and_extra_cells(demo):
    nb = scaffold(demo)
    b, vis = _blanks(nb), demo.code_cells
    first, second = vis[8].code.split('\n', 1) if '\n' in vis[8].code else (vis[8].code, '')
    _fill(b[0], vis[0].code, vis[0].outputs)
    _fill(b[1], vis[1].code + '\n' + vis[2].code, vis[2].outputs)  # merged: the output is the second cell's
    b[2]['source'] = ''.join(b[2]['source']).split('\n', 1)[0] + '\n'  # the merged-away blank stays empty
    nb['cells'].append(dict(cell_type='code', source='print("my own experiment")', metadata={}, execution_count=9,
                            outputs=[{'output_type': 'stream', 'name': 'stdout', 'text': 'my own experiment\n'}]))
    st = reproduction_state(demo, nb)
    c1, c2 = st.cells[1], st.cells[2]
    assert c1.written and c2.written and c1.repro == c2.repro  # one learner cell stands for both
    assert c1.verdict is None and c2.verdict == 'match'  # only the last book cell of a merge gets the merged cell's output
    assert any(p['status'] == 'extra' for p in st.pairs) and st.progress.written == 3  # an extra cell counts nothing

def test_answered_is_html_comment_free_text(demo):
    nb = scaffold(demo)
    answers = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'answer']
    answers[0]['source'] = '<!-- your answer -->\n'
    answers[1]['source'] = '<!-- your answer -->\nThe mean image.'
    st = reproduction_state(demo, nb)
    assert st.progress.answered == 1 and [q.answered for q in st.questions[:2]] == [False, True]

def test_one_tolerance_from_the_line_the_call_and_the_flag(tmp_path):
    "`--tol` on the `%%reproduce` line (before or after the ref), `tol=` in Python and `--tol` on the command line mean the same."
    from learnkit.cli.main import main
    out = lambda t: [dict(output_type='execute_result', execution_count=1, metadata={}, data={'text/plain': t})]
    book = dict(nbformat=4, nbformat_minor=4, metadata={}, cells=[
        dict(cell_type='markdown', metadata={}, source='# Numbers'), dict(cell_type='markdown', metadata={}, source='## One'),
        dict(cell_type='code', metadata={}, execution_count=1, source='x = 1.2345\nx', outputs=out('1.2345'))])
    (tmp_path/'numbers.ipynb').write_text(json.dumps(book))
    ch = load_chapter(tmp_path/'numbers.ipynb')
    ref = ch.code_cells[0].id
    def repro(line):
        return dict(nbformat=4, nbformat_minor=5, metadata={}, cells=[dict(cell_type='code', metadata={}, execution_count=1,
                    source=f'{line}\nx = 1.2399\nx', outputs=out('1.2399'))])
    strict = reproduction_state(ch, repro(f'%%reproduce {ref}')).cells[0]
    assert strict.verdict == 'mismatch'
    by_call = reproduction_state(ch, repro(f'%%reproduce {ref}'), tol=Tolerance(rel=0.01)).cells[0]
    before = reproduction_state(ch, repro(f'%%reproduce --tol 0.01 {ref}')).cells[0]
    after = reproduction_state(ch, repro(f'%%reproduce {ref} --tol=0.01')).cells[0]
    assert by_call.verdict == before.verdict == after.verdict == 'close'
    p = tmp_path/'numbers_reproduce.ipynb'
    p.write_text(json.dumps(repro(f'%%reproduce {ref}')))
    assert main(['check', str(tmp_path/'numbers.ipynb'), str(p), '--tol', '0.01']) == 0
    assert latest_progress(ch.key)['verdicts']['close'] == 1
    with pytest.raises(LearnkitError, match='--tol'): reproduction_state(ch, p, tol=0.5)

def test_hints_and_peeks_come_from_the_store(demo):
    nb = scaffold(demo)
    vis = demo.code_cells
    record_hint('demo', vis[0].id, 1); record_hint('demo', vis[0].id, 2)
    record_hint('demo', vis[1].id, 3, solution=True)
    assert hints_taken('demo')[vis[0].id] == Help(2, False)
    st = reproduction_state(demo, nb)
    assert (st.cells[0].hints, st.cells[0].peeked, st.cells[1].peeked, st.cells[2].hints) == (2, False, True, 0)
    assert st.progress == reproduction_state(demo, scaffold(demo)).progress  # help taken changes no count

def test_check_records_inside_the_core(demo, tmp_path):
    nb = scaffold(demo)
    _fill(_blanks(nb)[1], demo.code_cells[1].code, demo.code_cells[1].outputs)
    p = tmp_path/'demo_reproduce.ipynb'
    p.write_text(json.dumps(nb))
    st = check_reproduction('demo', p)
    assert latest_progress('demo')['done'] == st.progress.done == 1 and latest_progress('demo')['kind'] == 'check'
    check_reproduction('demo', p, record=False)
    assert len(get_store().rows('checks')) == 1
    txt = format_check(st)
    assert txt.startswith('demo: 1 of 11 cells done (1 written, 1 ran): 1 match') and f'%%reproduce {demo.code_cells[1].id}' in txt

def test_a_reproduction_of_another_chapter_is_refused(demo, fastbook):
    ch4 = load_chapter(fastbook/'04_mnist_basics.ipynb')
    nb = scaffold(ch4)
    with pytest.raises(LearnkitError, match='reproduces chapter 04_mnist_basics'): reproduction_state(demo, nb)
