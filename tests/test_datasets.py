"""Tiny stand-in datasets: their layout, names and determinism (fast, without fastai), and each one read by the fastai
data-block code the chapters use, offline (`slow`: they import fastai and build DataLoaders)."""
import hashlib, time
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError
from learnkit.book.datasets import TINY_DATASETS, tiny_dataset, tiny_name, demo_data

pytestmark = pytest.mark.filterwarnings('ignore')

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "Every tiny dataset, drawn once for this module, with how long each took."
    root, took = tmp_path_factory.mktemp('tiny'), {}
    paths = {}
    for k in TINY_DATASETS:
        t0 = time.perf_counter(); paths[k] = tiny_dataset(k, root); took[k] = time.perf_counter() - t0
    return paths, took

@pytest.mark.slow
def test_every_dataset_is_small_and_fast(tiny):
    paths, took = tiny
    assert set(paths) >= {'MNIST_SAMPLE', 'MNIST', 'PETS', 'PASCAL_2007', 'BIWI_HEAD_POSE', 'IMAGENETTE', 'IMAGENETTE_160',
                          'IMAGENETTE_320', 'CAMVID_TINY', 'IMDB', 'IMDB_SAMPLE', 'ADULT_SAMPLE', 'ML_SAMPLE', 'ML_100k', 'HUMAN_NUMBERS'}
    slow = {k: round(t, 2) for k, t in took.items() if t > 5}
    assert not slow, slow
    for k, p in paths.items():
        size = sum(f.stat().st_size for f in p.rglob('*') if f.is_file())
        assert 0 < size < 20e6, (k, size)

@pytest.mark.slow  # fastai's URLs imports torch
def test_every_url_of_fastai_has_its_name():
    from fastai.data.external import URLs
    for k in TINY_DATASETS: assert tiny_name(getattr(URLs, k)) == k

def test_names_and_urls():
    assert tiny_name('https://s3.amazonaws.com/fast-ai-imageclas/oxford-iiit-pet.tgz') == 'PETS' and tiny_name('ml-100k') == 'ML_100k'
    assert tiny_name('bluebook-for-bulldozers') is None
    with pytest.raises(LearnkitError, match="no tiny stand-in for dataset 'bluebook"): tiny_dataset('bluebook-for-bulldozers')

def test_deterministic_and_cached(tmp_path):
    "The same pixels from a name or a URL, drawn once."
    def digest(p): return hashlib.sha1(b''.join(f.name.encode() + f.read_bytes() for f in sorted(p.rglob('*')) if f.is_file())).hexdigest()
    a, b = tiny_dataset('PETS', tmp_path/'a'), tiny_dataset('https://s3.amazonaws.com/fast-ai-imageclas/oxford-iiit-pet.tgz', tmp_path/'b')
    assert digest(a) == digest(b)
    t0 = time.perf_counter(); tiny_dataset('PETS', tmp_path/'a')
    assert time.perf_counter() - t0 < 0.05  # drawn once

def test_default_folder_is_under_data_dir(data_dir):
    assert tiny_dataset('ML_SAMPLE') == data_dir/'tiny'/'movie_lens_sample'

@pytest.mark.slow
def test_mnist_sample(tiny):
    import pandas as pd
    from fastai.vision.all import ImageDataLoaders
    p = tiny[0]['MNIST_SAMPLE']
    assert sorted(f.name for f in (p/'train').iterdir()) == ['3', '7']
    df = pd.read_csv(p/'labels.csv')
    assert list(df.columns) == ['name', 'label'] and all((p/n).exists() for n in df.name)
    dls = ImageDataLoaders.from_folder(p, bs=8, num_workers=0)
    assert dls.vocab == ['3', '7']
    x, y = dls.one_batch()
    assert x.shape[1:] == (3, 28, 28)

@pytest.mark.slow
def test_mnist(tiny):
    from fastai.vision.all import DataBlock, ImageBlock, CategoryBlock, get_image_files, GrandparentSplitter, parent_label, PILImageBW
    p = tiny[0]['MNIST']
    dls = DataBlock((ImageBlock(cls=PILImageBW), CategoryBlock), get_items=get_image_files, splitter=GrandparentSplitter('training', 'testing'),
                    get_y=parent_label).dataloaders(p, bs=8, num_workers=0)
    assert list(dls.vocab) == [str(i) for i in range(10)] and len(dls.valid_ds) == 20

