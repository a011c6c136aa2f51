#include "network_system/http/mime_types.h"

#include <gtest/gtest.h>

namespace network_system::http {
namespace {

TEST(http_mime_types_test, common_web_types) {
  EXPECT_EQ(builtin_mime_type("html"), "text/html; charset=utf-8");
  EXPECT_EQ(builtin_mime_type("htm"), "text/html; charset=utf-8");
  EXPECT_EQ(builtin_mime_type("css"), "text/css; charset=utf-8");
  EXPECT_EQ(builtin_mime_type("js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(builtin_mime_type("mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(builtin_mime_type("json"), "application/json");
  EXPECT_EQ(builtin_mime_type("svg"), "image/svg+xml");
  EXPECT_EQ(builtin_mime_type("png"), "image/png");
  EXPECT_EQ(builtin_mime_type("jpg"), "image/jpeg");
  EXPECT_EQ(builtin_mime_type("jpeg"), "image/jpeg");
  EXPECT_EQ(builtin_mime_type("gif"), "image/gif");
  EXPECT_EQ(builtin_mime_type("webp"), "image/webp");
  EXPECT_EQ(builtin_mime_type("avif"), "image/avif");
  EXPECT_EQ(builtin_mime_type("ico"), "image/x-icon");
  EXPECT_EQ(builtin_mime_type("txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(builtin_mime_type("wasm"), "application/wasm");
  EXPECT_EQ(builtin_mime_type("pdf"), "application/pdf");
  EXPECT_EQ(builtin_mime_type("woff"), "font/woff");
  EXPECT_EQ(builtin_mime_type("woff2"), "font/woff2");
  EXPECT_EQ(builtin_mime_type("xml"), "application/xml");
  EXPECT_EQ(builtin_mime_type("mp4"), "video/mp4");
  EXPECT_EQ(builtin_mime_type("webm"), "video/webm");
  EXPECT_EQ(builtin_mime_type("mp3"), "audio/mpeg");
  EXPECT_EQ(builtin_mime_type("webmanifest"), "application/manifest+json");
  EXPECT_EQ(builtin_mime_type("7z"), "application/x-7z-compressed");  // first entry
  EXPECT_EQ(builtin_mime_type("zip"), "application/zip");             // last entry
}

TEST(http_mime_types_test, extension_case_does_not_matter) {
  EXPECT_EQ(builtin_mime_type("PNG"), "image/png");
  EXPECT_EQ(builtin_mime_type("Html"), "text/html; charset=utf-8");
}

TEST(http_mime_types_test, unknown_extensions_have_no_type) {
  EXPECT_FALSE(builtin_mime_type(""));
  EXPECT_FALSE(builtin_mime_type("exe"));
  EXPECT_FALSE(builtin_mime_type("htmlx"));
  EXPECT_FALSE(builtin_mime_type("ht"));
  EXPECT_FALSE(builtin_mime_type("averyveryverylongextension"));
  EXPECT_FALSE(builtin_mime_type(".png"));
}

TEST(http_mime_types_test, file_extension_takes_the_last_segments_suffix) {
  EXPECT_EQ(file_extension("a/b.min.css"), "css");
  EXPECT_EQ(file_extension("style.CSS"), "CSS");
  EXPECT_EQ(file_extension("README"), "");
  EXPECT_EQ(file_extension("Makefile."), "");
  EXPECT_EQ(file_extension(".bashrc"), "");
  EXPECT_EQ(file_extension("dir/.hidden"), "");
  EXPECT_EQ(file_extension("dir.d/file"), "");
  EXPECT_EQ(file_extension("archive.tar.gz"), "gz");
  EXPECT_EQ(file_extension(""), "");
}

}  // namespace
}  // namespace network_system::http
