#!/usr/bin/env python3
"""The web debugger of `nanos serve`, end to end in headless Chromium.

What a user sees, in order (one server, one browser):
  1. a run of examples/agent.nano (the default agent and the local model) started from
     the manifest picker: its timeline grows while it is shown running, then it ends;
  2. a run of examples/hello.nano: its fs.read step in the inspector shows the whole
     file, as text, as a hex dump and in the JSON view;
  3. that step edited to `<img src=x onerror=alert(1)>` and forked: the new run has the
     parent, the run tree shows the branch, and the payload is shown as text (no <img>
     element, no alert);
  4. the diff between the parent and the fork starts at the forked step.
A second server with --token checks the token prompt.

Environment:
  NANOS_BIN              the nanos binary (default .build/release/nanos)
  NANOS_WEB_SCREENSHOTS  where screenshots go (default .build/web-screenshots)
  NANOS_WEB_URL          use this running server instead of starting one (development)
  NANOS_WEB_TOKEN_URL, NANOS_WEB_TOKEN
                         with NANOS_WEB_URL: a running server that needs this token
  NANOS_WEB_TIMEOUT      seconds to wait for the model-driven run (default 120)
  NANOS_CHROMIUM, NANOS_CHROMEDRIVER
                         the browser and its driver (default /usr/bin/chromium, /usr/bin/chromedriver)

Run from the repository root: python3 Tests/web/test_debugger.py
"""

import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"
FINAL = {
    "ok", "failed", "denied", "out_of_fuel", "out_of_memory", "timeout", "max_steps", "trap",
    "invalid_module", "diverged", "stopped", "cancelled", "interrupted",
}
LLM_TIMEOUT = float(os.environ.get("NANOS_WEB_TIMEOUT", "120"))
TIMEOUT = 30
SHOTS = Path(os.environ.get("NANOS_WEB_SCREENSHOTS", str(REPO / ".build" / "web-screenshots")))


def css(selector):
    return (By.CSS_SELECTOR, selector)


def tid(name, extra=""):
    return '[data-testid="%s"]%s' % (name, extra)


# ---------------------------------------------------------------- the server


