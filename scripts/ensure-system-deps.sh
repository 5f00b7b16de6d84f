#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium (browser tests, never downloaded by Playwright),
# poppler-utils (PDF → PNG/text), fonts, R with the survey package (reference for the survey engine).
# Installs only what is missing, and only when running as root; otherwise says what to install.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
command -v Rscript >/dev/null || need+=(r-base-core)
Rscript -e 'library(survey)' >/dev/null 2>&1 || need+=(r-cran-survey)
# survey's calibration with bounds (the R reference for survey/calibrate) needs MASS, only "recommended"
Rscript -e 'library(MASS)' >/dev/null 2>&1 || need+=(r-cran-mass)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Ontbrekende pakketten / missing packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 0
fi
echo "apt-get install ${need[*]}" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
