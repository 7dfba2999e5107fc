#!/bin/sh
# golden.sh - end-to-end tests: run bouncelog on fixtures and compare with
# the expected outputs; then check that every compressed and archived form
# of the incident log gives the same summary as the plain file.
#
# Scan cases are fixtures/golden/NAME.args (the command line, one line; paths
# relative to the repository root) with NAME.expected.json (run with
# --format json) and/or NAME.expected.txt (--format text), and optionally
# NAME.expected.status (the exit code, default 0) and NAME.expected.err
# (text that stderr must contain). Regenerate an expected file with
# GOLDEN_UPDATE=1 after checking the new output by eye.
#
# Ends with "golden: N passed, N failed"; exits 1 when any failed.
set -u
BOUNCELOG=${BOUNCELOG:-build/bouncelog}
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=1796083200
pass=0
fail=0
if [ ! -x "$BOUNCELOG" ]; then
	echo "golden: $BOUNCELOG is not built"
	echo "golden: 0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "golden: FAIL: $*"; }

# compare NAME KIND ACTUAL EXPECTED
compare() {
	if [ -n "${GOLDEN_UPDATE:-}" ]; then
		cp "$3" "$4"
	fi
	if cmp -s "$3" "$4"; then
		ok
	else
		bad "$1 ($2) differs:"
		diff -u "$4" "$3" | head -40
	fi
}