class Server:
    """`nanos serve --root examples --port 0` with a trace store of its own."""

    def __init__(self, *extra):
        self.extra = list(extra)
        self.proc = None
        self.url = None
        self.lines = []
        self.tmp = None

    def start(self):
        binary = os.environ.get("NANOS_BIN", str(REPO / ".build" / "release" / "nanos"))
        if not os.access(binary, os.X_OK):
            raise RuntimeError("NANOS_BIN is not an executable: %s (build nanos first)" % binary)
        self.tmp = tempfile.mkdtemp(prefix="nanos-web-")
        command = [binary, "serve", "--root", "examples", "--port", "0", "--db", os.path.join(self.tmp, "runs.db")] + self.extra
        self.proc = subprocess.Popen(
            command, cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, errors="replace",
        )
        found = threading.Event()

        def read():
            # Keeps reading after the address, so the pipe never fills and blocks the server.
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                match = re.search(r"listening on (http://[^\s/]+)", line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 60
        while not found.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                output = "\n".join(self.lines[-40:])
                self.stop()
                raise RuntimeError("nanos serve did not start (%s):\n%s" % (" ".join(command), output))
        return self.url

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc:
            self.reader.join(5)
            self.proc.stdout.close()
        self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def log_tail(self, n=40):
        return "\n".join(self.lines[-n:])


def new_driver():
    options = Options()
    options.binary_location = os.environ.get("NANOS_CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                     "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("NANOS_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    return driver


def diagnose(test):
    """On failure: a screenshot, the browser's console and the server's last lines."""

    @functools.wraps(test)
    def wrapper(self, *args, **kwargs):
        try:
            return test(self, *args, **kwargs)
        except Exception:
            try:
                SHOTS.mkdir(parents=True, exist_ok=True)
                self.driver.save_screenshot(str(SHOTS / ("failure-%s.png" % test.__name__)))
                sys.stderr.write("\n--- page %s\n" % self.driver.current_url)
                for entry in self.driver.get_log("browser")[-30:]:
                    sys.stderr.write("console %s: %s\n" % (entry.get("level"), entry.get("message")))
            except WebDriverException:
                pass
            server = getattr(type(self), "server", None)
            if server is not None:
                sys.stderr.write("--- nanos serve:\n%s\n" % server.log_tail())
            raise

    return wrapper


class Page:
    """Helpers over one browser."""

    driver = None
    base = None
    server = None

    @classmethod
    def attach_browser(cls):
        """Starts the browser; the class's server is stopped if it cannot start."""
        try:
            cls.driver = new_driver()
        except Exception:
            if cls.server:
                cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.driver:
                cls.driver.quit()
        finally:
            if cls.server:
                cls.server.stop()

    def wait(self, timeout=TIMEOUT):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,))

    def find(self, selector, timeout=TIMEOUT):
        return self.wait(timeout).until(lambda d: d.find_element(*css(selector)), "no element %s" % selector)

    def visible(self, selector, timeout=TIMEOUT):
        def shown(d):
            found = d.find_elements(*css(selector))
            return found[0] if found and found[0].is_displayed() else False
        return self.wait(timeout).until(shown, "%s is not shown" % selector)

    def text_of(self, element):
        return element.get_property("textContent")

    def screenshot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SHOTS / name))

    def run_id_in_url(self, other_than=()):
        def current(d):
            match = re.search(r"#/runs/([^/]+)", d.current_url)
            return match.group(1) if match and match.group(1) not in other_than else False
        return self.wait().until(current, "the page did not open a new run")

    def status(self):
        return self.driver.execute_script(
            "const s = document.querySelector('[data-testid=\"run-status\"]'); return s ? s.textContent : null;")

    def wait_final(self, timeout=TIMEOUT):
        return self.wait(timeout).until(lambda d: self.status() in FINAL and self.status(), "the run did not end")

    def start_run(self, manifest, other_than=()):
        select = self.find(tid("manifest-select", '[data-loaded="true"]'))
        self.wait().until(lambda d: any(o.get_attribute("value") == manifest for o in Select(select).options),
                          "%s is not in the manifest picker" % manifest)
        Select(select).select_by_value(manifest)
        self.click(tid("run-button"))
        return self.run_id_in_url(other_than)

    def click(self, selector, timeout=TIMEOUT):
        """Clicks the element, finding it again if the page drew it anew meanwhile."""
        def clicked(d):
            d.find_element(*css(selector)).click()
            return True
        self.wait(timeout).until(clicked, "cannot click %s" % selector)

    def click_step(self, index):
        selector = tid("step-row", '[data-index="%d"]' % index)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", self.find(selector))
        self.click(selector)
        return self.find(tid("inspector", '[data-index="%d"]' % index))

    def assert_no_error_banner(self):
        banner = self.driver.find_elements(*css(tid("error-banner")))
        if banner and banner[0].is_displayed():
            self.fail("error banner: " + self.text_of(banner[0]))


# ---------------------------------------------------------------- the flow


