"""The wheel holds the two import packages and nothing else: `python .ci/wheel_contents.py WHEEL`.

Every file in it is either its own .dist-info metadata or a file of autograd/ or nn/, and every
file of those two folders in the checkout (sources, py.typed; not __pycache__) is in it. So no
tests/, benchmarks/, notebooks/ or docs/ ship, and no subpackage or data file is left behind.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

PACKAGES = ("autograd", "nn")
root = Path(__file__).resolve().parent.parent

(wheel,) = sys.argv[1:]
names = [n for n in zipfile.ZipFile(wheel).namelist() if not n.endswith("/")]
dist_info = [n for n in names if n.split("/")[0].endswith(".dist-info")]
shipped = {n for n in names if n not in dist_info}
expected = {
    path.relative_to(root).as_posix()
    for package in PACKAGES
    for path in (root / package).rglob("*")
    if path.is_file() and "__pycache__" not in path.parts
}

problems = [f"not one of {PACKAGES}: {n}" for n in sorted(shipped - expected)]
problems += [f"missing from the wheel: {n}" for n in sorted(expected - shipped)]
problems += [f"py.typed missing: {p}/py.typed" for p in PACKAGES if f"{p}/py.typed" not in shipped]
if problems:
    sys.exit(f"{Path(wheel).name}:\n  " + "\n  ".join(problems))
print(
    f"{Path(wheel).name}: {len(shipped)} files, all in {' and '.join(p + '/' for p in PACKAGES)} "
    f"(py.typed in both), and {len(dist_info)} of metadata"
)
