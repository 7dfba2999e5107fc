#!/usr/bin/env bash
# badinput.sh - feed bouncelog broken and hostile input; it must say what is
# wrong, naming the file (and line or offset where it applies), never crash
# (no exit status >= 128, no sanitizer report), never hang (each run under
# `timeout 20`), still process the good log given beside the bad input, and
# exit with the status DESIGN.md gives: 65 some input not fully readable,
# 66 no input could be opened, 78 unusable pattern or template files, 64
# bad command line.
#
#     BOUNCELOG=build/san/bouncelog scripts/badinput.sh
#
# BOUNCELOG defaults to build/bouncelog; a sanitizer build finds more. Every
# big or binary input is generated here, in a temporary directory. Needs
# gzip, xz, zstd, tar and jq (a case whose tool is missing is skipped).
# Ends with "badinput: N passed, N failed" and exits 1 when any failed.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BOUNCELOG=${BOUNCELOG:-build/bouncelog}
case $BOUNCELOG in /*) ;; *) BOUNCELOG=$ROOT/$BOUNCELOG ;; esac
[ -x "$BOUNCELOG" ] || { echo "badinput: no $BOUNCELOG (make first)" >&2; exit 2; }
command -v jq >/dev/null || { echo "badinput: jq is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/badinput.XXXXXX") || exit 2
[ -n "${BADINPUT_KEEP:-}" ] || trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 2
export LC_ALL=C TZ=UTC

PATTERNS=$ROOT/patterns
BASE=(--format json --year 2026 --patterns "$PATTERNS")
npass=0
nfail=0
nskip=0

# --- the good log and what it alone gives ----------------------------------
cp "$ROOT/fixtures/incident.log" good.log
"$BOUNCELOG" "${BASE[@]}" good.log >base.json 2>base.err ||
    { echo "badinput: the good log alone fails:" >&2; cat base.err >&2; exit 2; }
GOOD_LINES=$(jq '.input.files[0].lines' base.json)
GOOD_REJ=$(jq '.totals.blocklist_rejections' base.json)
[ "$GOOD_REJ" -gt 0 ] || { echo "badinput: good log has no rejections" >&2; exit 2; }

# --- helpers -------------------------------------------------------------------
# run NAME ARGS... - run bouncelog; stdout in NAME.out, stderr in NAME.err,
# the status in RC
run() {
	local name=$1
	shift
	# The subshell keeps bash's own "Segmentation fault" line off the
	# terminal; the status says it.
	( timeout 20 "$BOUNCELOG" "$@" >"$name.out" 2>"$name.err"; exit $? ) \
	    2>/dev/null
	RC=$?
}

problems=""
problem() { problems="$problems
    $*"; }

# sane NAME - no hang, no crash, no sanitizer report
sane() {
	[ "$RC" -eq 124 ] && problem "hung (killed after 20s)"
	[ "$RC" -ge 128 ] && [ "$RC" -ne 124 ] && problem "crashed (status $RC)"
	if grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer' "$1.err"; then
		problem "sanitizer report: $(grep -m1 -E 'runtime error:|Sanitizer' "$1.err")"
	fi
}

# want_rc CODE - the exit status
want_rc() { [ "$RC" -eq "$1" ] || problem "exit status $RC, want $1"; }

# want_err NAME ERE - a message on stderr matching ERE
want_err() {
	grep -qE "$2" "$1.err" || problem "no message matching /$2/ on stderr"
}

# want_good NAME - the good log was read whole and its hits are in the JSON
want_good() {
	local lines rej

	lines=$(jq '[.input.files[] | select(.name == "good.log") | .lines][0]' \
	    "$1.out" 2>/dev/null)
	rej=$(jq '.totals.blocklist_rejections' "$1.out" 2>/dev/null)
	[ "$lines" = "$GOOD_LINES" ] ||
	    problem "good.log: ${lines:-no} lines in the JSON, want $GOOD_LINES"
	if [ -z "$rej" ] || [ "$rej" = null ] || [ "$rej" -lt "$GOOD_REJ" ]; then
		problem "blocklist_rejections ${rej:-missing}, want >= $GOOD_REJ"
	fi
}

# want_json NAME - stdout is valid JSON
want_json() { jq -e . "$1.out" >/dev/null 2>&1 || problem "stdout is not valid JSON"; }

# verdict NAME - print the case's result and count it
verdict() {
	if [ -z "$problems" ]; then
		echo "ok      $1"
		npass=$((npass + 1))
	else
		echo "FAIL    $1:$problems"
		sed -n '1,5s/^/    stderr: /p' "$1.err"
		nfail=$((nfail + 1))
	fi
	problems=""
}

skip() {
	echo "skip    $1: $2"
	nskip=$((nskip + 1))
}

# scan_case NAME RC ERE FILE... - scan FILE... good.log; ERE "" for no message
scan_case() {
	local name=$1 rc=$2 ere=$3
	shift 3
	run "$name" "${BASE[@]}" "$@" good.log
	sane "$name"
	want_rc "$rc"
	[ -n "$ere" ] && want_err "$name" "$ere"
	want_json "$name"
	want_good "$name"
	verdict "$name"
}

# random_bytes SEED N - N pseudo-random bytes, the same for the same seed
random_bytes() {
	awk -v seed="$1" -v n="$2" 'BEGIN { srand(seed)
	    for (i = 0; i < n; i++) { printf "\\%03o", int(rand() * 256)
		if (i % 64 == 63) printf "\n" } printf "\n" }' |
	while IFS= read -r chunk; do printf '%b' "$chunk"; done
}

# corrupt FILE OFFSET - overwrite 64 bytes at OFFSET with random bytes
corrupt() {
	random_bytes "$2" 64 | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# cut_half FILE - keep the first half
cut_half() {
	local n
	n=$(wc -c <"$1")
	head -c $((n / 2)) "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# --- compressed and archived input ------------------------------------------------
# A bigger log so the compressed stream has some length to damage.
for i in 1 2 3 4 5 6 7 8; do cat good.log; done >big.log

for z in gzip:gz xz:xz zstd:zst; do
	tool=${z%%:*}
	ext=${z##*:}
	if ! command -v "$tool" >/dev/null; then
		skip "truncated-$ext" "no $tool"
		skip "corrupt-$ext" "no $tool"
		continue
	fi
	"$tool" -c big.log >"trunc.log.$ext"
	cut_half "trunc.log.$ext"
	scan_case "truncated-$ext" 65 "trunc\.log\.$ext: error: " "trunc.log.$ext"
	"$tool" -c big.log >"bad.log.$ext"
	corrupt "bad.log.$ext" 200
	scan_case "corrupt-$ext" 65 "bad\.log\.$ext: error: " "bad.log.$ext"
done

cp good.log a.log
cp good.log b.log
tar cf two.tar a.log b.log big.log
cp two.tar trunc.tar
cut_half trunc.tar
scan_case truncated-tar 65 "trunc\.tar(:[^ ]*)?: error: " trunc.tar
cp two.tar bad.tar
# The second member's header: after a.log's header and its padded data.
corrupt bad.tar $((512 + ($(wc -c <a.log) + 511) / 512 * 512))
scan_case corrupt-tar 65 "bad\.tar(:[^ ]*)?: error: " bad.tar

# --- odd bytes --------------------------------------------------------------------
random_bytes 20261126 65536 >garbage.bin
scan_case binary-garbage 0 "garbage\.bin(:[0-9]+)?: warning: " garbage.bin

{ head -c 10485760 /dev/zero | tr '\0' a; echo; cat good.log; } >long.log
run long-line "${BASE[@]}" long.log good.log
sane long-line
want_rc 0
want_err long-line "long\.log:1: warning: .*longer than"
want_good long-line
rej=$(jq '.totals.blocklist_rejections' long-line.out 2>/dev/null)
[ "$rej" = $((GOOD_REJ * 2)) ] ||
    problem "lines after the 10 MB line lost: $rej rejections, want $((GOOD_REJ * 2))"
verdict long-line

{ head -n 30 good.log; head -c 4096 /dev/zero; tail -n +31 good.log; } >nul.log
run nul-run "${BASE[@]}" nul.log good.log
sane nul-run
want_rc 0
want_err nul-run "nul\.log:[0-9]+: warning: "
want_good nul-run
rej=$(jq '.totals.blocklist_rejections' nul-run.out 2>/dev/null)
[ "$rej" = $((GOOD_REJ * 2)) ] ||
    problem "lines around the NUL run lost: $rej rejections, want $((GOOD_REJ * 2))"
verdict nul-run

# Invalid UTF-8 (a lone continuation byte, an overlong '/', a surrogate, 0xff)
# inside replies, hosts and addresses that end up in the JSON.
sed -e 's/blocked using/blocked \x80\xc0\xaf\xed\xa0\x80 using/' \
    -e 's/mail\.example\.co\.za/mail.ex\xffample.co.za/' \
    -e 's/@example\.com/@ex\xfe\xfeample.com/' good.log >utf8.log
scan_case invalid-utf8 0 "" utf8.log

: >empty.log
scan_case empty-file 0 "" empty.log

# --- files that are not logs ----------------------------------------------------
mkdir adir
scan_case directory 65 "adir: error: .*directory" adir
run directory-alone "${BASE[@]}" adir
sane directory-alone
want_rc 66
want_err directory-alone "adir: error: "
verdict directory-alone

scan_case missing-file 65 "no-such\.log: error: " no-such.log

if [ "$(id -u)" -eq 0 ]; then
	skip unreadable-file "running as root, where chmod 000 files stay readable"
else
	cp good.log locked.log
	chmod 000 locked.log
	scan_case unreadable-file 65 "locked\.log: error: .*[Pp]ermission" locked.log
fi

mkfifo fifo
timeout 25 sh -c 'head -n 20 good.log >fifo' &
writer=$!
run fifo "${BASE[@]}" fifo good.log
wait "$writer"
sane fifo
want_rc 0
want_good fifo
lines=$(jq '[.input.files[] | select(.name == "fifo") | .lines][0]' fifo.out 2>/dev/null)
[ "$lines" = 20 ] || problem "fifo: ${lines:-no} lines in the JSON, want 20"
verdict fifo

run bad-option "${BASE[@]}" --no-such-option good.log
sane bad-option
want_rc 64
want_err bad-option "no-such-option"
verdict bad-option

# --- pattern files ------------------------------------------------------------------
# patdir NAME - a copy of patterns/ to add one file to
patdir() {
	mkdir "$1"
	cp "$PATTERNS"/*.yaml "$1"/
}

# A rule with catastrophic backtracking: PCRE2's limits must stop it, the run
# must stay fast, and the warning must name the rule's file:line.
patdir pat-evil
cat >pat-evil/zz-evil.yaml <<'EOF'
id: zz-evil
name: 'Catastrophic backtracking'
kind: classifier
rules:
  - regex: '(a+)+$'
    class: other
    priority: 1
examples:
  - text: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'
    class: other
EOF
evil_line=$(grep -n "regex: '(a+)+\$'" pat-evil/zz-evil.yaml | cut -d: -f1)
# shellcheck disable=SC2016
awk '{ print }
    /status=bounced/ && !done {
	sub(/said: .*/, "said: 550 5.7.1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab (in reply to RCPT TO command))")
	print; done = 1 }' good.log >evil.log
