#!/usr/bin/env python3
"""Measures the image prototypes in WebKitGTK (MiniBrowser driven by WebKitWebDriver, the same
WebKit as the app's web view) and prints one JSON line per page. Run under Xvfb:
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" python3 ui/prototypes/measure.py
Serves ui/prototypes/ on a local port; needs ./make-assets.sh first. Standard library only.
With GLOSS_APP=/path/to/gloss-desktop (and tauri-driver on PATH or in TAURI_DRIVER) the pages are
opened in the app's own web view instead (same WebKit, the app's WebView settings)."""
import functools, http.server, json, os, subprocess, sys, threading, time, urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
PAGES = sys.argv[1:] or [
    "image-konva.html?polygons=0", "image-konva.html",
    "image-osd.html?source=jpg&polygons=0", "image-osd.html?polygons=0", "image-osd.html",
]

def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())["value"]

def main():
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(QuietHandler, directory=str(HERE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page_port = server.server_address[1]
    app = os.environ.get("GLOSS_APP")
    if app:
        tauri_driver = os.environ.get("TAURI_DRIVER", "tauri-driver")
        driver = subprocess.Popen([tauri_driver, "--port", "4455", "--native-port", "4456"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        capabilities = {"browserName": "wry", "tauri:options": {"application": app, "args": ["--demo"]}}
    else:
        driver = subprocess.Popen(["WebKitWebDriver", "--port=4455"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        capabilities = {"browserName": "MiniBrowser", "webkitgtk:browserOptions": {"binary": MINIBROWSER, "args": ["--automation"]}}
    time.sleep(2)
    base = "http://127.0.0.1:4455"
    try:
        for page in PAGES:
            session = call("POST", f"{base}/session", {"capabilities": {"alwaysMatch": capabilities}})["sessionId"]
            url = f"{base}/session/{session}"
            try:
                if not app:
                    call("POST", f"{url}/window/rect", {"width": 1280, "height": 800, "x": 0, "y": 0})
                call("POST", f"{url}/timeouts", {"script": 300000})
                call("POST", f"{url}/url", {"url": f"http://127.0.0.1:{page_port}/{page}"})
                result = call("POST", f"{url}/execute/async", {"script": "const done = arguments[0]; window.measure().then(done, (e) => done({error: String(e)}));", "args": []})
                size = call("POST", f"{url}/execute/sync", {"script": "return [innerWidth, innerHeight]", "args": []})
                print(json.dumps({"page": page, "viewport": size, **result}), flush=True)
            finally:
                call("DELETE", url)
    finally:
        driver.terminate()
        server.shutdown()

if __name__ == "__main__":
    main()
