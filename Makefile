# nnbook の作業はすべてこの Makefile から行います. 各ターゲットは必要なものを
# 自分で入れます (Python 3.11 以降, pip, apt, npm があれば足ります).
#
#   make book     サイトを _build/html/ に作る (コミット済みの出力を使う)
#   make test     すべてのテスト (ruff, textlint, -W ビルド, PDF, pytest, nbval, ブラウザ)
#                 GPU なしで, CuPy の代役 (tests/fake_cupy.py) を既定のデバイスに
#   make pdf      本の PDF 版を _build/pdf/nnbook.pdf に作って確かめる (upLaTeX)
#   make lab      読者版 (解答を空欄にした章) を作って JupyterLab で開く
#   make lab-src  章そのもの (出力と解答つき, 執筆用) を JupyterLab で開く
#   make execute  章を新しいカーネルで実行し直して出力を保存 (NB=... で1章だけ)
#   make reader   練習問題を空欄にした読者用ノートブックを reader/ に作る
#   make serve    作ったサイトを http://localhost:8000 で見る
#   make test-gpu GPU (CuPy) でテストと章と性能を調べる (GPU の機械で, OUT=...)
#   make gpu-wheels test-gpu に持っていく wheel を .whl/ に落とす (一度だけ)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NB ?=
PORT ?= 8000
SANITIZE := tests/nbval_sanitize.cfg
# make test: CuPy の代役が GPU を演じ, 既定のデバイスは GPU (代役) です.
# 代役は NumPy で計算するので章の出力は CPU と同じになり (デバイス名の
# 行は tests/nbval_sanitize.cfg で揃える), nbval (strict) の一度の実行で
# 出力と「ホストとデバイスの配列を混ぜていないこと」の両方を確かめます.
STAND_IN := NNBOOK_DEVICE=gpu NNBOOK_FAKE_CUPY=$(CURDIR)/tests/fake_cupy.py
OUT ?= gpu-check
JB_BUILD := $(BIN)/jupyter-book build . --builder html
# PDF 版: 日本語の upLaTeX (Debian/Ubuntu のパッケージ, 約 1 GB)
TEX_PACKAGES := texlive-lang-japanese texlive-latex-extra \
	texlive-fonts-recommended tex-gyre latexmk
LATEX_DIR := _build/latex

.PHONY: help book test pdf lab lab-src execute reader serve test-gpu \
	gpu-wheels lint lint-ja build-strict system-deps tex-deps clean

help:
	@sed -n '1,15p' Makefile | sed 's/^# \{0,1\}//'

# --- 環境 -------------------------------------------------------------------

$(BIN)/python:
	@echo "==> Python の仮想環境を作ります ($(VENV))"
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q --upgrade pip

$(VENV)/.book-installed: pyproject.toml constraints.txt | $(BIN)/python
	@echo "==> 本のビルドに必要なパッケージを入れます"
	$(PIP) install --progress-bar on -c constraints.txt -e ".[book]"
	@touch $@

$(VENV)/.test-installed: pyproject.toml constraints.txt | $(BIN)/python
	@echo "==> テストに必要なパッケージを入れます (PyTorch CPU 版を含む)"
	$(PIP) install --progress-bar on -c constraints.txt -e ".[book,test,lab]"
	@touch $(VENV)/.book-installed $@

# PDF の確認 (tools/check_pdf.py) が PDF を読むのに使う
$(VENV)/.pdf-installed: $(VENV)/.book-installed constraints.txt
	$(PIP) install -q -c constraints.txt pypdfium2
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "==> textlint を入れます (npm ci)"
	npm ci --no-audit --no-fund
	@touch $@

system-deps:
	@if ! command -v chromium >/dev/null \
	   || ! fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null; then \
	  echo "==> Chromium と日本語フォントを入れます (apt)"; \
	  $(SUDO) apt-get update -q; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q chromium fonts-noto-cjk; \
	fi

tex-deps:
	@if ! command -v uplatex >/dev/null || ! command -v latexmk >/dev/null \
	   || ! kpsewhich pxchfon.sty ujbook.cls HaranoAjiMincho-Regular.otf \
	        tgtermes.sty changepage.sty >/dev/null 2>&1; then \
	  echo "==> 日本語の LaTeX (TeX Live, 約 1 GB) を入れます (apt)"; \
	  $(SUDO) apt-get update -q; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $(TEX_PACKAGES); \
	fi

