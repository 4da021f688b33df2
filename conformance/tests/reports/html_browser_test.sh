#!/bin/sh
# reports.html_browser: the HTML report opened in a real browser (Debian's chromium, headless).
#   html_browser_test.sh LPCONFORM WORKDIR
# Runs fast and the chip on the same dataflow items, adds a third report made hostile (markup,
# an ESC, an invalid byte and a failing item with mismatches and repro lines, all in text the
# report carries), renders them with two benchmark runs, and checks the DOM chromium built:
# the runs table and the matrix (one row per item, one column per implementation), the failure
# with its repro line, a plot, hostile text shown as text and never as an element, no console
# message (the page's Content-Security-Policy would log any script or fetch), and a screenshot.
# Prints "browser-test-skipped" (ctest SKIP_REGULAR_EXPRESSION) where chromium is absent.
set -eu
lpc=$1
work=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "browser-test-skipped: chromium is not installed (scripts/setup-deps.sh)"; exit 0; fi
rm -rf "$work" && mkdir -p "$work" && cd "$work"

printf 'implementation,version,signature,reason,expires\nfast,*,nothing-*,<script>alert(1)</script><b id="hostile-waiver">w</b> \377,2099-01-01\n' >waivers.csv
"$lpc" run --impl fast --profile lpconform-dataflows --only '*int4_inference*' --waivers waivers.csv --out fast >/dev/null
"$lpc" run --impl chip --profile lpconform-dataflows --only '*int4_inference*' --out chip >/dev/null

# The hostile third column: fast's report under another name, its first item failing.
python3 - <<'EOF'
import json, os
d = json.load(open("fast/report.json"))
evil = '<img src=x id="hostile-impl">\u001b[31m'
old = d["implementation"]["name"]
d["implementation"]["name"] = evil
for item in d["items"]:
    item["signature"] = evil + item["signature"][len(old):]
bad = d["items"][0]
bad["status"] = "FAIL"
bad["message"] = 'mismatch </td></tr></table><h1 id="hostile-message">x</h1> ]]> |'
bad["rerun"] = "lpconform run --only 'x' # <script>alert(2)</script>"
bad["first_mismatches"] = [{"input": "0x3f800000", "got": '<i id="hostile-got">1</i>', "want": "0x38",
                            "repro": "printf 'input\\n0x3f800000\\n' | lpconform eval gemm"}]
os.makedirs("evil", exist_ok=True)
with open("evil/report.json", "wb") as f:
    f.write(json.dumps(d).encode().replace(b"\\u001b", b"\\u001b\\u0007") + b"\n")
EOF

cat >base.json <<'EOF'
{"context": {"date": "2026-01-01T00:00:00", "host_name": "ci", "num_cpus": 2, "mhz_per_cpu": 2000, "commit": "aaaaaaaaaaaa"},
 "benchmarks": [
  {"name": "memcpy/f32_bytes/1Mi/1t", "run_name": "memcpy/f32_bytes/1Mi/1t", "run_type": "iteration", "real_time": 100, "cpu_time": 100, "time_unit": "us"},
  {"name": "impls/fast/encode/e4m3/1Mi/1t", "run_name": "impls/fast/encode/e4m3/1Mi/1t", "run_type": "iteration", "real_time": 400, "cpu_time": 400, "time_unit": "us"},
  {"name": "impls/fast/<b id=\"hostile-bench\">x</b>/1Mi/1t", "run_type": "iteration", "real_time": 50, "cpu_time": 50, "time_unit": "us"}]}
EOF
sed -e 's/"real_time": 400, "cpu_time": 400/"real_time": 200, "cpu_time": 200/' -e 's/aaaaaaaaaaaa/bbbbbbbbbbbb/' base.json >current.json

"$lpc" report html fast chip evil --bench base.json --bench current.json --out page.html >/dev/null
"$browser" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --dump-dom "file://$work/page.html" >dom.html 2>dump.log
"$browser" --headless --no-sandbox --disable-gpu --window-size=1400,2000 --screenshot="$work/page.png" "file://$work/page.html" >/dev/null 2>shot.log
fail() { echo "FAILED: $*"; exit 1; }

