"""resnet18 throughput on this machine: one epoch of post 002's pipeline (horizontal flips on) against the
notebook's (flips off), same images, same seed, measured side by side, plus validation (inference) speed.

`measure()` returns rows of seconds per 1,000 images for each way, so that the ratio reads like the other
benchmarks' (above 1: mnist_nb's way is faster). No thresholds."""
from mnist_nb.data import mnist_path
from mnist_nb.train import mnist_datablock, EpochTimer
from fastai.vision.all import set_seed, vision_learner, resnet18, accuracy

def one_epoch(flips:bool, per_split:int=640, bs:int=64) -> dict:
    "Images per second for training and validation, one epoch of resnet18 on `per_split` images of each split"
    set_seed(42, reproducible=True)
    dls = mnist_datablock(per_split=per_split, flips=flips).dataloaders(mnist_path(), bs=bs, num_workers=0)
    timer = EpochTimer()
    learn = vision_learner(dls, resnet18, pretrained=False, metrics=accuracy, cbs=timer)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    row = timer.table().iloc[0]
    return dict(train=row.train_images_per_s, valid=row.valid_images_per_s)

def measure():
    "Rows of images/s: post's pipeline (flips) vs mnist_nb's (no flips), for training and for validation"
    posts, ours = one_epoch(flips=True), one_epoch(flips=False)
    return [dict(benchmark=f'resnet18 training, s per 1,000 images ({ours["train"]:.0f} img/s here)', posts_way=1000/posts['train'], mnist_nb=1000/ours['train']),
            dict(benchmark=f'resnet18 validation, s per 1,000 images ({ours["valid"]:.0f} img/s here)', posts_way=1000/posts['valid'], mnist_nb=1000/ours['valid'])]

if __name__ == '__main__':
    for r in measure(): print(f"{r['benchmark']:60} posts' way {r['posts_way']:7.2f}s  mnist_nb {r['mnist_nb']:7.2f}s  ratio {r['posts_way']/r['mnist_nb']:5.2f}x")