start=$(date +%s)
run backtracking --format json --year 2026 --patterns pat-evil evil.log good.log
took=$(($(date +%s) - start))
sane backtracking
want_rc 0
want_err backtracking "zz-evil\.yaml:$evil_line: warning: "
want_good backtracking
[ "$took" -le 10 ] || problem "took ${took}s"
verdict backtracking

# hostile_pattern NAME ERE - scan with pattern dir pat-NAME (made by the
# caller): the file is refused with file:line, the rest of the patterns still
# work (the good log's hits are all there), status 78
hostile_pattern() {
	local name=$1 ere=$2
	run "pattern-$name" --format json --year 2026 --patterns "pat-$name" \
	    good.log
	sane "pattern-$name"
	want_rc 78
	want_err "pattern-$name" "$ere"
	want_json "pattern-$name"
	want_good "pattern-$name"
	verdict "pattern-$name"
}

patdir pat-deep
{ printf 'id: zz-deep\nname: deep\nkind: classifier\nnotes: '
  for i in $(seq 5000); do printf '['; done
  for i in $(seq 5000); do printf ']'; done
  echo; } >pat-deep/zz-deep.yaml
hostile_pattern deep "zz-deep\.yaml:[0-9]+(:[0-9]+)?: error: "

patdir pat-huge
{ printf "id: zz-huge\nname: '"; head -c 2000000 /dev/zero | tr '\0' x
  printf "'\nkind: classifier\n"; } >pat-huge/zz-huge.yaml