# The expected rows from the reports themselves: the int4_inference items of the profile.
items=$(python3 -c 'import json; print(len(json.load(open("fast/report.json"))["items"]))')
[ "$items" -gt 4 ] || fail "the filter left $items items"
python3 - "$items" <<'EOF' || exit 1
import sys
from html.parser import HTMLParser
items = int(sys.argv[1])
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.tables, self.text, self.svg_rects, self.in_cell = set(), [], [], 0, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a: self.ids.add(a["id"])
        if tag == "table": self.tables.append({"class": a.get("class", ""), "id": a.get("id", ""), "rows": []})
        if tag == "tr" and self.tables: self.tables[-1]["rows"].append([])
        if tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1].append("")
            self.in_cell = True
        if tag == "rect" and "bar" in a.get("class", ""): self.svg_rects += 1
    def handle_endtag(self, tag):
        if tag in ("td", "th"): self.in_cell = False
    def handle_data(self, data):
        self.text.append(data)
        if self.in_cell: self.tables[-1]["rows"][-1][-1] += data
dom = Dom()
dom.feed(open("dom.html", encoding="utf-8").read())
text = "".join(dom.text)
def check(ok, what):
    if not ok: print("FAILED:", what); sys.exit(1)
hostile = {i for i in dom.ids if i.startswith("hostile")}
check(not hostile, "hostile text became elements: %s" % sorted(hostile))
for s in ['<script>alert(1)</script><b id="hostile-waiver">', '<img src=x id="hostile-impl">', '<h1 id="hostile-message">x</h1> ]]> |',
          '<i id="hostile-got">1</i>', "# <script>alert(2)</script>", '<b id="hostile-bench">x</b>']:
    check(s in text, "hostile string not shown as text: " + s)
check("\x1b" not in text and "\x07" not in text, "a control character reached the page")
runs = [t for t in dom.tables if t["id"] == "runs-table"]
check(len(runs) == 1 and len(runs[0]["rows"]) == 4, "runs table: header and 3 runs")
check([r[2] for r in runs[0]["rows"][1:]] == ["PASS", "PASS", "FAIL"], "verdicts %s" % [r[2] for r in runs[0]["rows"][1:]])
check(runs[0]["rows"][3][4] == "%d PASS, 1 FAIL" % (items - 1), "counts recomputed from the items: %s" % runs[0]["rows"][3][4])
matrix = [t for t in dom.tables if t["class"] == "matrix"]
check(len(matrix) == 1, "one matrix (one profile), got %d" % len(matrix))
rows = matrix[0]["rows"]
check(len(rows) == items + 1, "matrix rows: %d, expected %d items + header" % (len(rows), items))
check(rows[0][2:] == ["fast 0.1.0", "chip 0.1.0", '<img src=x id="hostile-impl">\ufffd\ufffd[31m 0.1.0'], "matrix columns %s" % rows[0][2:])
check(all(r[2] == "PASS" and r[3] == "PASS" for r in rows[1:]), "fast and chip PASS every item")
check(sum(r[4] == "FAIL" for r in rows[1:]) == 1 and sum(r[4] == "PASS" for r in rows[1:]) == items - 1, "the hostile column fails one item")
check("lpconform run --only 'x'" in text and "| lpconform eval gemm" in text, "the failure's repro lines")
check("plot-peer-1" in dom.ids and "plot-delta-1" in dom.ids and dom.svg_rects >= 4, "the plots")
delta = [t for t in dom.tables if t["class"] == "bench-delta"][0]["rows"]
check(any(r[0] == "impls/fast/encode/e4m3/1Mi/1t" and r[3] == "-50.0%" for r in delta), "the delta 400 us -> 200 us is -50.0%%: %s" % delta)
peer = [t for t in dom.tables if t["class"] == "bench"][0]["rows"]
check(any(r[0] == "impls/fast/encode/e4m3/1Mi/1t" and r[5] == "4.00" for r in peer), "400 us against memcpy's 100 us is 4.00 x peer: %s" % peer)
EOF
if grep -q "CONSOLE" dump.log; then grep "CONSOLE" dump.log; fail "the page logged to the console"; fi
head -c 8 page.png | od -An -c | grep -q "P   N   G" || fail "no screenshot"
echo "browser-test-passed: $items matrix rows, screenshot $work/page.png"
