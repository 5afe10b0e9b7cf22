# GarageSwarm worker installer for Windows PowerShell 5.1 and PowerShell 7, served by the server at /install.ps1.
#
#   & ([scriptblock]::Create((irm SERVER/install.ps1))) -Code K7QX-2ZPM [-Name NAME] [-Service] [-WorkerArgs '--enable-shell']
#
# Needs Node.js 20.19 or newer. Downloads the worker (one file) from the server into
# $env:GARAGESWARM_HOME\bin (default ~\.garageswarm\bin), checks its SHA-256 with Get-FileHash, writes
# garageswarm.cmd into ~\.local\bin, exchanges the pairing code for a worker key (kept in the worker's
# state dir), then runs the worker here, or with -Service installs it as a user service.
# The server fills in the four values below when it serves this file.
param(
  [string]$Code = '@@CODE@@',
  [string]$Name = '',
  [switch]$Service,
  [string[]]$WorkerArgs = @()
)
$ErrorActionPreference = 'Stop'
# `return`, never `exit`: this runs as a script block in the caller's session, which `exit` would close.

$GsServer = '@@SERVER@@'
$GsVersion = '@@VERSION@@'
$GsSha256 = '@@SHA256@@'

function Say([string]$Message) { Write-Host "garageswarm: $Message" }
function Fail([string]$Message) { throw "garageswarm: $Message" }

if (-not $Code) { Fail 'a pairing code is needed (-Code): create one on the dashboard (Workers -> Add worker)' }

# Node.js: the worker is a single ES module that runs with Node alone.
$NodeCommand = Get-Command node -ErrorAction SilentlyContinue
if (-not $NodeCommand) { Fail 'Node.js 20.19 or newer is needed and "node" is not on PATH: install it from https://nodejs.org and run this again' }
$GsNode = $NodeCommand.Source
& $GsNode -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
if ($LASTEXITCODE -ne 0) { Fail "Node.js 20.19 or newer is needed; this is $(& $GsNode --version): upgrade it from https://nodejs.org and run this again" }

$GsHome = if ($env:GARAGESWARM_HOME) { $env:GARAGESWARM_HOME } else { Join-Path $HOME '.garageswarm' }
$GsBinDir = Join-Path $GsHome 'bin'
$GsStateDir = Join-Path $GsHome 'worker'
$GsBundle = Join-Path $GsBinDir "garageswarm-$GsVersion.mjs"
$GsLauncherDir = Join-Path $HOME '.local\bin'
$GsLauncher = Join-Path $GsLauncherDir 'garageswarm.cmd'

New-Item -ItemType Directory -Force -Path $GsBinDir | Out-Null
$Partial = "$GsBundle.partial"
Say "downloading the worker $GsVersion from $GsServer"
Invoke-WebRequest -UseBasicParsing -Uri "$GsServer/dl/garageswarm-$GsVersion.mjs" -OutFile $Partial
$Got = (Get-FileHash -Algorithm SHA256 -Path $Partial).Hash.ToLowerInvariant()
if ($Got -ne $GsSha256) {
  Remove-Item -Force $Partial
  Fail "the download's SHA-256 is $Got, the server published ${GsSha256}: refusing to install it"
}
Move-Item -Force -Path $Partial -Destination $GsBundle
Say "installed $GsBundle (sha256 $GsSha256)"

# The launcher names this node by its full path, so a scheduled task with a bare PATH runs the same one.
New-Item -ItemType Directory -Force -Path $GsLauncherDir | Out-Null
$Launcher = "@echo off`r`nif not defined GARAGESWARM_WORKER_STATE_DIR set ""GARAGESWARM_WORKER_STATE_DIR=$GsStateDir""`r`n""$GsNode"" ""$GsBundle"" %*`r`n"
Set-Content -Path $GsLauncher -Value $Launcher -Encoding ASCII -NoNewline
Say "wrote the launcher $GsLauncher"
$UserPath = [Environment]::GetEnvironmentVariable('Path', 'User')
if (-not (($UserPath -split ';') -contains $GsLauncherDir)) {
  Say "$GsLauncherDir is not on your PATH: add it (Settings -> Environment variables) to run ""garageswarm"" by name"
}

$EnrolArgs = @('worker', 'enrol', '--server', $GsServer, '--code', $Code, '--state-dir', $GsStateDir)
if ($Name) { $EnrolArgs += @('--name', $Name) }
& $GsNode $GsBundle @EnrolArgs
if ($LASTEXITCODE -ne 0) { Fail 'enrolment failed (see above)' }

if ($Service) {
  $Help = & $GsNode $GsBundle worker --help 2>$null
  if ($Help -match '^\s+install(\s|$)') {
    & $GsNode $GsBundle worker install --state-dir $GsStateDir @WorkerArgs
    return
  }
  Say 'this worker version cannot install itself as a service yet; run it with:'
  Say "  $GsLauncher worker --state-dir ""$GsStateDir"" $($WorkerArgs -join ' ')"
  return
}
Say 'starting the worker (Ctrl-C drains and stops it)'
& $GsNode $GsBundle worker --state-dir $GsStateDir @WorkerArgs
