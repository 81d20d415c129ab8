"""Writes examples/vmtl/testdata/digits.txt: the rotated-digits tasks of the
vmtl example, made from the 8x8 handwritten digits that ship with
scikit-learn (1797 images, pixel values 0..16).

Each task is one rotation angle. Tasks get disjoint images: TRAIN training
and TEST test images each, training images balanced over the ten classes.
Rotation is bilinear about the image centre (scipy.ndimage.rotate, order 1,
same 8x8 frame); values are rounded back to 0..16.

Output, one image per line: "task split label pixels", split 0 = train,
1 = test, pixels 64 characters, each one base-17 digit (0-9, a-g) in
row-major order. A header line "# angles ..." lists the angle of each task.

Run once:  .venv/bin/python scripts/data/vmtl_digits.py
"""

import os

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits

ANGLES = [0, 30, 60, 90, 120, 150]
TRAIN = 30
TEST = 120
SEED = 2026

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "vmtl", "testdata", "digits.txt")
DIGITS = "0123456789abcdefg"


def main():
    d = load_digits()
    images, labels = d.images, d.target
    rng = np.random.default_rng(SEED)
    by_class = [list(rng.permutation(np.flatnonzero(labels == c))) for c in range(10)]
    rest = []
    lines = ["# angles " + " ".join(str(a) for a in ANGLES)]
    train_sets = []
    for _ in ANGLES:
        idx = [by_class[c].pop() for c in range(10) for _ in range(TRAIN // 10)]
        train_sets.append(idx)
    for c in range(10):
        rest.extend(by_class[c])
    rest = list(rng.permutation(rest))
    for t, angle in enumerate(ANGLES):
        test = [rest.pop() for _ in range(TEST)]
        for split, idx in ((0, train_sets[t]), (1, test)):
            for i in idx:
                img = ndimage.rotate(images[i], angle, reshape=False, order=1, mode="constant", cval=0.0)
                px = np.clip(np.rint(img), 0, 16).astype(int).ravel()
                lines.append(f"{t} {split} {labels[i]} " + "".join(DIGITS[v] for v in px))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
