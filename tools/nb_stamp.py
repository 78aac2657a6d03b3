"""What a notebook's last complete execution depended on, as one hash: `make run` skips a notebook whose hash is unchanged.

The hash covers the notebook's cell sources (not its outputs), the package's source, the data it ran on
(`MNIST_NB_DATA` and the names and sizes of the files there), and the records it reads: `results/*.json` for the
results notebooks, `runs/*/run.json` for 05, and the posts' printed tables in `nbs/posts/` for every notebook. Usage: `nb_stamp.py NOTEBOOK` prints the hash."""
import hashlib, json, os, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
READS = {'06_results': 'results/*.json', 'index': 'results/*.json', '05_resnet18': 'runs/*/run.json'}  # records a notebook reads

def inputs(nb:Path):
    "The (name, bytes) pairs `nb`'s execution depends on"
    cells = json.loads(nb.read_text())['cells']
    yield 'cells', json.dumps([(c['cell_type'], ''.join(c['source'])) for c in cells]).encode()
    for f in sorted((root/'mnist_nb').glob('*.py')): yield f.name, f.read_bytes()
    data = os.environ.get('MNIST_NB_DATA', '')
    yield 'MNIST_NB_DATA', data.encode()
    if data and Path(data).is_dir():
        yield 'data files', ' '.join(f'{f.name}:{f.stat().st_size}' for f in sorted(Path(data).iterdir()) if f.is_file()).encode()
    for f in sorted((root/'nbs'/'posts').glob('*')): yield f'posts/{f.name}', f.read_bytes()
    reads = READS.get(nb.stem)
    if reads:
        for f in sorted(root.glob(reads)): yield str(f.relative_to(root)), f.read_bytes()

def stamp(nb) -> str:
    "The hash of everything `nb`'s execution depends on"
    h = hashlib.sha256()
    for name, content in inputs(Path(nb).resolve()): h.update(name.encode() + b'\0' + hashlib.sha256(content).digest())
    return h.hexdigest()[:16]

if __name__ == '__main__': print(stamp(sys.argv[1]))