@pytest.mark.slow
def test_pets_chapter_5_style(tiny):
    from fastai.vision.all import (DataBlock, ImageBlock, CategoryBlock, get_image_files, RandomSplitter, using_attr,
                                   RegexLabeller, Resize, aug_transforms, ImageDataLoaders)
    p = tiny[0]['PETS']
    pets = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, splitter=RandomSplitter(seed=42),
                     get_y=using_attr(RegexLabeller(r'(.+)_\d+.jpg$'), 'name'), item_tfms=Resize(96),
                     batch_tfms=aug_transforms(size=64, min_scale=0.75))
    dls = pets.dataloaders(p/'images', bs=8, num_workers=0)
    labeller = using_attr(RegexLabeller(r'(.+)_\d+.jpg$'), 'name')
    breeds = {labeller(f) for f in get_image_files(p/'images')}
    assert len(breeds) == 37 and {'Abyssinian', 'yorkshire_terrier'} <= breeds and set(dls.vocab) <= breeds
    assert dls.one_batch()[0].shape == (8, 3, 64, 64)
    # chapter 1's cat-or-dog labels: cats' file names start with a capital letter
    def is_cat(x): return x[0].isupper()
    dls = ImageDataLoaders.from_name_func(p/'images', get_image_files(p/'images'), valid_pct=0.2, seed=42, label_func=is_cat,
                                          item_tfms=Resize(64), bs=8, num_workers=0)
    assert list(dls.vocab) == [False, True]

@pytest.mark.slow
def test_pascal_multilabel(tiny):
    import pandas as pd
    from fastai.vision.all import DataBlock, ImageBlock, MultiCategoryBlock, ColSplitter, RandomResizedCrop, get_annotations
    p = tiny[0]['PASCAL_2007']
    df = pd.read_csv(p/'train.csv')
    assert list(df.columns) == ['fname', 'labels', 'is_valid'] and df.is_valid.dtype == bool
    dblock = DataBlock(blocks=(ImageBlock, MultiCategoryBlock), splitter=ColSplitter(),
                       get_x=lambda r: p/'train'/r['fname'], get_y=lambda r: r['labels'].split(' '), item_tfms=RandomResizedCrop(64, min_scale=0.35))
    dls = dblock.dataloaders(df, bs=8, num_workers=0)
    x, y = dls.one_batch()
    assert y.shape == (8, len(dls.vocab)) and set(dls.vocab) <= {'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
           'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'}
    imgs, lbl_bbox = get_annotations(p/'train.json')
    assert len(imgs) == len(df) and all(len(b[0]) == len(b[1]) for b in lbl_bbox)

@pytest.mark.slow
def test_biwi_head_pose_chapter_6_style(tiny):
    import numpy as np
    from fastai.vision.all import (DataBlock, ImageBlock, PointBlock, get_image_files, FuncSplitter, Resize, tensor, PILImage)
    p = tiny[0]['BIWI_HEAD_POSE']
    img_files = get_image_files(p)
    def img2pose(x): return Path(f'{str(x)[:-7]}pose.txt')
    assert all(img2pose(f).exists() for f in img_files)
    cal = np.genfromtxt(p/'01'/'rgb.cal', skip_footer=6)
    assert cal.shape == (3, 3)
    def get_ctr(f):
        ctr = np.genfromtxt(img2pose(f), skip_header=3)
        c1 = ctr[0] * cal[0][0]/ctr[2] + cal[0][2]
        c2 = ctr[1] * cal[1][1]/ctr[2] + cal[1][2]
        return tensor([c1, c2])
    w, h = PILImage.create(img_files[0]).size
    assert (w, h) == (640, 480)
    c = get_ctr(img_files[0])
    assert 0 < c[0] < w and 0 < c[1] < h
    biwi = DataBlock(blocks=(ImageBlock, PointBlock), get_items=get_image_files, get_y=get_ctr,
                     splitter=FuncSplitter(lambda o: o.parent.name == '13'), item_tfms=Resize((60, 80)))
    dls = biwi.dataloaders(p, bs=4, num_workers=0)
    x, y = dls.one_batch()
    assert y.shape == (4, 1, 2) and len(dls.valid_ds) == 6

@pytest.mark.parametrize('k,side', [('IMAGENETTE', 375), ('IMAGENETTE_160', 160), ('IMAGENETTE_320', 320)])
@pytest.mark.slow
def test_imagenette(tiny, k, side):
    import pandas as pd
    from fastai.vision.all import ImageDataLoaders, Resize, PILImage, get_image_files
    p = tiny[0][k]
    dls = ImageDataLoaders.from_folder(p, valid='val', item_tfms=Resize(32), bs=8, num_workers=0)
    assert len(dls.vocab) == 10 and dls.vocab[0] == 'n01440764'
    assert min(PILImage.create(get_image_files(p)[0]).size) == side
    df = pd.read_csv(p/'noisy_imagenette.csv')
    assert 'noisy_labels_0' in df.columns and all((p/f).exists() for f in df.path)

