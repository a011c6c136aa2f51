// libFuzzer target for protocol::http::parse_http_date / format_http_date (http_date.h).
//
// Input: the whole input is parsed as an HTTP-date, with a fixed `now` (so that a crash
// reproduces) and with now = the system clock.
//
// Invariants checked (abort on violation):
//   - what parses is one of the three forms: 29 bytes ending " GMT" (IMF-fixdate), 24 bytes
//     (asctime), or 30..33 bytes ending " GMT" (rfc850);
//   - a parsed date within the system clock's range formats as a 29-byte IMF-fixdate that
//     parses back to the same second, and formats again to the same text;
//   - an IMF-fixdate input that parses formats back to itself except for the day name
//     (which parsing does not check) and a leap second (which becomes the next minute).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "network_system/protocol/http/http_date.h"
#include "fuzz_require.h"

namespace {

namespace http = network_system::protocol::http;
using fuzz_support::require;
using namespace std::chrono;

// 2026-12-01, a fixed now.
constexpr sys_seconds fixed_now{seconds{1796083200}};

bool in_clock_range(sys_seconds t) {
  return t > floor<seconds>(system_clock::time_point::min()) + days{1} &&
         t < floor<seconds>(system_clock::time_point::max()) - days{1};
}

void check(std::string_view text, sys_seconds now) {
  const auto t = http::parse_http_date(text, now);
  if (!t) return;
  const bool imf = text.size() == 29 && text.ends_with(" GMT");
  const bool asctime = text.size() == 24;
  const bool rfc850 = text.size() >= 30 && text.size() <= 33 && text.ends_with(" GMT");
  require(imf || asctime || rfc850, "parsed a date of none of the three forms");
  if (!in_clock_range(*t)) return;
  const std::string formatted = http::format_http_date(*t);
  require(formatted.size() == http::http_date_length, "formatted date is not 29 bytes");
  const auto back = http::parse_http_date(formatted, now);
  require(back.has_value() && *back == *t, "formatted date does not parse back");
  require(http::format_http_date(*back) == formatted, "formatting is not stable");
  if (imf && text.substr(23, 2) != "60") {
    require(formatted.substr(3) == text.substr(3), "IMF-fixdate does not round-trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, fixed_now);
  check(text, floor<seconds>(system_clock::now()));
  return 0;
}
