"""``adamlab explore``: a page in the browser over adamlab's own optimizers.

Three views, all computed by adamlab in a local server (``adamlab.explore.server``):

* **Landscape**: optimizer paths on a 2-D test function (``adamlab.landscape``), redrawn as
  the sliders move, with each step's gradient, m̂, v̂, bias corrections and step read from the
  optimizer's state;
* **Training playground**: an MLP trained epoch by epoch on a 2-D data set, its learning
  curves, decision boundary and Adam's internals streamed as epochs finish;
* **The article**: the seed experiment and its correction, each with its real curve.

::

    server = make_server()          # 127.0.0.1, a free port
    print(server.url)
    server.serve_forever()
"""

from adamlab.explore.server import ExploreServer, make_server
from adamlab.explore.validate import LIMITS, BadRequest

__all__ = ["ExploreServer", "make_server", "BadRequest", "LIMITS"]
