#!/bin/bash
# The series tooling.  The repo holds the series as
#   series          one line per commit: its patch in patches/, then the
#                   files that commit creates (kept at their in-tree paths)
#   patches/*.patch format-patch files with each commit's message and its
#                   changes to files the kernel already has
# and build/linux holds base + series as one git commit per line.
#
#   series.sh sync         rebuild build/linux from the repo (if it changed)
#   series.sh refresh      write build/linux's commits (and uncommitted
#                          edits) back into the repo
#   series.sh export DIR   the mailable series: format-patch + quilt series
#   series.sh check        fresh base + series: refresh round trip,
#                          checkpatch --strict, x86_64 build at every commit,
#                          harness/engine.sh (parisc, arm) at the last
#   series.sh check-saved  exit 0 if build/linux holds no unsaved work
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=${TREE:-$top/build/linux}
manifest=$top/series
stamp=$tree/.git/cma-sync

die() { echo "series: $*" >&2; exit 1; }
tgit() { git -C "$tree" "$@"; }

# Fixed committer identity and dates make the commits, and so the exported
# patches, a pure function of the repo's contents.
commit_env() {
	export GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL=$2 GIT_AUTHOR_DATE=$3
	export GIT_COMMITTER_NAME=$1 GIT_COMMITTER_EMAIL=$2 GIT_COMMITTER_DATE=$3
}

# Manifest lines without comments: "patch newfile..."
entries() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$manifest" || true; }

# Hash of everything the series is made of in the repo.
inputs_hash() {
	{
		cat "$manifest"
		entries | while read -r patch files; do
			cat "$top/patches/$patch"
			for f in $files; do
				echo "$f $(stat -c %a "$top/$f")"
				cat "$top/$f"
			done
		done
	} | sha1sum | cut -d' ' -f1
}

is_dirty() { [ -n "$(tgit status --porcelain)" ]; }

# The tree holds no work that the repo lacks: it is where the last sync or
# refresh left it, with nothing uncommitted.
saved() {
	[ -d "$tree/.git" ] || return 0
	is_dirty && return 1
	local head
	head=$(tgit rev-parse HEAD)
	if [ -f "$stamp" ]; then
		[ "$head" = "$(cut -d' ' -f2 "$stamp")" ]
	else
		[ "$head" = "$(tgit rev-parse base)" ]
	fi
}

# The content file $1 has in the commit that creates it, patch $2: the
# repo holds the file as the whole series leaves it, so undo, newest first,
# what the later patches change in it.
content_at_creation() {
	local f=$1 creator=$2 tmp=$3 later
	rm -rf "$tmp/rev"
	mkdir -p "$tmp/rev/$(dirname "$f")"
	cp "$top/$f" "$tmp/rev/$f"
	later=$(entries | cut -d' ' -f1 | sed -n "/^$creator\$/,\$p" | tail -n +2 | tac)
	for patch in $later; do
		grep -q "^diff --git a/$f b/$f\$" "$top/patches/$patch" || continue
		(cd "$tmp/rev" && git apply -R --include="$f" "$top/patches/$patch") ||
			die "cannot undo patches/$patch on $f: the repo's $f does not match the series"
	done
	echo "$tmp/rev/$f"
}

# Build the series' commits on base with plumbing (a private index), so the
# work tree is only touched where files really change: kbuild then rebuilds
# what changed and nothing else.
build_commits() {
	local tmp=$1 parent info patch files f f_then mode blob
	parent=$(tgit rev-parse base)
	export GIT_INDEX_FILE=$tree/.git/cma-index
	tgit read-tree base
	while read -r patch files; do
		[ -f "$top/patches/$patch" ] || die "series lists $patch, not in patches/"
		tgit mailinfo "$tmp/msg" "$tmp/diff" < "$top/patches/$patch" > "$tmp/info"
		tgit apply --cached "$tmp/diff" ||
			die "patches/$patch does not apply (after the commits above it)"
		for f in $files; do
			[ -f "$top/$f" ] || die "series names $f for $patch, not in the repo"
			mode=100644
			[ -x "$top/$f" ] && mode=100755
			f_then=$(content_at_creation "$f" "$patch" "$tmp") || exit 1
			blob=$(tgit hash-object -w -- "$f_then")
			tgit update-index --add --cacheinfo "$mode,$blob,$f"
		done
		info() { sed -n "s/^$1: //p" "$tmp/info"; }
		commit_env "$(info Author)" "$(info Email)" "$(info Date)"
		{ info Subject; echo; cat "$tmp/msg"; } > "$tmp/message"
		parent=$(tgit commit-tree "$(tgit write-tree)" -p "$parent" -F "$tmp/message")
	done < <(entries)
	unset GIT_INDEX_FILE
	echo "$parent"
}

