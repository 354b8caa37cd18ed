#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Plot or compare cma_bench CSV files (python3 standard library only).

  plot.py [plot] LABEL=FILE... [-o out.svg] [--iov 1|16|1024|all] [--methods LIST]
                 [--metric mbps|usec|cpu]
      SVG of bandwidth against message size, log-log, one line per
      (method, label).  With --iov all (or a list), one SVG per iovec count:
      out-iov1.svg, out-iov16.svg, ...
  plot.py compare LABEL=FILE... [--iov ...]
      Aligned tables: CMA read/write of the first label against each other
      label (MB/s and ratio), and every method relative to memcpy, per label.

Example:
  plot.py ours=ours.csv mainline=mainline.csv -o cma.svg
  plot.py compare ours=ours.csv mainline=mainline.csv
"""

import argparse
import csv
import math
import os
import sys
from xml.sax.saxutils import escape

METHODS = ["memcpy", "cma_read", "cma_write", "shm_2copy", "procmem", "pipe"]
COLORS = {
    "memcpy": "#444444", "cma_read": "#1f77b4", "cma_write": "#2ca02c",
    "shm_2copy": "#d62728", "procmem": "#9467bd", "pipe": "#ff7f0e",
}
EXTRA_COLORS = ["#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]
DASHES = ["", "7,4", "2,3", "9,3,2,3", "4,2"]
MARKERS = ["circle", "square", "triangle", "diamond", "cross"]


def die(msg):
    sys.stderr.write("plot.py: %s\n" % msg)
    sys.exit(1)


def load(path):
    """{(method, iovecs, size): row} from one cma_bench CSV."""
    try:
        with open(path, newline="") as f:
            lines = [l for l in f if l.strip() and not l.startswith("#")]
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    data = {}
    for row in csv.DictReader(lines):
        try:
            key = (row["method"], int(row["iovecs"]), int(row["size"]))
            data[key] = {k: float(row[k]) for k in
                         ("usec_median", "usec_min", "usec_max", "mbps_median")}
            cpu = row.get("cpu_usec_median")       # newer CSVs only
            data[key]["cpu_usec_median"] = float(cpu) if cpu else None
        except (KeyError, ValueError, TypeError):
            die("%s: not a cma_bench CSV (row %r)" % (path, row))
    if not data:
        die("%s: no data" % path)
    return data


def size_str(n):
    for shift, unit in ((30, "G"), (20, "M"), (10, "K")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)


def bw_str(mbps):
    """MB/s (10^6 B/s) as a short axis label."""
    for div, unit in ((1e6, "TB/s"), (1e3, "GB/s"), (1, "MB/s"), (1e-3, "kB/s")):
        if mbps >= div:
            return "%g %s" % (round(mbps / div, 3), unit)
    return "%g B/s" % (mbps * 1e6)


def us_str(us):
    for div, unit in ((1e6, "s"), (1e3, "ms"), (1, "us"), (1e-3, "ns")):
        if us >= div:
            return "%g %s" % (round(us / div, 3), unit)
    return "%g ns" % (us * 1e3)


# what the y axis shows: CSV column, axis title, tick label
METRICS = {
    "mbps": ("mbps_median", "bandwidth (median, 10^6 B/s = MB/s)", bw_str),
    "usec": ("usec_median", "time per message (median)", us_str),
    "cpu": ("cpu_usec_median", "CPU time per message, both processes (median)", us_str),
}


def marker(kind, x, y, color):
    r = 3.2
    if kind == "circle":
        return '<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>' % (x, y, r, color)
    if kind == "square":
        return '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (
            x - r, y - r, 2 * r, 2 * r, color)
    if kind == "triangle":
        pts = [(x, y - r * 1.2), (x - r * 1.1, y + r), (x + r * 1.1, y + r)]
    elif kind == "diamond":
        pts = [(x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y)]
    else:
        return ('<path d="M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f" stroke="%s" '
                'stroke-width="1.6"/>' % (x - r, y - r, x + r, y + r,
                                          x - r, y + r, x + r, y - r, color))
    return '<polygon points="%s" fill="%s"/>' % (
        " ".join("%.1f,%.1f" % p for p in pts), color)


def svg_plot(runs, iov, methods, title, metric="mbps"):
    """runs: [(label, data)].  Returns the SVG text, or None if no points."""
    col, ytitle, ylabel = METRICS[metric]
    series = []
    for li, (label, data) in enumerate(runs):
        for m in methods:
            pts = sorted((s, v[col], v) for (mm, n, s), v in data.items()
                         if mm == m and n == iov and v[col] and v[col] > 0)
            if pts:
                series.append((label, li, m, pts))
    if not series:
        return None

    W, H = 960, 600
    L, R, T, B = 90, 230, 50, 60
    pw, ph = W - L - R, H - T - B
    sizes = [p[0] for s in series for p in s[3]]
    bws = [p[1] for s in series for p in s[3]]
    x0, x1 = math.log2(min(sizes)), math.log2(max(sizes))
    if x1 - x0 < 1:
        x0, x1 = x0 - 1, x1 + 1
    y0, y1 = math.floor(math.log10(min(bws))), math.ceil(math.log10(max(bws)))
    if y1 == y0:
        y1 += 1

    def px(size):
        return L + (math.log2(size) - x0) / (x1 - x0) * pw

    def py(bw):
        return T + ph - (math.log10(bw) - y0) / (y1 - y0) * ph

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">' % (W, H, W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="28" font-size="16" text-anchor="middle">%s</text>'
         % (L + pw / 2, escape(title))]
    # grid and ticks: y at 1, 2, 5 x each decade, x at powers of 2 (labels at 4^k)
    for d in range(y0, y1 + 1):
        for k in (1, 2, 5):
            v = k * 10 ** d
            if math.log10(v) > y1 + 1e-9:
                continue
            y = py(v)
            o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>'
                     % (L, L + pw, y, y, "#bbbbbb" if k == 1 else "#eeeeee"))
            if k == 1 or y1 - y0 <= 2:
                o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                         % (L - 6, y + 4, ylabel(v)))
    step = 2 if x1 - x0 > 8 else 1
    e = math.ceil(x0)
    while e <= x1 + 1e-9:
        x = px(2 ** e)
        o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s"/>'
                 % (x, x, T, T + ph, "#bbbbbb" if e % step == 0 else "#eeeeee"))
        if e % step == 0:
            o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                     % (x, T + ph + 18, size_str(2 ** e)))
        e += 1
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
             % (L, T, pw, ph))
    o.append('<text x="%d" y="%d" text-anchor="middle">message size (bytes)</text>'
             % (L + pw / 2, H - 18))
    o.append('<text transform="translate(22 %d) rotate(-90)" text-anchor="middle">'
             '%s</text>' % (T + ph / 2, ytitle))

    # lines, then the legend
    ly = T + 6
    o.append('<text x="%d" y="%d" font-weight="bold">method / kernel</text>'
             % (L + pw + 16, ly + 4))
    for label, li, m, pts in series:
        color = COLORS.get(m) or EXTRA_COLORS[sum(map(ord, m)) % len(EXTRA_COLORS)]
        dash = DASHES[li % len(DASHES)]
        dattr = ' stroke-dasharray="%s"' % dash if dash else ""
        path = " ".join("%s%.1f %.1f" % ("M" if i == 0 else "L", px(s), py(b))
                        for i, (s, b, _) in enumerate(pts))
        o.append('<path d="%s" fill="none" stroke="%s" stroke-width="1.8"%s/>'
                 % (path, color, dattr))
        for s, b, v in pts:
            o.append('<g><title>%s %s, %d iovecs, %s: %.1f MB/s, %.3f us '
                     '(%.3f..%.3f)%s</title>%s</g>'
                     % (escape(m), escape(label), iov, size_str(s),
                        v["mbps_median"], v["usec_median"], v["usec_min"],
                        v["usec_max"], ", CPU %.3f us" % v["cpu_usec_median"]
                        if v["cpu_usec_median"] is not None else "",
                        marker(MARKERS[li % len(MARKERS)], px(s), py(b), color)))
        ly += 20
        x = L + pw + 16
        o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" '
                 'stroke-width="1.8"%s/>' % (x, x + 34, ly, ly, color, dattr))
        o.append(marker(MARKERS[li % len(MARKERS)], x + 17, ly, color))
        o.append('<text x="%d" y="%d">%s</text>'
                 % (x + 42, ly + 4, escape("%s (%s)" % (m, label))))
    o.append("</svg>")
    return "\n".join(o) + "\n"


def iov_counts(runs, spec):
    have = sorted({n for _, data in runs for (_, n, _) in data})
    if spec == "all":
        return have
    want = [int(x) for x in spec.split(",")]
    missing = [n for n in want if n not in have]
    if missing:
        die("no data for %s iovecs (have %s)" % (missing, have))
    return want


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                              for i, (c, w) in enumerate(zip(r, widths)))
    print(fmt(header))
    for r in rows:
        print(fmt(r))
    print()


def fmt_bw(v):
    return "-" if v is None else "%.1f" % v


def fmt_ratio(a, b):
    return "-" if a is None or b is None or b == 0 else "%.3f" % (a / b)


def compare(runs, iovs, methods):
    def bw(data, m, n, s):
        v = data.get((m, n, s))
        return v["mbps_median"] if v else None

    for n in iovs:
        sizes = sorted({s for _, data in runs for (_, nn, s) in data if nn == n})
        la, a = runs[0]
        for lb, b in runs[1:]:
            print("CMA, %d iovec%s: %s against %s (MB/s)"
                  % (n, "" if n == 1 else "s", la, lb))
            rows = []
            for s in sizes:
                row = [size_str(s)]
                for m in ("cma_read", "cma_write"):
                    x, y = bw(a, m, n, s), bw(b, m, n, s)
                    row += [fmt_bw(x), fmt_bw(y), fmt_ratio(x, y)]
                rows.append(row)
            table(["size", "read " + la, "read " + lb, "ratio",
                   "write " + la, "write " + lb, "ratio"], rows)
        for label, data in runs:
            others = [m for m in methods if m != "memcpy"]
            print("%s, %d iovec%s: each method / memcpy (bandwidth ratio)"
                  % (label, n, "" if n == 1 else "s"))
            rows = []
            for s in sizes:
                mc = bw(data, "memcpy", n, s)
                rows.append([size_str(s), fmt_bw(mc)] +
                            [fmt_ratio(bw(data, m, n, s), mc) for m in others])
            table(["size", "memcpy MB/s"] + others, rows)


def main():
    argv = sys.argv[1:]
    mode = "plot"
    if argv and argv[0] in ("plot", "compare"):
        mode = argv.pop(0)
    ap = argparse.ArgumentParser(
        prog="plot.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", metavar="LABEL=FILE")
    ap.add_argument("-o", "--output", default="cma_bench.svg")
    ap.add_argument("--iov", default=None,
                    help="iovec count(s), comma list or 'all' (plot: 1, compare: all)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--metric", choices=sorted(METRICS), default="mbps",
                    help="y axis: bandwidth (mbps), time (usec) or CPU time (cpu)")
    ap.add_argument("--title", default=None)
    args = ap.parse_args(argv)

    runs = []
    for spec in args.runs:
        label, sep, path = spec.partition("=")
        if not sep:
            label, path = os.path.splitext(os.path.basename(spec))[0], spec
        runs.append((label, load(path)))
    methods = args.methods.split(",")

    if mode == "compare":
        compare(runs, iov_counts(runs, args.iov or "all"), methods)
        return
    iovs = iov_counts(runs, args.iov or "1")
    root, ext = os.path.splitext(args.output)
    for n in iovs:
        out = args.output if len(iovs) == 1 else "%s-iov%d%s" % (root, n, ext or ".svg")
        title = args.title or {"mbps": "process-to-process copy bandwidth",
                               "usec": "time per message",
                               "cpu": "CPU time per message"}[args.metric]
        svg = svg_plot(runs, n, methods, "%s, %d iovec%s per call"
                       % (title, n, "" if n == 1 else "s"), args.metric)
        if svg is None:
            die("no %s data for %d iovecs" % (args.metric, n))
        with open(out, "w") as f:
            f.write(svg)
        print(out)


if __name__ == "__main__":
    main()