class DebuggerFlow(Page, unittest.TestCase):
    server = None
    agent_run = None
    hello_run = None
    read_step = None
    fork_run = None

    @classmethod
    def setUpClass(cls):
        url = os.environ.get("NANOS_WEB_URL")
        if url:
            cls.base = url.rstrip("/")
        else:
            cls.server = Server()
            cls.base = cls.server.start()
        cls.attach_browser()

    def open(self, route=""):
        self.driver.get(self.base + "/" + route)

    @diagnose
    def test_1_live_timeline_of_a_model_run(self):
        self.open()
        pill = self.find(tid("server-status", '[data-state="ok"]'))
        self.assertIn("ok", self.text_of(pill))
        run = self.start_run("agent.nano")
        type(self).agent_run = run

        # Watch it: steps must appear while it is still shown running.
        observed = []

        def ended(d):
            status, steps = d.execute_script(
                "const s = document.querySelector('[data-testid=\"run-status\"]');"
                "return [s ? s.textContent : null, document.querySelectorAll('[data-testid=\"step-row\"]').length];")
            if not observed or observed[-1] != (status, steps):
                observed.append((status, steps))
            return status in FINAL

        self.wait(LLM_TIMEOUT).until(ended, "the agent run did not end in %ss" % LLM_TIMEOUT)
        running = [steps for status, steps in observed if status == "running" and steps > 0]
        self.assertTrue(running, "no observation of a running run with steps: %s" % observed)
        final_status, final_steps = observed[-1]
        self.assertIn(final_status, FINAL)
        self.assertGreater(final_steps, min(running), "the timeline did not grow while running: %s" % observed)
        self.assertGreaterEqual(final_steps, 3, observed)

        # Every step has a row with a bar placed on the run's time scale.
        rows = self.driver.find_elements(*css(tid("step-row")))
        indexes = [int(r.get_attribute("data-index")) for r in rows]
        self.assertEqual(indexes, list(range(1, len(rows) + 1)))
        widths = self.driver.execute_script(
            "return [...document.querySelectorAll('[data-testid=\"step-row\"] .tl-bar')].map(b => b.style.width);")
        self.assertTrue(all(w.endswith("%") for w in widths), widths)
        self.assertTrue(self.driver.find_elements(*css(tid("chart-tokens"))))
        self.assertEqual(self.text_of(self.find(tid("fact-steps", " .fact-value"))).replace(",", ""), str(final_steps))
        # Failed steps carry their errno (and rule) on the timeline.
        for row in self.driver.find_elements(*css(tid("step-row", '[data-ok="false"]'))):
            badge = self.text_of(row.find_element(*css(tid("step-errno"))))
            self.assertRegex(badge, r"^E[A-Z0-9]+( · .+)?$")
        self.screenshot("timeline.png")

        # A model step: its answer in the JSON view is a tree when it is JSON.
        models = [int(r.get_attribute("data-index")) for r in rows
                  if r.get_attribute("data-name").startswith("llm.") and r.get_attribute("data-ok") == "true"]
        if models:
            self.click_step(models[0])
            self.click(tid("tab-text"))
            answer = self.text_of(self.find(tid("inspector") + " " + tid("payload-result") + " " + tid("payload-text")))
            self.assertTrue(answer.strip(), "the model step shows no answer")
            self.click(tid("tab-json"))
            view = self.find(tid("inspector") + " " + tid("payload-result") + " " + tid("payload-json"))
            try:
                parsed = json.loads(answer)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)) and parsed:
                self.assertTrue(view.find_elements(*css("details.j-node")), "no JSON tree for %r" % answer[:200])
            self.click(tid("tab-text"))

        # The run list shows it, with its steps.
        self.open("#/runs")
        row = self.find(tid("run-row", '[data-run-id="%s"]' % run))
        self.assertIn(row.get_attribute("data-status"), FINAL)
        self.assertEqual(self.text_of(row.find_element(*css(tid("run-steps")))).replace(",", ""), str(final_steps))
        self.assert_no_error_banner()

    @diagnose
    def test_2_inspector_shows_every_byte(self):
        self.open()
        run = self.start_run("hello.nano", other_than={self.agent_run})
        type(self).hello_run = run
        self.assertEqual(self.wait_final(), "ok")
        rows = self.wait().until(lambda d: d.find_elements(*css(tid("step-row"))), "no steps")
        names = [(int(r.get_attribute("data-index")), r.get_attribute("data-name"), r.get_attribute("data-ok")) for r in rows]
        reads = [i for i, name, ok in names if ok == "true" and name == "fs.read"] or \
                [i for i, name, ok in names if ok == "true" and "read" in name]
        self.assertTrue(reads, "no read step among %s" % names)
        step = reads[0]
        type(self).read_step = step

        inspector = self.click_step(step)
        notes = (REPO / "examples" / "data" / "notes.txt").read_text(encoding="utf-8")
        self.click(tid("tab-text"))
        result = self.find(tid("inspector") + " " + tid("payload-result") + " " + tid("payload-text"))
        self.assertEqual(self.text_of(result), notes, "the inspector does not show the whole file")
        request = self.text_of(self.find(tid("inspector") + " " + tid("inspector-request")))
        self.assertIn("data/notes.txt", request)
        for label in ("latency", "fuel", "memory"):
            self.assertIn(label, self.text_of(inspector.find_element(*css(".metrics"))))

        # Hex: offset, bytes and ASCII like xxd.
        self.click(tid("tab-hex"))
        hexdump = self.text_of(self.find(tid("payload-result") + " " + tid("payload-hex")))
        first = notes.encode("utf-8")[:16]
        pairs = " ".join(first[i:i + 2].hex() for i in range(0, 16, 2))
        ascii_column = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in first)
        self.assertTrue(hexdump.startswith("00000000: " + pairs), hexdump[:120])
        self.assertIn(ascii_column, hexdump.splitlines()[0])
        lines = len(hexdump.splitlines())
        self.assertEqual(lines, (len(notes.encode("utf-8")) + 15) // 16)
        self.screenshot("inspector.png")

        # JSON: the file is not JSON, so it says so and shows the text.
        self.click(tid("tab-json"))
        json_view = self.find(tid("payload-result") + " " + tid("payload-json"))
        self.assertIn("not JSON", self.text_of(json_view))
        self.assertEqual(self.find(tid("tab-json")).get_attribute("aria-selected"), "true")
        self.click(tid("tab-text"))
        self.assert_no_error_banner()

    @diagnose
    def test_3_fork_with_an_edited_observation(self):
        if not (self.hello_run and self.read_step):
            self.skipTest("needs the hello run of test 2")
        parent, step = self.hello_run, self.read_step
        self.open("#/runs/%s" % parent)
        self.wait_final()
        self.click_step(step)
        self.click(tid("tab-text"))
        # A hook for any alert, confirm or prompt, and for any <img> put in the page.
        self.driver.execute_script("""
            window.__xss = 0;
            window.alert = window.confirm = window.prompt = function () { window.__xss++; };
            window.__imgs = 0;
            new MutationObserver(function (changes) {
              for (const change of changes) for (const node of change.addedNodes) {
                if (node.nodeType === 1 && (node.tagName === 'IMG' || node.querySelector('img'))) window.__imgs++;
              }
            }).observe(document, {childList: true, subtree: true});
        """)
        text = self.find(tid("fork-text"))
        notes = (REPO / "examples" / "data" / "notes.txt").read_text(encoding="utf-8")
        self.assertEqual(text.get_property("value"), notes, "the fork text is not the step's real result")
        text.clear()
        text.send_keys(XSS)
        self.click(tid("fork-submit"))
        fork = self.run_id_in_url(other_than={parent})
        type(self).fork_run = fork
        self.wait_final()

        # The new run names its parent and the step.
        link = self.find(tid("parent-link"))
        self.assertTrue(parent.startswith(self.text_of(link)) or self.text_of(link).startswith(parent[:12]))
        # The tree: the parent, and under it the fork, "fork at step K", highlighted.
        parent_selector = tid("tree") + " " + tid("tree-node", '[data-run-id="%s"]' % parent)
        child_selector = parent_selector + " " + tid("tree-node", '[data-run-id="%s"]' % fork)

        def tree_shows_the_branch(d):
            # (the tree is drawn again when the fork ends: read it in one go)
            return d.execute_script("""
                const parent = document.querySelector(arguments[0]), child = document.querySelector(arguments[1]);
                if (!parent || !child) return false;
                const label = child.querySelector('[data-testid="fork-label"]');
                return {label: label && label.textContent, child: child.className, parent: parent.className,
                        status: child.querySelector('[data-status]').dataset.status};
            """, parent_selector, child_selector) or False

        branch = self.wait().until(
            lambda d: (lambda b: b if b and b["status"] in FINAL else False)(tree_shows_the_branch(d)),
            "the run tree does not show the fork under its parent")
        self.assertEqual(branch["label"], "fork at step %d" % step)
        self.assertIn("current", branch["child"])
        self.assertNotIn("current", branch["parent"])

        # The forked step shows the payload as text.
        self.click_step(step)
        shown = self.find(tid("inspector") + " " + tid("payload-result") + " " + tid("payload-text"))
        self.assertEqual(self.text_of(shown), XSS)
        self.assertTrue(shown.is_displayed())
        self.assertIn(XSS, shown.text)
        self.assertEqual(self.driver.find_elements(*css(tid("inspector") + " img")), [])
        self.assertEqual(self.driver.find_elements(*css(tid("timeline") + " img")), [])
        self.assertEqual(self.driver.execute_script("return document.images.length"), 0)
        self.screenshot("fork.png")
        with self.assertRaises(NoAlertPresentException):
            self.driver.switch_to.alert.text
        self.assertEqual(self.driver.execute_script("return window.__xss"), 0)
        self.assertEqual(self.driver.execute_script("return window.__imgs"), 0)

        # The run list shows the fork with its parent.
        self.open("#/runs")
        row = self.find(tid("run-row", '[data-run-id="%s"]' % fork))
        self.assertEqual(row.get_attribute("data-parent"), parent)
        self.assertIn(parent[:12], self.text_of(row.find_element(*css(tid("run-parent")))))
        self.assert_no_error_banner()

    @diagnose
    def test_4_diff_with_the_parent(self):
        if not self.fork_run:
            self.skipTest("needs the fork of test 3")
        parent, fork, step = self.hello_run, self.fork_run, self.read_step
        self.open("#/runs/%s" % fork)
        self.click(tid("diff-parent"))
        self.wait().until(lambda d: "#/diff/" in d.current_url, "Diff with parent did not open the diff")
        diff = self.find(tid("diff"))
        row = self.find(tid("diff-row", '[data-divergent="true"]'))
        self.assertEqual(row.get_attribute("data-index"), str(step))
        self.assertEqual(self.text_of(self.find(tid("diff-step"))), str(step))
        self.assertEqual(self.text_of(self.find(tid("diff-field"))), "outcome")
        left = row.find_element(*css(tid("diff-a")))
        right = row.find_element(*css(tid("diff-b")))
        self.assertIn("Meeting notes", self.text_of(left))
        self.assertIn(XSS, self.text_of(right))
        self.assertIn("changed", right.find_element(*css(".diff-outcome")).get_attribute("class"))
        if step > 1:
            collapsed = self.text_of(self.find(tid("diff-identical")))
            self.assertEqual(collapsed, "%d identical step%s" % (step - 1, "" if step == 2 else "s"))
        self.assertIn(parent[:12], self.text_of(diff))
        self.assertIn(fork[:12], self.text_of(diff))
        self.assertEqual(self.driver.execute_script("return document.images.length"), 0)
        self.screenshot("diff.png")
        self.assert_no_error_banner()

    @diagnose
    def test_5_token_in_the_address_is_kept_and_hidden(self):
        self.open("#token=tok-123")
        self.find(tid("manifest-select"))
        self.wait().until(lambda d: "token" not in d.current_url, "the token stayed in the address")
        self.assertEqual(self.driver.execute_script("return sessionStorage.getItem('nanos.token')"), "tok-123")
        self.driver.execute_script("sessionStorage.clear()")


class TokenPrompt(Page, unittest.TestCase):
    """A server started with --token: the page asks for it, then works."""

    server = None
    token = "web-test-token-7419"

    @classmethod
    def setUpClass(cls):
        if os.environ.get("NANOS_WEB_URL"):
            if not os.environ.get("NANOS_WEB_TOKEN_URL"):
                raise unittest.SkipTest("NANOS_WEB_URL is set without NANOS_WEB_TOKEN_URL")
            cls.base = os.environ["NANOS_WEB_TOKEN_URL"].rstrip("/")
            cls.token = os.environ.get("NANOS_WEB_TOKEN", cls.token)
        else:
            cls.server = Server("--token", cls.token)
            cls.base = cls.server.start()
        cls.attach_browser()

    @diagnose
    def test_prompt_then_runs(self):
        self.driver.get(self.base + "/")
        prompt = self.visible(tid("token-prompt"))
        field = prompt.find_element(*css(tid("token-input")))
        field.send_keys(self.token)
        prompt.find_element(*css(tid("token-save"))).click()
        self.find(tid("manifest-select", '[data-loaded="true"]'))
        self.wait().until(lambda d: not d.find_element(*css(tid("token-prompt"))).is_displayed(), "the prompt stayed")
        self.find(tid("run-list"))
        self.assertEqual(self.driver.execute_script("return sessionStorage.getItem('nanos.token')"), self.token)

    @diagnose
    def test_token_from_the_address(self):
        self.driver.get(self.base + "/")
        self.driver.execute_script("sessionStorage.clear()")
        self.driver.get("about:blank")
        self.driver.get(self.base + "/#token=" + self.token)
        self.find(tid("manifest-select", '[data-loaded="true"]'))
        self.assertNotIn("token", self.driver.current_url)
        self.assertFalse(self.driver.find_element(*css(tid("token-prompt"))).is_displayed())


if __name__ == "__main__":
    os.chdir(REPO)
    unittest.main(verbosity=2)
