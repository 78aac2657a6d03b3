__version__ = "0.0.1"

import warnings
# torch 2.14 deprecates `torch.jit.script`, which fastai 2.8.7 still calls at import time: hide that one notice.
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)

from .versions import check_stack as _check_stack
_check_stack()  # a fastai and fastcore that cannot train together: refused here, in one line
