#!/bin/sh
# GarageSwarm worker installer, served by the server at /install.sh (POSIX sh: dash, bash, busybox ash, zsh).
#
#   curl -fsSL SERVER/install.sh | sh -s -- --code K7QX-2ZPM [--name NAME] [--service] [-- worker flags]
#
# Needs Node.js 20.19 or newer. Downloads the worker (one file) from the server into
# $GARAGESWARM_HOME/bin (default ~/.garageswarm/bin), checks its SHA-256, writes a `garageswarm`
# launcher into ~/.local/bin, exchanges the pairing code for a worker key (kept 0600 in the worker's
# state dir), then runs the worker here, or with --service installs it as a user service.
# The server fills in the four values below when it serves this file.
set -eu

GS_SERVER='@@SERVER@@'
GS_VERSION='@@VERSION@@'
GS_SHA256='@@SHA256@@'
GS_CODE='@@CODE@@'

say() { printf 'garageswarm: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

usage() {
  cat >&2 <<USAGE
usage: curl -fsSL $GS_SERVER/install.sh | sh -s -- --code CODE [--name NAME] [--service] [-- worker flags]
  --code CODE   the pairing code from the dashboard (Workers -> Add worker), valid 10 minutes, once
  --name NAME   how this machine is shown (default: the name given with the code, else the host name)
  --service     install the worker as a user service instead of running it here
  -- ...        everything after -- is passed to "garageswarm worker" (e.g. --enable-shell --slots 2)
USAGE
}

GS_NAME=''
GS_SERVICE=0
while [ $# -gt 0 ]; do
  case "$1" in
  --code)
    [ $# -ge 2 ] || die "--code needs a value"
    GS_CODE=$2
    shift 2
    ;;
  --code=*)
    GS_CODE=${1#--code=}
    shift
    ;;
  --name)
    [ $# -ge 2 ] || die "--name needs a value"
    GS_NAME=$2
    shift 2
    ;;
  --name=*)
    GS_NAME=${1#--name=}
    shift
    ;;
  --service)
    GS_SERVICE=1
    shift
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  --)
    shift
    break
    ;;
  *)
    usage
    die "unknown option: $1"
    ;;
  esac
done
# What is left in "$@" are the worker's own flags.

[ -n "$GS_CODE" ] || {
  usage
  die "a pairing code is needed: create one on the dashboard (Workers -> Add worker)"
}

# Node.js: the worker is a single ES module that runs with Node alone.
command -v node >/dev/null 2>&1 || die "Node.js 20.19 or newer is needed and \"node\" is not on PATH: install it from https://nodejs.org and run this again"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  die "Node.js 20.19 or newer is needed; this is $(node --version): upgrade it from https://nodejs.org and run this again"
GS_NODE=$(command -v node)

GS_HOME=${GARAGESWARM_HOME:-$HOME/.garageswarm}
GS_BIN_DIR=$GS_HOME/bin
GS_STATE_DIR=$GS_HOME/worker
GS_BUNDLE=$GS_BIN_DIR/garageswarm-$GS_VERSION.mjs
GS_LAUNCHER_DIR=$HOME/.local/bin
GS_LAUNCHER=$GS_LAUNCHER_DIR/garageswarm

case "$GS_NODE$GS_BUNDLE" in
*"'"*) die "paths with a single quote are not supported: set GARAGESWARM_HOME to another directory" ;;
esac

download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "curl or wget is needed to download the worker"
  fi
}

# The checksum is computed with Node, which every machine here has, rather than sha256sum or shasum.
sha256_of() {
  node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex"))' "$1"
}

mkdir -p "$GS_BIN_DIR"
chmod 700 "$GS_HOME"
GS_PARTIAL=$GS_BUNDLE.partial.$$
trap 'rm -f "$GS_PARTIAL"' EXIT
say "downloading the worker $GS_VERSION from $GS_SERVER"
download "$GS_SERVER/dl/garageswarm-$GS_VERSION.mjs" "$GS_PARTIAL" || die "could not download $GS_SERVER/dl/garageswarm-$GS_VERSION.mjs"
GS_GOT=$(sha256_of "$GS_PARTIAL")
[ "$GS_GOT" = "$GS_SHA256" ] || die "the download's SHA-256 is $GS_GOT, the server published $GS_SHA256: refusing to install it"
mv -f "$GS_PARTIAL" "$GS_BUNDLE"
say "installed $GS_BUNDLE (sha256 $GS_SHA256)"

# The launcher names this node by its full path, so a service with a bare PATH runs the same one.
mkdir -p "$GS_LAUNCHER_DIR"
cat >"$GS_LAUNCHER.$$" <<LAUNCHER
#!/bin/sh
GARAGESWARM_WORKER_STATE_DIR=\${GARAGESWARM_WORKER_STATE_DIR:-'$GS_STATE_DIR'}
export GARAGESWARM_WORKER_STATE_DIR
exec '$GS_NODE' '$GS_BUNDLE' "\$@"
LAUNCHER
chmod 755 "$GS_LAUNCHER.$$"
mv -f "$GS_LAUNCHER.$$" "$GS_LAUNCHER"
say "wrote the launcher $GS_LAUNCHER"
case ":$PATH:" in
*":$GS_LAUNCHER_DIR:"*) ;;
*) say "$GS_LAUNCHER_DIR is not on your PATH: add it (e.g. in ~/.profile) to run \"garageswarm\" by name" ;;
esac

if [ -n "$GS_NAME" ]; then
  "$GS_LAUNCHER" worker enrol --server "$GS_SERVER" --code "$GS_CODE" --state-dir "$GS_STATE_DIR" --name "$GS_NAME"
else
  "$GS_LAUNCHER" worker enrol --server "$GS_SERVER" --code "$GS_CODE" --state-dir "$GS_STATE_DIR"
fi

if [ "$GS_SERVICE" = 1 ]; then
  # A worker without the `install` subcommand would answer --help for `worker` itself: read its command list.
  if "$GS_LAUNCHER" worker --help 2>/dev/null | grep -Eq '^ +install( |$)'; then
    exec "$GS_LAUNCHER" worker install --state-dir "$GS_STATE_DIR" "$@"
  fi
  say "this worker version cannot install itself as a service yet; run it with:"
  say "  $GS_LAUNCHER worker --state-dir $GS_STATE_DIR $*"
  exit 0
fi
say "starting the worker (Ctrl-C drains and stops it)"
exec "$GS_LAUNCHER" worker --state-dir "$GS_STATE_DIR" "$@"
