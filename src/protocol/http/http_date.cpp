#include "network_system/protocol/http/http_date.h"

#include <array>
#include <cstdint>

namespace network_system::protocol::http {

namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> short_days = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> long_days = {"Sunday",   "Monday", "Tuesday",
                                                       "Wednesday", "Thursday", "Friday",
                                                       "Saturday"};
constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void put2(char* p, unsigned v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// A cursor over the text; every reader consumes exactly what the grammar says or fails.
struct cursor {
  std::string_view s;
  std::size_t i = 0;

  bool lit(std::string_view t) noexcept {
    if (s.substr(i, t.size()) != t) return false;
    i += t.size();
    return true;
  }
  bool digits(std::size_t n, int& out) noexcept {
    if (s.size() - i < n) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
  }
  template <std::size_t N>
  bool name(const std::array<std::string_view, N>& names, int& out) noexcept {
    for (std::size_t k = 0; k < N; ++k) {
      if (lit(names[k])) {
        out = static_cast<int>(k);
        return true;
      }
    }
    return false;
  }
  // time-of-day = hour ":" minute ":" second
  bool time_of_day(int& h, int& m, int& sec) noexcept {
    return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, sec);
  }
  [[nodiscard]] bool done() const noexcept { return i == s.size(); }
};

std::optional<sys_seconds> assemble(int y, int mon, int d, int h, int m, int s) noexcept {
  if (h > 23 || m > 59 || s > 60) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mon + 1)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{m} + seconds{s};
}

// IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT ; date1 = day SP month SP year
std::optional<sys_seconds> parse_imf(std::string_view text) noexcept {
  cursor c{text};
  int wd = 0, d = 0, mon = 0, y = 0, h = 0, m = 0, s = 0;
  if (!(c.name(short_days, wd) && c.lit(", ") && c.digits(2, d) && c.lit(" ") &&
        c.name(months, mon) && c.lit(" ") && c.digits(4, y) && c.lit(" ") &&
        c.time_of_day(h, m, s) && c.lit(" GMT") && c.done())) {
    return std::nullopt;
  }
  return assemble(y, mon, d, h, m, s);
}

// rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT ; date2 = day "-" month "-" 2DIGIT
std::optional<sys_seconds> parse_rfc850(std::string_view text, sys_seconds now) noexcept {
  cursor c{text};
  int wd = 0, d = 0, mon = 0, yy = 0, h = 0, m = 0, s = 0;
  if (!(c.name(long_days, wd) && c.lit(", ") && c.digits(2, d) && c.lit("-") &&
        c.name(months, mon) && c.lit("-") && c.digits(2, yy) && c.lit(" ") &&
        c.time_of_day(h, m, s) && c.lit(" GMT") && c.done())) {
    return std::nullopt;
  }
  const int now_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
  int y = now_year - now_year % 100 + yy;
  if (y > now_year + 50) y -= 100;
  return assemble(y, mon, d, h, m, s);
}

// asctime-date = day-name SP date3 SP time-of-day SP year ; date3 = month SP ( 2DIGIT / ( SP DIGIT ))
std::optional<sys_seconds> parse_asctime(std::string_view text) noexcept {
  cursor c{text};
  int wd = 0, d = 0, mon = 0, y = 0, h = 0, m = 0, s = 0;
  if (!(c.name(short_days, wd) && c.lit(" ") && c.name(months, mon) && c.lit(" "))) {
    return std::nullopt;
  }
  if (c.lit(" ")) {
    if (!c.digits(1, d)) return std::nullopt;
  } else if (!c.digits(2, d)) {
    return std::nullopt;
  }
  if (!(c.lit(" ") && c.time_of_day(h, m, s) && c.lit(" ") && c.digits(4, y) && c.done())) {
    return std::nullopt;
  }
  return assemble(y, mon, d, h, m, s);
}

}  // namespace

void format_http_date(system_clock::time_point t, std::span<char, http_date_length> out) noexcept {
  const auto s = floor<seconds>(t);  // not time_point_cast: it rounds pre-1970 times up
  const auto dp = floor<days>(s);
  const year_month_day ymd{dp};
  const hh_mm_ss hms{s - dp};
  char* p = out.data();
  const auto wd = short_days[weekday{dp}.c_encoding()];
  p[0] = wd[0], p[1] = wd[1], p[2] = wd[2], p[3] = ',', p[4] = ' ';
  put2(p + 5, static_cast<unsigned>(ymd.day()));
  p[7] = ' ';
  const auto mn = months[static_cast<unsigned>(ymd.month()) - 1];
  p[8] = mn[0], p[9] = mn[1], p[10] = mn[2], p[11] = ' ';
  const auto y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  put2(p + 12, y / 100);
  put2(p + 14, y % 100);
  p[16] = ' ';
  put2(p + 17, static_cast<unsigned>(hms.hours().count()));
  p[19] = ':';
  put2(p + 20, static_cast<unsigned>(hms.minutes().count()));
  p[22] = ':';
  put2(p + 23, static_cast<unsigned>(hms.seconds().count()));
  p[25] = ' ', p[26] = 'G', p[27] = 'M', p[28] = 'T';
}

std::string format_http_date(system_clock::time_point t) {
  std::string out(http_date_length, '\0');
  format_http_date(t, std::span<char, http_date_length>(out.data(), http_date_length));
  return out;
}

std::optional<sys_seconds> parse_http_date(std::string_view text, sys_seconds now) noexcept {
  // The forms differ by the fourth byte: ',' (IMF-fixdate), ' ' (asctime), a letter (rfc850).
  if (text.size() < 4) return std::nullopt;
  switch (text[3]) {
    case ',': return parse_imf(text);
    case ' ': return parse_asctime(text);
    default: return parse_rfc850(text, now);
  }
}

std::optional<sys_seconds> parse_http_date(std::string_view text) noexcept {
  return parse_http_date(text, floor<seconds>(system_clock::now()));
}

}  // namespace network_system::protocol::http
