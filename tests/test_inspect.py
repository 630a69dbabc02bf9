"""`learnkit inspect`: small datasets of every kind drawn in a temporary folder (PIL images, CSVs, text files), and the
record and problems inspect finds for each."""
import csv, json, random
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError
from learnkit.repeat.inspection import inspect_data, format_info, KINDS

def img(path, size=(24, 20), colour=None, rng=random.Random(0)):
    from PIL import Image
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    Image.new('RGB', size, colour or tuple(rng.randrange(256) for _ in range(3))).save(path)
    return path

def table(path, header, rows):
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as f:
        w = csv.writer(f); w.writerow(header); w.writerows(rows)
    return path

def test_image_folders_with_splits_sizes_and_leak(tmp_path):
    d = tmp_path/'birds'
    for split, n in (('train', 6), ('valid', 3)):
        for c in ('finch', 'robin', 'wren'):
            for i in range(n if c != 'wren' else 2): img(d/split/c/f'{c}{i}.png', size=(20 + i, 16))
    leak = (d/'train'/'robin'/'robin0.png').read_bytes()
    (d/'valid'/'robin'/'copy.png').write_bytes(leak)
    (d/'train'/'empty_class').mkdir()
    info = inspect_data(d)
    assert info.kind == 'image-folders' and info.splits == {'train': 'train', 'valid': 'valid'}
    assert info.classes['finch'] == 9 and info.classes['wren'] == 4 and 'train' not in info.classes
    assert info.image_sizes['min'] == [20, 16] and info.image_sizes['max'] == [25, 16]
    text = format_info(info)
    assert 'leaks' in text and 'copy.png' in text
    assert next(p for p in info.problems if p.kind == 'leak').items == ['train/robin/robin0.png']  # the copy the notebook leaves out
    assert "'wren' (4)" in text  # fewer than a handful of items
    assert 'empty folder train/empty_class/' in text
    assert 'size: ' in text and 'image sizes: min 20x16' in text

def test_unreadable_images_are_found_with_the_fix(tmp_path):
    for c in ('a', 'b'):
        for i in range(5): img(tmp_path/c/f'{i}.jpg')
    (tmp_path/'a'/'broken.jpg').write_bytes(b'not an image at all')
    info = inspect_data(tmp_path)
    p = info.problems[0]
    assert 'unreadable' in p.what and 'broken.jpg' in p.what and 'verify_images' in p.fix

def test_image_names_with_the_regex_that_extracts_the_label(tmp_path):
    for breed in ('great_pyrenees', 'Bengal', 'pug'):
        for i in range(6): img(tmp_path/'images'/f'{breed}_{100 + i}.jpg')
    info = inspect_data(tmp_path)
    assert info.kind == 'image-names' and info.folder == 'images'
    import re
    assert re.match(info.regex, 'great_pyrenees_12.jpg').group(1) == 'great_pyrenees'
    assert sorted(info.classes) == ['Bengal', 'great_pyrenees', 'pug'] and info.classes['pug'] == 6

def test_image_csv_single_and_multi_label(tmp_path):
    single = tmp_path/'single'
    for i in range(12): img(single/'imgs'/f'{i}.png')
    table(single/'labels.csv', ['file', 'kind'], [(f'imgs/{i}.png', 'cat' if i % 3 else 'dog') for i in range(12)])
    info = inspect_data(single)
    assert (info.kind, info.fn_col, info.label_col, info.label_delim) == ('image-csv', 'file', 'kind', '')
    assert info.classes == {'cat': 8, 'dog': 4}
    multi = tmp_path/'multi'
    rows = []
    for i in range(15):
        img(multi/'train'/f'{i:03d}.jpg')
        rows.append((f'{i:03d}.jpg', ' '.join(['person', 'car', 'dog'][:1 + i % 3]), i % 5 == 0))
    table(multi/'train.csv', ['fname', 'labels', 'is_valid'], rows)
    info = inspect_data(multi)
    assert info.kind == 'image-csv' and info.multi_label and info.label_delim == ' '
    assert info.label_col == 'labels' and info.valid_col == 'is_valid' and info.folder == 'train'
    assert info.classes['person'] == 15 and info.classes['dog'] == 5