hostile_pattern huge "zz-huge\.yaml(:[0-9]+)?: error: "

patdir pat-laughs
{ echo 'id: zz-laughs'
  echo 'name: laughs'
  echo 'kind: classifier'
  echo 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'
  for i in 1 2 3 4 5 6 7 8 9; do
	p=a$((i - 1))
	echo "a$i: &a$i [*$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p]"
  done
  echo 'zones: *a9'; } >pat-laughs/zz-laughs.yaml
hostile_pattern laughs "zz-laughs\.yaml:[0-9]+(:[0-9]+)?: error: "

patdir pat-tabs
printf 'id: zz-tabs\nname: tabs\nkind: classifier\nrules:\n\t- regex: x\n' \
    >pat-tabs/zz-tabs.yaml
hostile_pattern tabs "zz-tabs\.yaml:[0-9]+(:[0-9]+)?: error: "

patdir pat-list
printf -- '- id: zz-list\n- name: list\n' >pat-list/zz-list.yaml
hostile_pattern list "zz-list\.yaml:[0-9]+(:[0-9]+)?: error: "

patdir pat-empty
: >pat-empty/zz-empty.yaml
hostile_pattern empty "zz-empty\.yaml(:[0-9]+)?: error: "

patdir pat-dupkey
printf 'id: zz-dup\nname: dup\nkind: classifier\nexamples:\n  - text: a\nexamples:\n  - text: b\n' \
    >pat-dupkey/zz-dup.yaml
