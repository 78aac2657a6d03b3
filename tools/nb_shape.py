"""The shape of each post notebook (01-05): words of prose in the summary and story and in the appendix, and where the
first result comes.

    .venv/bin/python tools/nb_shape.py [NB ...]

The appendix starts at the heading `## Appendix: reruns and checks`; everything before it is the summary and the story.
Words are counted in markdown cells only. The first result is the first code cell with an output after the
summary, which ends at the notebook's first `## ` heading; its index counts code cells from the top, starting at 1."""
import json, re, sys
from pathlib import Path

APPENDIX = '## Appendix: reruns and checks'
LIMIT_WORDS, LIMIT_FIRST = 2000, 12

def source(cell) -> str: return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def words(text:str) -> int:
    "Words of markdown prose: links count by their text, code spans as one word, HTML tags and images not at all"
    text = re.sub(r'!\[[^\]]*\]\([^)]*\)', ' ', text)
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = re.sub(r'<[^>]+>', ' ', text)
    return len(re.findall(r"[\w`'’.,%+-]*\w[\w`'’.,%+-]*", text))

def shape(path:Path) -> dict:
    "Story words, appendix words, the appendix heading's presence and the first result's code-cell index"
    cells = json.loads(path.read_text())['cells']
    story = appendix = 0; in_appendix = past_summary = False; code_index = 0; first = None
    for cell in cells:
        text = source(cell)
        if cell['cell_type'] == 'markdown':
            if text.lstrip().startswith(APPENDIX): in_appendix = True
            if re.search(r'^## ', text, re.M): past_summary = True
            if in_appendix: appendix += words(text)
            else: story += words(text)
        elif cell['cell_type'] == 'code':
            code_index += 1
            if first is None and past_summary and not in_appendix and cell.get('outputs'): first = code_index
    return dict(notebook=path.stem, story_words=story, appendix_words=appendix, appendix=in_appendix,
                first_result=first)

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    paths = [Path(p) for p in sys.argv[1:]] or sorted((root/'nbs').glob('0[1-5]_*.ipynb'))
    print(f"{'notebook':28} {'summary+story':>13} {'appendix':>9} {'first result':>12}   targets: <= {LIMIT_WORDS} words, "
          f"first result <= code cell {LIMIT_FIRST}")
    ok = True
    for p in paths:
        s = shape(p)
        fine = s['appendix'] and s['story_words'] <= LIMIT_WORDS and (s['first_result'] or 99) <= LIMIT_FIRST
        ok &= fine
        print(f"{s['notebook']:28} {s['story_words']:>13} {s['appendix_words'] if s['appendix'] else 'none':>9} "
              f"{s['first_result'] or '-':>12}   {'ok' if fine else 'over target'}")
    sys.exit(0 if ok else 1)