def test_image_masks_with_codes(tmp_path):
    from PIL import Image
    (tmp_path/'codes.txt').write_text('Road\nSky\nCar\n')
    for i in range(6):
        img(tmp_path/'images'/f'f{i:03d}.png', size=(32, 24))
        (tmp_path/'labels').mkdir(exist_ok=True)
        Image.new('L', (32, 24), i % 3).save(tmp_path/'labels'/f'f{i:03d}_P.png')
    info = inspect_data(tmp_path)
    assert (info.kind, info.folder, info.masks, info.mask_suffix) == ('image-masks', 'images', 'labels', '_P')
    assert info.codes == ['Road', 'Sky', 'Car'] and info.items == 6

def test_tabular_target_guess_column_split_and_date(tmp_path):
    rng = random.Random(1)
    rows = [(i, f'2020-0{1 + i % 9}-1{i % 10}', rng.choice(['red', 'blue']), rng.randint(1, 4), rng.random()*100, 7,
             rng.choice(['yes', 'no'])) for i in range(60)]
    p = table(tmp_path/'shop.csv', ['order_id', 'when', 'colour', 'size', 'weight', 'store', 'bought'], rows)
    info = inspect_data(p)
    assert info.kind == 'tabular' and info.target == 'bought' and info.target_type == 'category'
    assert info.date_col == 'when' and info.cat_names == ['colour', 'size'] and info.cont_names == ['weight']
    text = format_info(info)
    assert "'order_id' is an ID" in text and "'store' is constant" in text
    # a continuous target named as one
    p2 = table(tmp_path/'house.csv', ['rooms', 'area', 'price'], [(rng.randint(1, 6), rng.random()*200, rng.random()*1e5) for _ in range(40)])
    info = inspect_data(p2)
    assert (info.target, info.target_type) == ('price', 'continuous') and info.cont_names == ['area'] and info.cat_names == ['rooms']

def test_tabular_target_that_is_constant_or_an_id_is_a_blocking_problem(tmp_path):
    p = table(tmp_path/'t.csv', ['a', 'target'], [(i % 3, 1) for i in range(30)])
    info = inspect_data(p)
    assert info.blocking and 'constant' in info.blocking[0].what
    p = table(tmp_path/'u.csv', ['a', 'label'], [(i % 3, f'id{i}') for i in range(30)])
    assert 'is an ID' in inspect_data(p).blocking[0].what

def test_ratings_with_title(tmp_path):
    rng = random.Random(2)
    p = table(tmp_path/'r.csv', ['userId', 'movieId', 'rating', 'title'],
              [(rng.randint(1, 9), m, rng.randint(1, 5), f'Film {m}') for m in range(1, 50)])
    info = inspect_data(p)
    assert (info.kind, info.user_col, info.item_col, info.rating_col, info.title_col) == ('ratings', 'userId', 'movieId', 'rating', 'title')
    assert sum(info.classes.values()) == 49

def test_text_folders_and_text_csv(tmp_path):
    rng = random.Random(3)
    words = 'a film story plot good bad great awful the of and'.split()
    for split in ('train', 'test'):
        for c in ('pos', 'neg'):
            for i in range(6): (tmp_path/'t'/split/c).mkdir(parents=True, exist_ok=True); (tmp_path/'t'/split/c/f'{i}.txt').write_text(' '.join(rng.choice(words) for _ in range(10 + i)))
    info = inspect_data(tmp_path/'t')
    assert info.kind == 'text-folders' and info.classes == {'pos': 12, 'neg': 12}
    assert info.splits == {'train': 'train', 'valid': 'test'} and info.text_words == {'min': 10, 'median': 13, 'max': 15}
    p = table(tmp_path/'reviews.csv', ['sentiment', 'review'], [(['pos', 'neg'][i % 2], ' '.join(rng.choice(words) for _ in range(12))) for i in range(20)])
    info = inspect_data(p)
    assert (info.kind, info.text_col, info.label_col) == ('text-csv', 'review', 'sentiment')