@pytest.mark.slow
def test_camvid_tiny_chapter_1_style(tiny):
    import numpy as np
    from fastai.vision.all import SegmentationDataLoaders, get_image_files
    p = tiny[0]['CAMVID_TINY']
    codes = np.loadtxt(p/'codes.txt', dtype=str)
    assert len(codes) == 32
    dls = SegmentationDataLoaders.from_label_func(p, bs=4, fnames=get_image_files(p/'images'),
                                                  label_func=lambda o: p/'labels'/f'{o.stem}_P{o.suffix}', codes=codes, num_workers=0)
    x, y = dls.one_batch()
    assert x.shape[-2:] == y.shape[-2:] and int(y.max()) < 32

@pytest.mark.slow
def test_imdb_text_from_folder(tiny):
    from fastai.text.all import TextDataLoaders, get_text_files
    p = tiny[0]['IMDB']
    files = get_text_files(p, folders=['train', 'test', 'unsup'])
    assert len(files) == 48 and all(f.stem.split('_')[1].isdigit() for f in files)
    dls = TextDataLoaders.from_folder(p, valid='test', bs=4, num_workers=0)
    assert list(dls.vocab[1]) == ['neg', 'pos'] and 'xxbos' in dls.vocab[0]

def test_imdb_sample_csv(tmp_path):
    import pandas as pd
    p = tiny_dataset('IMDB_SAMPLE', tmp_path)
    df = pd.read_csv(p/'texts.csv')
    assert list(df.columns) == ['label', 'text', 'is_valid'] and set(df.label) == {'negative', 'positive'} and df.is_valid.any()

@pytest.mark.slow
def test_adult_sample_chapter_1_style(tiny):
    from fastai.tabular.all import TabularDataLoaders, Categorify, FillMissing, Normalize
    p = tiny[0]['ADULT_SAMPLE']
    dls = TabularDataLoaders.from_csv(p/'adult.csv', path=p, y_names='salary',
        cat_names=['workclass', 'education', 'marital-status', 'occupation', 'relationship', 'race'],
        cont_names=['age', 'fnlwgt', 'education-num'], procs=[Categorify, FillMissing, Normalize], valid_pct=0.2, seed=42, bs=16, num_workers=0)
    assert list(dls.vocab) == ['<50k', '>=50k']
    assert 'education-num_na' in dls.cat_names  # FillMissing found the gaps the real file has

@pytest.mark.slow
def test_ml_sample(tiny):
    from fastai.collab import CollabDataLoaders
    dls = CollabDataLoaders.from_csv(tiny[0]['ML_SAMPLE']/'ratings.csv', bs=16, num_workers=0)
    u, m = dls.classes['userId'], dls.classes['movieId']
    assert len(u) > 10 and len(m) > 10

@pytest.mark.slow
def test_ml_100k_chapter_8_style(tiny):
    import pandas as pd
    from fastai.collab import CollabDataLoaders
    p = tiny[0]['ML_100k']
    ratings = pd.read_csv(p/'u.data', delimiter='\t', header=None, names=['user', 'movie', 'rating', 'timestamp'])
    movies = pd.read_csv(p/'u.item', delimiter='|', encoding='latin-1', usecols=(0, 1), names=('movie', 'title'), header=None)
    assert any('Café' in t for t in movies.title)  # latin-1, like the real file
    ratings = ratings.merge(movies)
    dls = CollabDataLoaders.from_df(ratings, item_name='title', bs=16, num_workers=0)
    x, y = dls.one_batch()
    assert x.shape == (16, 2) and 1 <= float(y.min()) and float(y.max()) <= 5

def test_human_numbers(tmp_path):
    p = tiny_dataset('HUMAN_NUMBERS', tmp_path)
    lines = (p/'train.txt').read_text().splitlines(keepends=True) + (p/'valid.txt').read_text().splitlines(keepends=True)
    assert lines[0] == 'one \n' and lines[120] == 'one hundred twenty one \n'
    text = ' . '.join(l.strip() for l in lines)
    assert set(text.split(' ')) <= {'.', 'hundred', 'thousand'} | set('zero one two three four five six seven eight nine ten eleven twelve '
        'thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety'.split())

def test_demo_data_still_matches_the_demo_chapter(tmp_path):
    "The demo chapter's stored outputs were made from these pixels: `demo_data` must keep drawing exactly them."
    import re
    import numpy as np
    from PIL import Image
    from learnkit.book.chapters import load_chapter
    ch = load_chapter('demo')
    p = demo_data(tmp_path/'sd')
    files = [f for f in p.rglob('*.png')]
    def text(c): t = c.outputs[0]['data']['text/plain']; return ''.join(t) if isinstance(t, list) else t
    out = text(next(c for c in ch.cells if c.code.strip() == 't[:6, :6, 0]'))
    want = [int(v) for v in re.findall(r'\d+', out.split('(', 1)[1])]
    t = np.array(Image.open(sorted(files)[0]).convert('RGB'))  # what fastai's PILImage.create reads
    assert t[:6, :6, 0].flatten().tolist() == want[:36]
    n_out = text(next(c for c in ch.cells if c.code.strip().startswith('files = get_image_files')))
    assert int(n_out) == len(files)
