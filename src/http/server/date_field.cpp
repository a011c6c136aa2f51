#include "http/server/date_field.h"

#include <cstdio>
#include <ctime>

namespace network_system::http::detail {

namespace {
struct date_cache {
  std::time_t second = -1;
  char text[32] = {};
  std::size_t size = 0;
};
thread_local date_cache cache;
}  // namespace

std::string_view current_date_field() {
  const std::time_t now = std::time(nullptr);
  if (now != cache.second) {
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    // The C locale's names are the ones IMF-fixdate requires, whatever the process locale:
    // strftime would follow LC_TIME.
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int n = std::snprintf(cache.text, sizeof cache.text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                                tm.tm_hour, tm.tm_min, tm.tm_sec);
    cache.size = n > 0 ? static_cast<std::size_t>(n) : 0;
    cache.second = now;
  }
  return {cache.text, cache.size};
}

}  // namespace network_system::http::detail
