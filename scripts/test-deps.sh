#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages, where it is missing and we may install:
# Debian's Chromium (the browser tests drive it through Playwright), Pango (WeasyPrint draws the board
# report's PDF with it) and a PostgreSQL server (the storage tests run against it). Without root or apt, it says what is missing; those tests then skip with a reason
# (or fail, under SAMRAD_REQUIRE_POSTGRES=1 / SAMRAD_REQUIRE_BROWSER=1, as CI sets).
set -u

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v chromium >/dev/null 2>&1; then
  if can_install; then
    echo "test-deps: installing Debian's chromium for the browser tests"
    apt_install chromium fonts-dejavu-core || echo "test-deps: could not install chromium"
  else
    echo "test-deps: chromium is missing; browser tests will skip"
  fi
fi

# WeasyPrint loads Pango through its C library at run time; ldconfig knows whether it is there.
if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
  if can_install; then
    echo "test-deps: installing Pango for the board report's PDF"
    apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core || echo "test-deps: could not install Pango"
  else
    echo "test-deps: Pango (libpango-1.0-0, libpangoft2-1.0-0) is missing; the PDF report tests will fail"
  fi
fi

pg_up() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && can_install; then
    echo "test-deps: installing PostgreSQL for the storage tests"
    apt_install postgresql || echo "test-deps: could not install postgresql"
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$version" ]; then
      # Trust auth on loopback, as the tests expect (user postgres, database test).
      hba=/etc/postgresql/$version/main/pg_hba.conf
      grep -q "samrad-tests" "$hba" 2>/dev/null || \
        sed -i '1i host all all 127.0.0.1/32 trust # samrad-tests\nhost all all ::1/128 trust # samrad-tests' "$hba"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do pg_up && break; sleep 1; done
      su postgres -c "psql -h 127.0.0.1 -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\"" 2>/dev/null | grep -q 1 || \
        su postgres -c "createdb -h 127.0.0.1 test" 2>/dev/null || true
    fi
  fi
  pg_up || echo "test-deps: no PostgreSQL at 127.0.0.1:5432; PostgreSQL tests will skip"
fi
exit 0