cmd_sync() {
	[ -d "$tree/.git" ] || die "no $tree: run 'make base' first"
	local want head tmp tip
	want=$(inputs_hash)
	if [ -f "$stamp" ] && saved && [ "$(cut -d' ' -f1 "$stamp")" = "$want" ]; then
		return 0
	fi
	if ! saved && [ -z "${FORCE:-}" ]; then
		die "build/linux has work that is not in the repo (uncommitted edits or new commits): 'make refresh' keeps it, 'make tree FORCE=1' discards it"
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	tip=$(build_commits "$tmp")
	[ -n "${FORCE:-}" ] && tgit reset -q --hard
	tgit checkout -q -B series "$tip"
	echo "$want $tip" > "$stamp"
	echo "series: build/linux = base + $(entries | wc -l) commits"
}

# Fold uncommitted edits into the series commits that last touched each
# file (as `git commit --fixup` + autosquash would), without touching the
# work tree: every commit from the owner on gets the edited content.
fold_edits() {
	local tmp=$1 c i path owner newparent n
	local -a commits paths owners
	mapfile -t commits < <(tgit rev-list --reverse base..HEAD)
	[ -z "$(tgit ls-files --others --exclude-standard)" ] ||
		die "untracked files in build/linux: $(tgit ls-files --others --exclude-standard | head -3 | xargs); commit them into a series commit first"
	mapfile -t paths < <(tgit diff --name-only HEAD)
	for path in "${paths[@]}"; do
		owner=""
		for i in "${!commits[@]}"; do
			[ -n "$(tgit rev-list -1 "${commits[$i]}^..${commits[$i]}" -- "$path")" ] && owner=$i
		done
		[ -n "$owner" ] ||
			die "$path is not part of any series commit: commit it yourself (new commit or git commit --fixup), then 'make refresh'"
		owners+=("$owner")
	done
	export GIT_INDEX_FILE=$tree/.git/cma-index
	newparent=$(tgit rev-parse base)
	for i in "${!commits[@]}"; do
		c=${commits[$i]}
		tgit read-tree "$c"
		for n in "${!paths[@]}"; do
			[ "${owners[$n]}" -le "$i" ] || continue
			path=${paths[$n]}
			if [ -e "$tree/$path" ]; then
				(cd "$tree" && git update-index --add -- "$path")
			else
				tgit update-index --force-remove -- "$path"
			fi
		done
		commit_env "$(tgit log -1 --format=%an "$c")" "$(tgit log -1 --format=%ae "$c")" \
			"$(tgit log -1 --format=%aD "$c")"
		newparent=$(tgit commit-tree "$(tgit write-tree)" -p "$newparent" \
			-F <(tgit log -1 --format=%B "$c"))
	done
	unset GIT_INDEX_FILE
	tgit reset -q "$newparent"
	is_dirty && die "internal error: edits were not folded completely"
	echo "series: folded edits to ${paths[*]} into their commits"
}

