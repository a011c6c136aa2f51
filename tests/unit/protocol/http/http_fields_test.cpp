#include "network_system/protocol/http/http_fields.h"

#include <gtest/gtest.h>

namespace network_system::protocol::http {
namespace {

TEST(http_fields, CaseInsensitiveOrderPreservingMultiValued) {
  http_fields f;
  f.add("Set-Cookie", "a=1");
  f.add("Content-Type", "text/html");
  f.add("set-cookie", "b=2");
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(f.get("SET-COOKIE"), "a=1");
  const auto all = f.get_all("Set-Cookie");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], "a=1");
  EXPECT_EQ(all[1], "b=2");
  EXPECT_EQ(f.count("set-cookie"), 2u);
  EXPECT_EQ(f.get_list("set-cookie"), "a=1, b=2");
  EXPECT_TRUE(f.contains("content-type"));
  EXPECT_FALSE(f.contains("content-length"));
  EXPECT_FALSE(f.get("x").has_value());
  EXPECT_EQ(f.get_list("x"), "");
  std::vector<std::string> names;
  for (const auto& field : f) names.push_back(field.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Set-Cookie", "Content-Type", "set-cookie"}));
}

TEST(http_fields, SetReplacesEveryOccurrenceAtTheFirstPosition) {
  http_fields f;
  f.add("A", "1");
  f.add("B", "2");
  f.add("a", "3");
  f.set("A", "x");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f.begin()->name, "A");
  EXPECT_EQ(f.begin()->value, "x");
  f.set("C", "y");
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(f.get("c"), "y");
}

TEST(http_fields, Erase) {
  http_fields f;
  f.add("A", "1");
  f.add("B", "2");
  f.add("a", "3");
  EXPECT_EQ(f.erase("A"), 2u);
  EXPECT_EQ(f.erase("A"), 0u);
  EXPECT_EQ(f.size(), 1u);
  f.clear();
  EXPECT_TRUE(f.empty());
}

TEST(http_fields, Iequals) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(iequals("a", "\x81"));
}

}  // namespace
}  // namespace network_system::protocol::http
