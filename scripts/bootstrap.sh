#!/usr/bin/env bash
# Install what duban needs on a fresh Debian machine: uv, the Python dependencies and,
# with --test, the system packages the tests use (Chromium, CJK fonts, poppler, Pango, LibreOffice Writer).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '[bootstrap] %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    say "需要系统软件包 ${missing[*]},但当前用户不能安装;请先安装它们"; return 1
  fi
  local sudo=""; [ "$(id -u)" != 0 ] && sudo=sudo
  say "安装系统软件包:${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_uv() {
  if command -v uv >/dev/null; then return 0; fi
  export PATH="$HOME/.local/bin:$PATH"
  if command -v uv >/dev/null; then return 0; fi
  say "安装 uv(来自 PyPI)"
  command -v pip3 >/dev/null || python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  python3 -m pip install --quiet --user uv 2>/dev/null \
    || python3 -m pip install --quiet --user --break-system-packages uv
}

ensure_uv
export PATH="$HOME/.local/bin:$PATH"
# WeasyPrint renders through Pango; reports need the CJK fonts.
if command -v dpkg >/dev/null; then
  apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
  if [ $want_test = 1 ]; then apt_install chromium poppler-utils libreoffice-writer-nogui; fi
  command -v npm >/dev/null || apt_install npm
fi
# Bytecode compiled at install, as Debian's packages do: where Python is told not to write it
# (PYTHONDONTWRITEBYTECODE) every process compiled all it imported (`duban report` of the city: 5.0–5.7 s
# without, 3.0–4.1 s with; bench/README, session 17, "Compiled once at install").
uv sync --quiet --frozen --compile-bytecode
uv run --quiet --frozen python -m compileall -q -j 0 src >/dev/null
if [ $want_test = 1 ]; then
  bash scripts/fetch_assets.sh --test >&2 || { say "ECharts 或 axe-core 未能从 npm 获取，浏览器测试无法运行"; exit 1; }
else
  bash scripts/fetch_assets.sh >&2 || say "警告：ECharts 未能从 npm 获取，图表将不显示"
fi