# Write the tree's commits as a repo layout under $1: series, patches/ and
# the files the series creates, as the last commit leaves them (later
# changes to them are in the later commits' patches).
export_layout() {
	local out=$1 n=0 c name newfiles ex
	mkdir -p "$out/patches"
	echo "# One commit per line, in order: its patch in patches/, then the files it creates." > "$out/series"
	for c in $(tgit rev-list --reverse base..HEAD); do
		n=$((n + 1))
		name=$(printf '%04d-%s.patch' "$n" "$(tgit log -1 --format=%f "$c" | cut -c1-60)")
		newfiles=$(tgit diff-tree -r --no-commit-id --name-only --diff-filter=A "$c")
		ex=()
		for f in $newfiles; do
			ex+=(":(exclude)$f")
			mkdir -p "$out/$(dirname "$f")"
			tgit show "HEAD:$f" > "$out/$f" ||
				die "$f is created by $(tgit log -1 --format=%h "$c") and deleted later; squash those commits"
			if [ "$(tgit ls-tree HEAD -- "$f" | cut -c1-6)" = 100755 ]; then
				chmod 755 "$out/$f"
			else
				chmod 644 "$out/$f"
			fi
		done
		# Blank context lines are written empty, not as a lone space,
		# so that checkpatch, run on the file by its path in this git
		# repo (which makes it a source file to checkpatch), sees no
		# trailing whitespace; git apply reads both forms.
		tgit -c core.abbrev=12 -c diff.suppressBlankEmpty=true \
			format-patch -1 --stdout --zero-commit --no-signature \
			--subject-prefix=PATCH "$c" -- . "${ex[@]}" > "$out/patches/$name"
		[ -s "$out/patches/$name" ] ||
			die "commit $(tgit log -1 --format='%h %s' "$c") only adds files; every commit needs a change to an existing file (e.g. a Makefile or index)"
		echo "$name" $newfiles >> "$out/series"
	done
}

cmd_refresh() {
	[ -d "$tree/.git" ] || die "no $tree: nothing to refresh"
	local tmp f old
	# Both sides changed: writing the tree back would undo the repo's edits.
	if [ -z "${FORCE:-}" ] && [ -f "$stamp" ] &&
	   [ "$(inputs_hash)" != "$(cut -d' ' -f1 "$stamp")" ]; then
		die "the repo's series files changed since build/linux was last synced, and refresh would overwrite them; put the tree's work aside (git -C build/linux stash, or note the commits), run 'make tree', then redo it there (or, once the tree has the repo's edits too, 'make refresh FORCE=1')"
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	is_dirty && fold_edits "$tmp"
	old=$(entries | cut -s -d' ' -f2- | tr ' ' '\n')
	export_layout "$tmp/out"
	rm -f "$top"/patches/*.patch
	cp -p -r "$tmp/out/." "$top/"
	for f in $old; do
		grep -qw -- "$f" "$manifest" || { rm -f "$top/$f"; echo "series: removed $f (no commit creates it)"; }
	done
	echo "$(inputs_hash) $(tgit rev-parse HEAD)" > "$stamp"
	git -C "$top" status --short -- series patches $(entries | cut -s -d' ' -f2-)
}

# The cover letter is patches/cover-letter: a subject line, a blank line,
# then the text that goes in front of the shortlog and diffstat.
cmd_export() {
	local out cover=$top/patches/cover-letter
	out=$(realpath -m "$1")
	rm -rf "$out"
	mkdir -p "$out"
	tgit format-patch -q -o "$out" --no-signature --thread --cover-letter \
		--base=base base..HEAD
	COVER_SUBJECT=$(head -1 "$cover") COVER_FILE=$cover perl -0777 -pi -e '
		open(my $fh, "<", $ENV{COVER_FILE}) or die "$ENV{COVER_FILE}: $!\n";
		my $body = do { local $/; <$fh> };
		$body =~ s/\A[^\n]*\n\n//;
		s/\*\*\* SUBJECT HERE \*\*\*/$ENV{COVER_SUBJECT}/;
		s/\*\*\* BLURB HERE \*\*\*\n/$body/;
	' "$out"/0000-cover-letter.patch
	(cd "$out" && ls -- *.patch | grep -v '^0000-cover-letter' > series)
	echo "series: $(wc -l < "$out/series") patches and a cover letter in $out (quilt: $out/series)"
}

