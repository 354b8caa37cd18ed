# gdb -batch -x harness/profile.py, run by harness/profile.sh: stop at the
# SKIP+1st entry of FN, then single-step to its return and count the
# instructions per function (names from VMLINUX's symbol table); OUT.pc
# has the count of every instruction address, for objdump/addr2line.
import bisect
import collections
import os

import gdb

vmlinux, fn, out = os.environ['VMLINUX'], os.environ['FN'], os.environ['OUT']
syms = []
for line in os.popen('nm -n ' + vmlinux):
    f = line.split()
    if len(f) == 3 and f[1] in 'tTwW':
        syms.append((int(f[0], 16), f[2]))
addrs = [a for a, _ in syms]
entry = [a for a, s in syms if s == fn]
if not entry:
    raise SystemExit('profile: %s is not in %s' % (fn, vmlinux))

def name(pc):
    i = bisect.bisect_right(addrs, pc) - 1
    return syms[i][1] if i >= 0 else '?'

gdb.execute('set pagination off')
gdb.execute('target remote :' + os.environ['PORT'])
gdb.execute('hbreak *0x%x' % entry[0])
gdb.execute('ignore 1 ' + os.environ['SKIP'])
gdb.execute('continue')
ret = int(gdb.parse_and_eval('*(unsigned long *)$rsp'))
counts = collections.Counter()
pcs = collections.Counter()
while True:
    pc = int(gdb.parse_and_eval('$pc'))
    if pc == ret or sum(counts.values()) > 1000000:
        break
    counts[name(pc)] += 1
    pcs[pc] += 1
    gdb.execute('stepi', to_string=True)
with open(out, 'w') as o:
    o.write('total %d\n' % sum(counts.values()))
    for f, c in counts.most_common():
        o.write('%7d %s\n' % (c, f))
with open(out + '.pc', 'w') as o:
    for pc in sorted(pcs):
        i = bisect.bisect_right(addrs, pc) - 1
        o.write('%7d %x %s+0x%x\n' % (pcs[pc], pc, syms[i][1], pc - addrs[i]))
gdb.execute('kill')