for args in fixtures/golden/*.args; do
	[ -e "$args" ] || continue
	name=${args%.args}
	case_name=$(basename "$name")
	want_status=0
	[ -f "$name.expected.status" ] && want_status=$(cat "$name.expected.status")
	kinds=""
	for kind in json txt; do
		[ -f "$name.expected.$kind" ] && kinds="$kinds $kind"
	done
	# a case with no expected output checks the exit code and stderr only
	[ -n "$kinds" ] || kinds=status
	for kind in $kinds; do
		fmt=$kind
		[ "$kind" = txt ] && fmt=text
		[ "$kind" = status ] && fmt=json
		# shellcheck disable=SC2046
		"$BOUNCELOG" --format "$fmt" $(cat "$args") \
		    >"$tmp/out.$kind" 2>"$tmp/err"
		status=$?
		if [ "$status" != "$want_status" ]; then
			bad "$case_name ($kind): exit $status, want $want_status"
			cat "$tmp/err"
			continue
		fi
		if [ -f "$name.expected.err" ] &&
		    ! grep -qF -f "$name.expected.err" "$tmp/err"; then
			bad "$case_name ($kind): stderr lacks $(cat "$name.expected.err")"
			cat "$tmp/err"
			continue
		fi
		if [ "$kind" = status ]; then
			ok
		else
			compare "$case_name" "$kind" "$tmp/out.$kind" \
			    "$name.expected.$kind"
		fi
	done
done

# Subcommand cases: NAME.cmd holds the whole command line (after the
# program name); stdout must equal NAME.expected.out, and the exit code
# NAME.expected.status (default 0).
for cmd in fixtures/golden/*.cmd; do
	[ -e "$cmd" ] || continue
	name=${cmd%.cmd}
	case_name=$(basename "$name")
	want_status=0
	[ -f "$name.expected.status" ] && want_status=$(cat "$name.expected.status")
	# shellcheck disable=SC2046
	"$BOUNCELOG" $(cat "$cmd") >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	if [ "$status" != "$want_status" ]; then
		bad "$case_name: exit $status, want $want_status"
		cat "$tmp/err"
		continue
	fi
	if [ -f "$name.expected.err" ] &&
	    ! grep -qF -f "$name.expected.err" "$tmp/err"; then
		bad "$case_name: stderr lacks $(cat "$name.expected.err")"
		cat "$tmp/err"
		continue
	fi
	compare "$case_name" out "$tmp/out" "$name.expected.out"
done

# Every container form of the incident log must give the plain summary.
# The file names differ, so they are masked before comparing.
mask_names() {
	python3 -c '
import json, sys
doc = json.load(sys.stdin)
for f in doc["input"]["files"]:
    f["name"] = "-"
json.dump(doc, sys.stdout, indent=1, sort_keys=True)
'
}
# summary_of NAME ARGS... - the masked summary into $tmp/NAME.json; 1 (and a
# failure counted) when the tool does not exit 0 or writes no summary
summary_of() {
	out=$1
	shift
	st=0
	"$BOUNCELOG" -q --format json --year 2026 "$@" >"$tmp/raw.json" || st=$?
	if [ "$st" != 0 ]; then
		bad "$out: exit $st (want 0)"
		return 1
	fi
	if ! mask_names <"$tmp/raw.json" >"$tmp/$out.json"; then
		bad "$out: output is not a summary"
		return 1
	fi
}
plain=fixtures/incident.log
if ! summary_of plain "$plain"; then
	echo "golden: $pass passed, $fail failed"
	exit 1
fi
cp "$plain" "$tmp/mail.log"
gzip -c "$plain" >"$tmp/mail.log.gz"
bzip2 -c "$plain" >"$tmp/mail.log.bz2"
xz -c "$plain" >"$tmp/mail.log.xz"
zstd -q -c "$plain" >"$tmp/mail.log.zst"
lz4 -q -c "$plain" >"$tmp/mail.log.lz4"
(cd "$tmp" && tar -cf logs.tar mail.log && tar -czf logs.tgz mail.log)
cp "$tmp/mail.log.gz" "$tmp/no-suffix"
for f in mail.log.gz mail.log.bz2 mail.log.xz mail.log.zst mail.log.lz4 \
    logs.tar logs.tgz no-suffix; do
	summary_of "$f" "$tmp/$f" || continue
	if cmp -s "$tmp/plain.json" "$tmp/$f.json"; then
		ok
	else
		bad "$f: summary differs from the plain log's"
		diff -u "$tmp/plain.json" "$tmp/$f.json" | head -20
	fi
done
# stdin gives the same summary too
if summary_of stdin - <"$tmp/mail.log.gz"; then
	if cmp -s "$tmp/plain.json" "$tmp/stdin.json"; then ok; else
		bad "stdin: summary differs from the plain log's"; fi
fi

# A gzip cut in the middle: the lines before the damage are counted, the
# damage is reported, and the exit code says some input was lost.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24; do
	cat "$plain"
done | gzip -c >"$tmp/big.log.gz"
size=$(wc -c <"$tmp/big.log.gz")
head -c $((size * 3 / 4)) "$tmp/big.log.gz" >"$tmp/cut.log.gz"
"$BOUNCELOG" --format json --year 2026 "$tmp/cut.log.gz" >"$tmp/cut.json" \
    2>"$tmp/cut.err"
status=$?
lines=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["input"]["lines"])' "$tmp/cut.json" 2>/dev/null || echo 0)
if [ "$status" = 65 ] && grep -q "cut.log.gz: error: .*truncated" "$tmp/cut.err" &&
    [ "$lines" -gt 0 ]; then
	ok
else
	bad "truncated gzip: exit $status, $lines lines, stderr: $(cat "$tmp/cut.err")"
fi

# --format events from a pipe that stays open (tail -F | bouncelog ... -):
# a rejection is written out while more input may still come, not at EOF
# and not when some buffer fills.
if python3 - "$BOUNCELOG" "$plain" <<'PY'
import os, select, subprocess, sys
tool, log = sys.argv[1], sys.argv[2]
bounce = next(l for l in open(log, "rb") if b"status=bounced" in l)
filler = b"Nov 26 05:00:00 mail postfix/smtpd[1]: connect from x[192.0.2.9]\n"
proc = subprocess.Popen([tool, "--format", "events", "--year", "2026", "-"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
proc.stdin.write(filler * 10 + bounce)
proc.stdin.flush()
ready = select.select([proc.stdout], [], [], 10)[0]
event = os.read(proc.stdout.fileno(), 65536) if ready else b""
proc.stdin.close()
proc.stdout.read()
proc.wait()
sys.exit(0 if b'"status":"bounced"' in event else 1)
PY
then ok; else bad "events: nothing written within 10 s while stdin stayed open"; fi

echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
