"A scaffold nobody has written in yet is 0% done, at every hint level, for check, diff, the panel and the dashboard alike."
import pytest
from learnkit.reproduce.scaffold import write_scaffold
from learnkit.reproduce.diff import diff_notebooks
from learnkit.reproduce.state import check_reproduction
from learnkit.study.progress import chapter_progress
from learnkit.ui.panel import PanelModel

@pytest.mark.parametrize('hints', [0, 1, 2, 3])
def test_fresh_demo_scaffold_is_not_written(tmp_path, hints):
    p = write_scaffold('demo', out=tmp_path/f'demo_reproduce_h{hints}.ipynb', hints=hints).path
    d = diff_notebooks('demo', str(p))
    assert (d['progress']['written'], d['progress']['ran'], d['progress']['done']) == (0, 0, 0)
    assert d['summary']['status']['missing'] == d['progress']['cells']
    c = check_reproduction('demo', str(p))
    assert c.progress.to_dict() == d['progress'] and not any(c.progress.verdicts.values())
    assert chapter_progress('demo', [tmp_path]).progress.to_dict() == d['progress']  # the panel and dashboard read this
    pm = PanelModel('demo', cwd=tmp_path)
    assert pm.next_step()[0].startswith('Next blank: §Making the Data, cell 1 ')

def test_an_untouched_hint_2_blank_that_starts_with_an_import_is_not_written(tmp_path):
    "The case from the issue: diff said 0 attempted and the panel 1 written; now every view says 0 until the learner writes or runs it."
    import json
    from learnkit.reproduce.scaffold import hint
    from learnkit.book.chapters import load_chapter
    out = dict(output_type='execute_result', execution_count=1, metadata={}, data={'text/plain': '1.4142135623730951'})
    book = dict(nbformat=4, nbformat_minor=4, metadata={}, cells=[
        dict(cell_type='markdown', metadata={}, source='# Roots'), dict(cell_type='markdown', metadata={}, source='## Square roots'),
        dict(cell_type='code', metadata={}, execution_count=1, source='import math\nr = math.sqrt(2)\nr', outputs=[out])])
    (tmp_path/'roots.ipynb').write_text(json.dumps(book))
    src = str(tmp_path/'roots.ipynb')
    assert hint(load_chapter(src).code_cells[0], 2).split('\n')[1] == 'import math'  # the blank holds an import line
    p = write_scaffold(src, out=tmp_path/'roots_reproduce.ipynb', hints=2).path
    assert check_reproduction(src, p).progress.written == 0 == diff_notebooks(src, p)['progress']['written']
    nb = json.loads(p.read_text())
    blank = next(c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank')
    blank['source'] = ''.join(blank['source']).replace('r = ...', 'r = math.sqrt(2)\nr')
    p.write_text(json.dumps(nb))
    assert check_reproduction(src, p).progress.written == 1 == diff_notebooks(src, p)['progress']['written']

def test_fresh_real_chapter_scaffold_with_hints_is_not_written(tmp_path, fastbook):
    src = str(fastbook/'04_mnist_basics.ipynb')
    for h in (1, 2, 3):
        p = write_scaffold(src, out=tmp_path/f'r{h}.ipynb', hints=h).path
        assert diff_notebooks(src, str(p))['progress']['written'] == 0
        assert check_reproduction(src, str(p)).progress.written == 0
