import subprocess
import sys

from matplotlib.colors import to_rgb

from adamlab.optim import OPTIMIZERS
from adamlab.plot import OPTIMIZER_COLORS, color_for


def test_every_registered_optimizer_has_its_own_colour():
    assert set(OPTIMIZER_COLORS) == set(OPTIMIZERS)
    assert len(set(OPTIMIZER_COLORS.values())) == len(OPTIMIZER_COLORS)
    for c in OPTIMIZER_COLORS.values():
        to_rgb(c)


def test_color_for_is_case_insensitive_and_stable_for_unknown_names():
    assert color_for(" Adam") == OPTIMIZER_COLORS["adam"]
    assert color_for("lion") == color_for("lion")
    to_rgb(color_for("lion"))


def test_import_adamlab_does_not_import_matplotlib():
    code = ("import sys, adamlab, adamlab.landscape, adamlab.optim; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_import_adamlab_plot_does_not_touch_pyplot():
    code = "import sys, adamlab.plot; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