def test_a_single_class_is_blocking(tmp_path):
    for i in range(6): img(tmp_path/'only'/f'{i}.png')
    info = inspect_data(tmp_path)
    assert info.kind == 'image-folders' and info.blocking and 'single class' in info.blocking[0].what

@pytest.mark.parametrize('make, msg', [
    (lambda p: p/'missing', 'does not exist'),
    (lambda p: (p/'x.bin').write_bytes(b'1') and p/'x.bin', 'is a file'),
    (lambda p: (p/'empty').mkdir() or p/'empty', 'empty folder'),
    (lambda p: ((p/'d').mkdir(), (p/'d'/'a.bin').write_bytes(b'1')) and p/'d', "can't tell what"),
])
def test_bad_input_is_one_clear_line(tmp_path, make, msg):
    with pytest.raises(LearnkitError) as e: inspect_data(make(tmp_path))
    s = str(e.value)
    assert msg in s and '\n' not in s
    if "can't tell" in msg: assert all(k in s for k in KINDS) and '1 .bin' in s

def test_fingerprint_follows_the_data(tmp_path):
    for c in ('a', 'b'):
        for i in range(5): img(tmp_path/c/f'{i}.png', colour=(i*9, 0, 0))
    f1 = inspect_data(tmp_path).fingerprint
    assert inspect_data(tmp_path).fingerprint == f1
    img(tmp_path/'a'/'new.png')
    assert inspect_data(tmp_path).fingerprint != f1

def test_to_dict_is_json(tmp_path):
    for c in ('a', 'b'):
        for i in range(5): img(tmp_path/c/f'{i}.png')
    d = json.loads(json.dumps(inspect_data(tmp_path).to_dict()))
    assert d['kind'] == 'image-folders' and d['problems'] == [] and d['multi_label'] is False

def test_the_helpers_repeat_uses_are_public():
    from learnkit.repeat.inspection import class_of, file_ext, split_of
    assert file_ext('a/B.JPG') == '.jpg' and file_ext('README') == ''
    assert class_of(('train', 'robin', '1.png')) == 'robin' and class_of(('train', '1.png')) == ''
    assert split_of(('valid', 'robin', '1.png')) == 'valid' and split_of(('robin', '1.png')) == ''

# --- a learner's own data, as it comes --------------------------------------------------------------------------