cmd_check() {
	local chk=$top/build/check tmp fail=0 f c n=0
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	rm -rf "$chk"
	git clone -q --shared --no-checkout "$tree" "$chk"
	git -C "$chk" checkout -q base
	git -C "$chk" tag -f base base > /dev/null
	TREE=$chk "$0" sync > /dev/null

	TREE=$chk "$0" export_layout_to "$tmp/round" 2> "$tmp/err" || { cat "$tmp/err"; exit 1; }
	cp "$top/patches/cover-letter" "$tmp/round/patches/"
	for f in $(entries | cut -s -d' ' -f2-); do
		cmp -s "$tmp/round/$f" "$top/$f" || echo "round trip changes $f"
	done > "$tmp/files"
	if ! diff -r -q "$tmp/round/patches" "$top/patches" > /dev/null ||
	   ! cmp -s "$tmp/round/series" "$manifest" || [ -s "$tmp/files" ]; then
		echo "FAIL: refresh would change the repo (run 'make tree && make refresh' and commit)"
		{ cat "$tmp/files"; diff -r "$tmp/round/patches" "$top/patches"; } | head -20 || true
		fail=1
	else
		echo "refresh round trip ok: the tree gives back the repo byte for byte"
	fi

	# checkpatch asks for a MAINTAINERS change whenever a patch adds a
	# file (FILE_PATH_CHANGES), even when an F: pattern already covers
	# it; check the coverage itself instead.
	for f in $(entries | cut -s -d' ' -f2-); do
		(cd "$chk" && perl scripts/get_maintainer.pl --no-git \
			--no-git-fallback --sections -f "$f" 2> /dev/null) |
			grep -qx 'CROSS MEMORY ATTACH' ||
			{ echo "FAIL: MAINTAINERS does not cover $f"; fail=1; }
	done

	TREE=$chk "$0" export "$tmp/mail" > /dev/null
	for f in "$tmp"/mail/*.patch; do
		# Debian's python3 has ply for spdxcheck.py; a python3 earlier in PATH may not.
		PATH=/usr/bin:$PATH perl "$chk/scripts/checkpatch.pl" --strict --terse --no-summary \
			--ignore FILE_PATH_CHANGES \
			--root="$chk" "$f" > "$tmp/cp" 2>&1 || true
		# What is left once harness/checkpatch-accepted's reports are out.
		slug=$(basename "$f" .patch | sed 's/^[0-9]*-//')
		grep -v '^#' "$top/harness/checkpatch-accepted" | sed -n "s/^$slug: //p" > "$tmp/ok"
		grep -v -F -f "$tmp/ok" "$tmp/cp" > "$tmp/left" || true
		if [ ! -s "$tmp/left" ]; then
			echo "checkpatch ok: $(basename "$f")$([ -s "$tmp/cp" ] && echo " ($(wc -l < "$tmp/cp") accepted, see harness/checkpatch-accepted)")"
		else
			echo "checkpatch FAIL: $(basename "$f")"; cat "$tmp/left"; fail=1
		fi
	done

	for c in $(git -C "$chk" rev-list --reverse base..HEAD); do
		n=$((n + 1))
		git -C "$chk" checkout -q "$c"
		# The FP option of common.config arrives with a later commit.
		if KERNEL_TREE=$chk BUILD_DIR=$top/build/bisect \
		   ALLOW_MISSING=CROSS_MEMORY_ATTACH_FP \
		   "$top/harness/kernel.sh" x86_64 > "$tmp/build" 2>&1; then
			echo "build ok at $n: $(git -C "$chk" log -1 --format=%s)"
		else
			echo "build FAIL at $n: $(git -C "$chk" log -1 --format=%s)"
			tail -20 "$tmp/build"; fail=1
		fi
	done
	# The last commit's engine, W=1, on the architectures no target boots.
	if KERNEL_TREE=$chk BUILD_DIR=$top/build/bisect "$top/harness/engine.sh" > "$tmp/build" 2>&1; then
		cat "$tmp/build"
	else
		echo "engine build FAIL:"; tail -20 "$tmp/build"; fail=1
	fi
	[ $fail = 0 ] && echo "series-check: passed" || { echo "series-check: FAILED"; exit 1; }
}


case "${1:-}" in
sync) cmd_sync ;;
refresh) cmd_refresh ;;
export) cmd_export "${2:?usage: series.sh export DIR}" ;;
check) cmd_check ;;
check-saved) saved ;;
export_layout_to) export_layout "$2" ;;
*) die "usage: series.sh sync|refresh|export DIR|check|check-saved" ;;
esac
