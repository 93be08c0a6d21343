"""The explorer in a real browser: headless Chromium driven from pytest.

The driver is selenium with the distribution's ``chromedriver`` (Debian's ``chromium-driver``,
built from the same source as its ``chromium``, so the two always match). Selenium is a pure
Python wheel that downloads nothing when given the driver's path; the alternative, the
``playwright`` package, ships a Node driver of its own and expects its own browser build, which
an offline CI cannot download. ``.ci/run`` installs ``chromium`` and ``chromium-driver``; on a
machine without them these tests skip, saying why (and fail under CI=true, where they must run).

Screenshots go to a temporary folder, or to ``$ADAMLAB_EXPLORE_SCREENSHOTS`` when set
(``ADAMLAB_EXPLORE_SCREENSHOTS=docs/figures/explore`` refreshes the guide's pictures).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from adamlab.landscape import get_function
from adamlab.optim import make_optimizer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000")


def _missing() -> str:
    if not CHROMIUM or not CHROMEDRIVER:
        return "headless Chromium is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return ""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    why = _missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests must run in CI: {why}")
        pytest.skip(why)
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium never looks for a driver online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(20)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, server):
    """The page freshly loaded, its first paths drawn."""
    browser.get(server.url)
    _wait(browser, "document.body.dataset.ready === 'true' && "
                   "document.body.dataset.drawing === 'false'")
    browser.get_log("browser")  # start each test with an empty console
    return browser


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    target = os.environ.get("ADAMLAB_EXPLORE_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _wait(driver, condition: str, timeout: float = 10.0):
    """Poll a JavaScript expression until it is truthy; return its value."""
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({condition});")
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for: {condition}")
        time.sleep(0.05)


def _js(driver, expr: str):
    return driver.execute_script(f"return ({expr});")


def _points(driver, name: str) -> str:
    return _js(driver, f"document.querySelector('#path-{name} polyline.trace')"
                       f".getAttribute('points')")


def _severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _keys(driver, *keys):
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def test_page_loads_with_no_console_errors(browser, server, shots):
    browser.get(server.url)
    _wait(browser, "document.body.dataset.ready === 'true' && "
                   "document.body.dataset.drawing === 'false'")
    assert _severe(browser) == []
    drawn = _js(browser, "[...document.querySelectorAll('#ls-svg g[id^=path-]')].map(g => "
                         "[g.id, Number(g.querySelector('polyline.trace')"
                         ".getAttribute('stroke-width'))])")
    assert {g for g, _ in drawn} == {"path-adam", "path-sgd", "path-momentum", "path-rmsprop"}
    widths = [w for _, w in drawn]  # drawn first is widest, each next narrower on top
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 4
    browser.save_screenshot(str(shots / "landscape.png"))


def _plot_pixels(driver) -> np.ndarray:
    from io import BytesIO

    from PIL import Image

    png = driver.find_element("id", "ls-plot").screenshot_as_png
    return np.asarray(Image.open(BytesIO(png)).convert("RGB")).astype(int)


def test_no_path_on_the_page_is_fully_covered(page):
    """As for the static figure: each path drawn alone leaves pixels, and in the full drawing
    at least 15% of them still show it."""
    ids = _js(page, "[...document.querySelectorAll('#ls-svg g[id^=path-]')].map(g => g.id)")
    show = ("(ids, on) => { for (const g of document.querySelectorAll('#ls-svg g[id^=path-]'))"
            " g.style.display = ids.includes(g.id) && on ? '' : 'none'; }")
    full = _plot_pixels(page)
    page.execute_script(f"({show})(arguments[0], false)", ids)
    background = _plot_pixels(page)
    for gid in ids:
        page.execute_script(f"({show})(arguments[0], true)", [gid])
        alone = _plot_pixels(page)
        footprint = np.any(np.abs(alone - background) > 12, axis=2)
        shown = footprint & np.all(np.abs(full - alone) <= 12, axis=2)
        assert footprint.sum() > 100, gid
        assert shown.sum() >= 0.15 * footprint.sum(), (gid, shown.sum(), footprint.sum())
    page.execute_script(f"({show})(arguments[0], true)", ids)


def test_moving_a_slider_redraws_and_the_numbers_are_adamlabs(page, shots):
    before = _points(page, "adam")
    sgd_before = _points(page, "sgd")
    page.execute_script("document.getElementById('ls-beta1').focus()")  # the keys move it
    from selenium.webdriver.common.keys import Keys

    _keys(page, *[Keys.ARROW_LEFT] * 100)  # β1 0.9 -> 0.8
    _wait(page, "document.body.dataset.drawing === 'false' && "
                "document.getElementById('ls-beta1').value === '0.8'")
    _wait(page, "document.body.dataset.drawing === 'false'")
    assert _points(page, "adam") != before  # Adam's path moved with β1
    assert _points(page, "sgd") == sgd_before  # SGD takes no β: unchanged
    # Inspect step 25 by keyboard, read the table, and run adamlab.optim here for the same settings.
    page.execute_script("document.getElementById('ls-inspect').focus()")
    _keys(page, Keys.HOME, *[Keys.ARROW_RIGHT] * 25)
    _wait(page, "document.getElementById('ls-t').textContent === '25'")
    shown = _js(page, "Object.fromEntries([...document.querySelectorAll('#ls-internals td')]"
                      ".map(td => [td.id, td.textContent]))")
    lr = float(_js(page, "document.getElementById('ls-lr-adam-out').textContent"))
    assert lr == 0.05
    fn = get_function("rosenbrock")
    theta = np.array(fn.start, dtype=np.float64)
    opt = make_optimizer("adam", [theta], lr=lr, betas=(0.8, 0.999), eps=1e-8)
    for _ in range(25):
        before_step = theta.copy()
        grad = np.array(fn.gradient(*theta), dtype=np.float64)
        opt.step([grad])
    state, t = opt.state[0], opt.state[0]["step"]
    expected = {"x": theta[0], "y": theta[1], "f": fn(*theta), "bc1": 1 - 0.8**t,
                "bc2": 1 - 0.999**t}
    for i in range(2):
        expected[f"grad-{i}"] = grad[i]
        expected[f"m_hat-{i}"] = state["exp_avg"][i] / (1 - 0.8**t)
        expected[f"v_hat-{i}"] = state["exp_avg_sq"][i] / (1 - 0.999**t)
        expected[f"step-{i}"] = theta[i] - before_step[i]
    for key, value in expected.items():
        text = shown[f"cell-adam-{key}"]
        assert float(text) == pytest.approx(float(value), rel=2e-5, abs=1e-12), key
    # and SGD with momentum (no β: its own state array, by name), at lr 0.001
    theta = np.array(fn.start, dtype=np.float64)
    heavy = make_optimizer("momentum", [theta], lr=0.001)
    for _ in range(25):
        heavy.step([np.array(fn.gradient(*theta), dtype=np.float64)])
    buffer = heavy.state[0]["momentum_buffer"]
    for i, value in enumerate([theta[0], theta[1], buffer[0], buffer[1]]):
        key = ("x", "y", "buf:momentum_buffer-0", "buf:momentum_buffer-1")[i]
        assert float(shown[f"cell-momentum-{key}"]) == pytest.approx(float(value), rel=2e-5), key
    page.save_screenshot(str(shots / "landscape-inspect.png"))
    # hovering Adam's 300th point inspects the step of the point under the pointer
    from selenium.webdriver.common.action_chains import ActionChains

    svg = page.find_element("id", "ls-svg")
    x, y = map(float, _points(page, "adam").split(" ")[300].split(","))
    width, height = svg.size["width"], svg.size["height"]
    ActionChains(page).move_to_element_with_offset(
        svg, x / 560 * width - width / 2, y / 460 * height - height / 2).perform()
    _wait(page, "document.getElementById('ls-t').textContent !== '25'")
    step = int(_js(page, "document.getElementById('ls-t').textContent"))
    xy = _js(page, "document.getElementById('cell-adam-x').textContent + ' ' + "
                   "document.getElementById('cell-adam-y').textContent")
    assert step > 0 and xy != f"{shown['cell-adam-x']} {shown['cell-adam-y']}"
    assert _severe(page) == []


def test_a_click_on_the_plot_moves_the_start(page):
    from selenium.webdriver.common.action_chains import ActionChains

    svg = page.find_element("id", "ls-svg")
    width = svg.size["width"]
    # a quarter of the way across, half way up: (-1, 1) on Rosenbrock's [-2, 2] x [-1, 3]
    ActionChains(page).move_to_element_with_offset(svg, -width / 4, 0).click().perform()
    _wait(page, "document.getElementById('ls-start-x').value === '-1.00' && "
                "document.body.dataset.drawing === 'false'")
    _wait(page, "document.body.dataset.drawing === 'false'")
    assert float(_js(page, "document.getElementById('ls-start-y').value")) == pytest.approx(
        1.0, abs=0.02)
    first = _points(page, "adam").split(" ")[0]
    x, y = map(float, first.split(","))
    assert (x, y) == pytest.approx((140.0, 230.0), abs=3)  # (-1, 1) on the 560 x 460 plot
    assert _js(page, "document.getElementById('cell-adam-x').textContent") != "–"
    assert _severe(page) == []


def test_training_updates_the_boundary_and_the_curves(page, shots):
    page.find_element("id", "tab-playground").click()
    page.find_element("id", "pg-step").click()
    _wait(page, "document.getElementById('pg-epoch').textContent === '1'")
    image_1 = _js(page, "document.getElementById('pg-boundary').toDataURL()")
    assert _js(page, "document.querySelectorAll('#pg-curves polyline.series').length") == 2
    page.find_element("id", "pg-start").click()
    _wait(page, "Number(document.getElementById('pg-epoch').textContent) >= 8", timeout=20)
    page.find_element("id", "pg-pause").click()
    _wait(page, "document.getElementById('pg-status').textContent.startsWith('paused')")
    epochs = int(_js(page, "document.getElementById('pg-epoch').textContent"))
    assert epochs >= 8
    assert _js(page, "document.getElementById('pg-boundary').toDataURL()") != image_1
    n_points = _js(page, "document.querySelector('#pg-curves polyline.series')"
                         ".getAttribute('points').trim().split(' ').length")
    assert n_points == epochs
    median_step = _js(page, "document.querySelector('#pg-internals td[data-field=\"|Δθ|\"]')"
                            ".textContent")
    assert float(median_step.split(" ")[0]) > 0
    # a paused run stays paused: the epoch count holds
    time.sleep(0.3)
    assert int(_js(page, "document.getElementById('pg-epoch').textContent")) == epochs
    page.save_screenshot(str(shots / "playground.png"))
    assert _severe(page) == []
    # a second tab is a second session: its own run, from epoch 0
    first, url = page.current_window_handle, page.current_url
    page.switch_to.new_window("tab")
    try:
        page.get(url)
        _wait(page, "document.body.dataset.ready === 'true'")
        page.find_element("id", "tab-playground").click()
        page.find_element("id", "pg-step").click()
        _wait(page, "document.getElementById('pg-epoch').textContent === '1'")
        assert _severe(page) == []
    finally:
        page.close()
        page.switch_to.window(first)
    page.find_element("id", "pg-step").click()  # the first tab's run goes on where it was
    _wait(page, f"document.getElementById('pg-epoch').textContent === '{epochs + 1}'")


def test_the_article_view_draws_both_curves(page, shots):
    page.find_element("id", "tab-article").click()
    _wait(page, "document.querySelectorAll('#ar-corrected polyline.series').length === 2",
          timeout=20)
    assert _js(page, "document.querySelectorAll('#ar-persample circle').length") == 100
    assert _js(page, "document.querySelectorAll('#ar-faithful polyline.series').length") == 2
    assert "58%" in _js(page, "document.getElementById('ar-faithful-note').textContent")
    page.save_screenshot(str(shots / "article.png"))
    assert _severe(page) == []


def test_usable_by_keyboard_alone(page):
    """Tab reaches every control in order; arrows move sliders and tabs; Enter presses."""
    from selenium.webdriver.common.keys import Keys

    page.execute_script("document.activeElement.blur(); window.focus();")
    before = _points(page, "adam")
    reached = []
    for _ in range(300):  # two stops per optimizer row: the registry grows
        _keys(page, Keys.TAB)
        active = _js(page, "document.activeElement.id")
        reached.append(active)
        if active == "ls-eps":
            break
    assert reached[-1] == "ls-eps", reached
    assert {"tab-landscape", "ls-function", "ls-use-adam", "ls-lr-adam", "ls-beta1"} <= set(reached)
    _keys(page, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # ε 1e-8 -> 1e-7
    _wait(page, "document.body.dataset.drawing === 'false' && "
                "document.getElementById('ls-eps').value === '-7'")
    _wait(page, "document.body.dataset.drawing === 'false'")
    assert _points(page, "adam") != before
    # to the playground by the tab list's arrow keys, then Tab to "Step one epoch" and Enter
    page.execute_script("document.getElementById('tab-landscape').focus()")
    _keys(page, Keys.ARROW_RIGHT)
    assert _js(page, "document.getElementById('view-playground').hidden") is False
    for _ in range(100):
        _keys(page, Keys.TAB)
        if _js(page, "document.activeElement.id") == "pg-step":
            break
    assert _js(page, "document.activeElement.id") == "pg-step"
    _keys(page, Keys.ENTER)
    _wait(page, "document.getElementById('pg-epoch').textContent === '1'")


def test_a_bad_request_gets_a_400_and_the_page_says_why(page):
    reply = page.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/landscape', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                 body: JSON.stringify({function: 'rosenbrock', steps: 10,
                                                       optimizers: [{name: 'adam', lr: -1}]})})
          .then(r => r.json().then(b => done(JSON.stringify({status: r.status, body: b}))));
    """)
    reply = json.loads(reply)
    assert reply["status"] == 400 and "'lr'" in reply["body"]["error"]
    # the page's own controls: a hidden layer of width 0 is refused, and the page shows why
    page.find_element("id", "tab-playground").click()
    field = page.find_element("id", "pg-hidden")
    field.clear()
    field.send_keys("8, 0")
    page.find_element("id", "pg-step").click()
    text = _wait(page, "document.getElementById('pg-status').classList.contains('error') && "
                       "document.getElementById('pg-status').textContent")
    assert "'hidden'" in text