def shapes_beside_a_table(root):
    "A folder the way a learner keeps it: customers.csv (a date, missing values) next to shapes/ (a truncated JPEG, a nested class folder)."
    rng = random.Random(4)
    for c in ('square', 'circle', 'triangle'):
        for i in range(8): img(root/'shapes'/c/f'{c}_{i}.jpg', colour=(40*i, 90, 200 if c == 'square' else 20))
    for i in range(4): img(root/'shapes'/'triangle'/'batch_2024'/f'tri_{i}.jpg')
    good = (root/'shapes'/'square'/'square_0.jpg').read_bytes()
    (root/'shapes'/'square'/'square_broken.jpg').write_bytes(good[:len(good)//2])  # the header reads, the pixels don't
    rows = [(1000 + i, f'2023-{1 + i % 12:02d}-{1 + i % 28:02d}', ['north', 'south', ''][i % 3], '' if i % 7 == 0 else rng.randint(18, 80),
             '' if i % 5 == 0 else round(rng.uniform(10, 150), 1), rng.choice(['basic', 'pro']), rng.choice(['yes', 'no'])) for i in range(60)]
    table(root/'customers.csv', ['customer_id', 'joined', 'region', 'age', 'spend', 'plan', 'churned'], rows)
    return root

def test_a_table_file_is_that_table_not_the_folder_beside_it(tmp_path):
    ds = shapes_beside_a_table(tmp_path/'ds')
    info = inspect_data(ds/'customers.csv')
    assert info.kind == 'tabular' and info.path == str(ds/'customers.csv') and info.file and info.root == ds
    assert format_info(info).startswith(f'{ds/"customers.csv"}: tabular')
    assert info.fingerprint == inspect_data(ds/'customers.csv').fingerprint != inspect_data(ds/'shapes').fingerprint

def test_missing_values_per_column_with_their_fix(tmp_path):
    info = inspect_data(shapes_beside_a_table(tmp_path/'ds')/'customers.csv')
    assert info.missing == {'age': 9, 'spend': 12, 'region': 20}
    p = next(p for p in info.problems if p.kind == 'missing')
    assert not p.blocking and p.what == '41 missing values in 3 columns: age 9, spend 12, region 20'
    assert 'FillMissing' in p.fix and 'pandas 3' in p.fix and 'Categorify' in p.fix

def test_a_truncated_image_and_a_nested_class_folder(tmp_path):
    info = inspect_data(shapes_beside_a_table(tmp_path/'ds')/'shapes')
    assert info.classes == {'triangle': 12, 'square': 9, 'circle': 8}  # batch_2024 is part of triangle, not a class
    assert info.nested == {'triangle/batch_2024': 'triangle'}
    kinds = {p.kind: p for p in info.problems}
    assert kinds['unreadable'].items == ['square/square_broken.jpg']
    assert "parent_label would make a class of 'batch_2024'" in kinds['nested'].what and kinds['nested'].items == ['triangle/batch_2024']

def test_a_csv_that_names_images_beside_it(tmp_path):
    for i in range(12): img(tmp_path/'pics'/f'{i}.png')
    p = table(tmp_path/'labels.csv', ['file', 'kind'], [(f'pics/{i}.png', 'cat' if i % 3 else 'dog') for i in range(12)])
    info = inspect_data(p)
    assert (info.kind, info.path, info.file, info.table, info.fn_col) == ('image-csv', str(p), True, 'labels.csv', 'file')
    assert info.classes == {'cat': 8, 'dog': 4} and 'images: in ' in format_info(info)

def test_short_reviews_are_text_and_the_rule_is_stated(tmp_path):
    rng = random.Random(8)
    words = 'great awful fine boring lovely dull plot acting ending music cast story'.split()
    p = table(tmp_path/'reviews.csv', ['review', 'sentiment'], [(' '.join(rng.choice(words) for _ in range(6)), ['positive', 'negative'][i % 2]) for i in range(200)])
    info = inspect_data(p)
    assert (info.kind, info.text_col, info.label_col) == ('text-csv', 'review', 'sentiment') and info.text_words['median'] == 6
    assert 'text when its values have 8 words or more (median), or 3 or more' in format_info(info)
    # a names column in a wide table of measurements stays a feature of that table
    rows = [(f'{rng.choice(words)}, Mr. {rng.choice(words)} {i}', rng.randint(1, 3), rng.random()*80, rng.randint(0, 5), rng.random()*90, rng.choice('01'))
            for i in range(80)]
    assert inspect_data(table(tmp_path/'people.csv', ['name', 'pclass', 'age', 'sibsp', 'fare', 'survived'], rows)).kind == 'tabular'

def test_problems_carry_a_kind_and_their_files(tmp_path):
    for c in ('a', 'b'):
        for i in range(5): img(tmp_path/c/f'{i}.png')
    img(tmp_path/'stray.png')
    p = next(p for p in inspect_data(tmp_path).problems if p.kind == 'unlabelled')
    assert p.items == ['stray.png'] and p.to_dict()['kind'] == 'unlabelled'

def test_a_class_folder_holding_only_a_subfolder_is_still_that_class(tmp_path):
    "`triangle/` holds nothing but `batch_2024/`, beside `circle/` and `square/` with their images: the class is triangle, said once."
    for c in ('circle', 'square', 'triangle/batch_2024'):
        for i in range(5): img(tmp_path/'shapes'/c/f'{i}.jpg')
    info = inspect_data(tmp_path/'shapes')
    assert info.classes == {'circle': 5, 'square': 5, 'triangle': 5} and info.nested == {'triangle/batch_2024': 'triangle'}
    assert [p.items for p in info.problems if p.kind == 'nested'] == [['triangle/batch_2024']]
    # folders all at one depth are classes as they are, splits included
    for c in ('train/cat', 'valid/cat', 'train/dog'):
        img(tmp_path/'pets'/c/'a.jpg')
    assert inspect_data(tmp_path/'pets').nested == {}