hostile_pattern dupkey "zz-dup\.yaml:[0-9]+(:[0-9]+)?: error: "

run pattern-none --format json --year 2026 --patterns adir good.log
sane pattern-none
want_rc 78
want_err pattern-none "adir"
verdict pattern-none

# --- summaries for report --from --------------------------------------------------
# summary_case NAME FILE - report --from FILE: refused with the file's name,
# status 65 (the input data is wrong), no crash
summary_case() {
	run "summary-$1" report -t incident --from "$2"
	sane "summary-$1"
	want_rc 65
	want_err "summary-$1" "$2"
	verdict "summary-$1"
}

if ! "$BOUNCELOG" report --help 2>&1 | grep -q 'bouncelog report'; then
	for c in not-json wrong-schema blocklists-object totals-missing \
	    wrong-field-types timeline-backwards; do
		skip "summary-$c" "no report subcommand yet"
	done
else
	echo '{"schema": "bouncelog/1", "input": ' >not-json.json
	jq '.schema = "other/9"' base.json >wrong-schema.json
	jq '.blocklists = {"a": 1}' base.json >blocklists-object.json
	jq 'del(.totals)' base.json >totals-missing.json
	jq '.blocklists[0].rejections = "many" | .blocklists[0].timeline = 7
	    | .blocklists[0].listed_ips = [1, null, {}] | .input.files = "x"' \
	    base.json >wrong-field-types.json
	jq '.blocklists[0].timeline = [
	    {"start": "2026-11-26T05:00:00Z", "rejections": 1},
	    {"start": "2026-11-26T03:00:00Z", "rejections": 1}]' \
	    base.json >timeline-backwards.json
	summary_case not-json not-json.json
	summary_case wrong-schema wrong-schema.json
	summary_case blocklists-object blocklists-object.json
	summary_case totals-missing totals-missing.json
	summary_case wrong-field-types wrong-field-types.json
	# A document with sane types but a time line out of order still renders.
	run summary-timeline-backwards report -t incident --from timeline-backwards.json
	sane summary-timeline-backwards
	verdict summary-timeline-backwards
fi

echo "badinput: $npass passed, $nfail failed${nskip:+, $nskip skipped}"
[ "$nfail" -eq 0 ]