# --- 本 ---------------------------------------------------------------------

book: $(VENV)/.book-installed
	@echo "==> サイトを作ります (章は実行せず, コミット済みの出力を使います)"
	$(JB_BUILD)
	@echo "==> できあがり: _build/html/index.html ('make serve' で表示)"

build-strict: $(VENV)/.book-installed
	@echo "==> 警告をエラーとしてサイトを作ります"
	rm -rf _build/html _build/.doctrees
	$(JB_BUILD) -W -n --keep-going

# PDF 版 (_ext/nnbook_latex.py が upLaTeX 用に整える). jupyter-book の
# --builder pdflatex は LaTeX が失敗しても終了コード 0 を返すので, LaTeX
# の原稿を作る段と PDF にする段を分けています. latexmk の出力 (dvipdfmx
# の「フォントにない文字」の警告を含む) は make-pdf.log に残し,
# tools/check_pdf.py が章, 図, スライダーのコマ, 参照, 字形を確かめます.
pdf: $(VENV)/.pdf-installed tex-deps
	@echo "==> PDF 版の LaTeX の原稿を作ります"
	$(BIN)/jupyter-book build . --builder latex -W --keep-going
	@echo "==> upLaTeX で PDF にします (数分. 経過は $(LATEX_DIR)/make-pdf.log)"
	$(MAKE) --no-print-directory -C $(LATEX_DIR) all-pdf \
	  LATEXMKOPTS="-g -interaction=nonstopmode -halt-on-error" \
	  > $(LATEX_DIR)/make-pdf.log 2>&1 \
	  || { tail -40 $(LATEX_DIR)/make-pdf.log; exit 1; }
	$(BIN)/python tools/check_pdf.py $(LATEX_DIR)
	@mkdir -p _build/pdf && cp $(LATEX_DIR)/nnbook.pdf _build/pdf/nnbook.pdf
	@echo "==> できあがり: _build/pdf/nnbook.pdf"

serve:
	@test -f _build/html/index.html || $(MAKE) book
	@echo "==> http://localhost:$(PORT)/ で表示します (Ctrl-C で終了)"
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 -d _build/html

# --- テスト -----------------------------------------------------------------

lint: $(VENV)/.test-installed
	@echo "==> ruff"
	$(BIN)/ruff check code tests tools benchmarks _ext
	$(BIN)/ruff format --check code tests tools benchmarks _ext

lint-ja: $(VENV)/.test-installed node_modules/.installed
	@echo "==> textlint (日本語の文章)"
	$(BIN)/python tools/lint_japanese.py

test: $(VENV)/.test-installed node_modules/.installed system-deps
	@$(MAKE) --no-print-directory lint lint-ja build-strict pdf
	@echo "==> pytest: パッケージ, 章 (nbval, strict), ブラウザ (既定のデバイス: CuPy の代役)"
	$(STAND_IN) $(BIN)/pytest -n 2 --dist loadfile tests chapters \
	  --nbval --nbval-sanitize-with $(SANITIZE) --nbval-current-env

# GPU の機械で (Python 3.12 と CuPy があり, パッケージの取得はできない):
# .whl/ の wheel と作業ツリーを持っていき, 結果を $(OUT)/ に書く.
# GPU なしで手順を試すには: bash tools/gpu_check.sh --fake /tmp/gpu-check
# (使う Python は PYTHON=... で選べます. 例: PYTHON=.venv/bin/python)
test-gpu:
	PYTHON=$(PYTHON) bash tools/gpu_check.sh $(OUT)

gpu-wheels: | $(BIN)/python
	$(PIP) download --dest .whl --no-deps --only-binary=:all: \
	  --python-version 3.12 --platform manylinux2014_x86_64 \
	  --platform manylinux_2_28_x86_64 -r tools/gpu-requirements.txt
	@du -sh .whl

# --- 章 ---------------------------------------------------------------------

lab: reader
	$(BIN)/jupyter lab reader/chapters/

lab-src: $(VENV)/.test-installed
	$(BIN)/jupyter lab chapters/

execute: $(VENV)/.test-installed
	$(BIN)/python tools/execute_notebooks.py $(NB)

reader: $(VENV)/.test-installed
	$(BIN)/python tools/make_reader_version.py

clean:
	rm -rf _build reader .pytest_cache .ruff_cache
