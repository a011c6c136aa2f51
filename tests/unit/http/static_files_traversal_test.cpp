#include "network_system/http/static_files.h"

#include <gtest/gtest.h>

#include "static_files_test_support.h"

// Path traversal: every vector is a named test, run in both containment modes.

namespace network_system::http {
namespace {

using namespace static_files_testing;

class static_files_traversal_test : public static_files_fixture {};

INSTANTIATE_TEST_SUITE_P(modes, static_files_traversal_test,
                         ::testing::Values(containment::beneath, containment::realpath),
                         mode_name);

// --- path traversal: every vector is refused, and the secret never comes back ---------------

TEST_P(static_files_traversal_test, traversal_dotdot_segment) {
  expect_refused(send(app(), "/static/../outside/secret.txt"));
}

TEST_P(static_files_traversal_test, traversal_dotdot_inside_the_tree) {
  // Even a ".." that would stay inside the root is refused: no ".." is ever resolved.
  expect_refused(send(app(), "/static/site/../hello.txt"));
}

TEST_P(static_files_traversal_test, traversal_many_dotdots) {
  expect_refused(send(app(), "/static/../../../../../../../../etc/passwd"));
}

TEST_P(static_files_traversal_test, traversal_dot_segment) {
  expect_refused(send(app(), "/static/./hello.txt"));
}

TEST_P(static_files_traversal_test, traversal_encoded_dotdot_lower) {
  expect_refused(send(app(), "/static/%2e%2e/outside/secret.txt"));
}

TEST_P(static_files_traversal_test, traversal_encoded_dotdot_upper) {
  expect_refused(send(app(), "/static/%2E%2E/outside/secret.txt"));
}

TEST_P(static_files_traversal_test, traversal_half_encoded_dotdot) {
  const auto p = app();
  expect_refused(send(p, "/static/.%2e/outside/secret.txt"));
  expect_refused(send(p, "/static/%2e./outside/secret.txt"));
}

TEST_P(static_files_traversal_test, traversal_encoded_slash) {
  const auto p = app();
  expect_refused(send(p, "/static/..%2foutside%2fsecret.txt"));
  expect_refused(send(p, "/static/..%2Foutside%2Fsecret.txt"));
  expect_refused(send(p, "/static/site%2findex.html"));  // even inside the root
}

TEST_P(static_files_traversal_test, traversal_encoded_backslash) {
  const auto p = app();
  expect_refused(send(p, "/static/..%5coutside%5csecret.txt"));
  expect_refused(send(p, "/static/..%5Coutside%5Csecret.txt"));
}

TEST_P(static_files_traversal_test, traversal_raw_backslash) {
  // The request parser refuses a raw backslash in the target (400) ...
  const auto a = send(app(), "/static/..\\outside\\secret.txt");
  EXPECT_FALSE(a.parsed);
  expect_refused(a, 400);
  // ... and the handler refuses one that reached it some other way.
  request req;
  route_params params;
  params.add("*", "..\\outside\\secret.txt", "..\\outside\\secret.txt");
  req.set_params(params);
  response res;
  static_files(root_.string(), opts())(req, res);
  expect_refused(answer{.res = res});
}

TEST_P(static_files_traversal_test, traversal_encoded_nul) {
  const auto a = send(app(), "/static/hello.txt%00.png");
  EXPECT_FALSE(a.parsed);  // request::from_head refuses a decoded NUL (400)
  expect_refused(a, 400);
  request req;
  route_params params;
  params.add("*", std::string("hello.txt\0.png", 14), "hello.txt%00.png");
  req.set_params(params);
  response res;
  static_files(root_.string(), opts())(req, res);
  expect_refused(answer{.res = res});
}

TEST_P(static_files_traversal_test, traversal_absolute_path) {
  const auto p = app();
  expect_refused(send(p, "/static//etc/passwd"));
  expect_refused(send(p, ("/static/" + (base_ / "outside" / "secret.txt").string()).c_str()));
  expect_refused(send(p, "/static/%2fetc%2fpasswd"));
}

TEST_P(static_files_traversal_test, traversal_empty_segment) {
  expect_refused(send(app(), "/static/site//index.html"));
}

TEST_P(static_files_traversal_test, traversal_symlink_to_a_file_outside) {
  expect_refused(send(app(), "/static/link_outside"));
}

TEST_P(static_files_traversal_test, traversal_absolute_symlink_to_a_file_outside) {
  expect_refused(send(app(), "/static/abs_link_outside"));
}

TEST_P(static_files_traversal_test, traversal_symlink_to_a_directory_outside) {
  const auto p = app();
  expect_refused(send(p, "/static/dirlink_outside/secret.txt"));
  expect_refused(send(p, "/static/dirlink_outside/"));
  expect_refused(send(p, "/static/dirlink_outside"));
}

TEST_P(static_files_traversal_test, traversal_symlink_climbing_through_a_subdirectory) {
  expect_refused(send(app(), "/static/sneaky_link"));
}

TEST_P(static_files_traversal_test, traversal_hidden_files_are_not_served) {
  const auto p = app();
  expect_refused(send(p, "/static/.secret"));
  expect_refused(send(p, "/static/%2esecret"));
  EXPECT_EQ(send(app({.serve_hidden = true}), "/static/.secret").body(), "hidden");
}

TEST_P(static_files_traversal_test, traversal_vectors_stay_refused_with_hidden_files_on) {
  const auto p = app({.serve_hidden = true});
  expect_refused(send(p, "/static/../outside/secret.txt"));
  expect_refused(send(p, "/static/%2e%2e/outside/secret.txt"));
  expect_refused(send(p, "/static/./hello.txt"));
}

TEST_P(static_files_traversal_test, symlinks_inside_the_root_are_followed) {
  const auto p = app();
  EXPECT_EQ(send(p, "/static/link_inside").body(), "Hello, static!\n");
  EXPECT_EQ(send(p, "/static/dirlink_inside/page.html").body(), "<p>page</p>");
  EXPECT_EQ(send(p, "/static/dirlink_inside/").body(), "<h1>site</h1>");
}

TEST_P(static_files_traversal_test, absolute_symlink_inside_the_root_depends_on_the_mode) {
  // RESOLVE_BENEATH refuses every absolute link; realpath follows one that stays inside.
  const auto a = send(app(), "/static/abs_link_inside");
  if (GetParam() == containment::beneath) {
    EXPECT_EQ(a.status(), 404);
  } else {
    EXPECT_EQ(a.body(), "Hello, static!\n");
  }
}

TEST_P(static_files_traversal_test, renaming_the_root_path_does_not_move_what_is_served) {
  const auto p = app();
  fs::rename(root_, base_ / "moved");
  fs::create_directories(root_);
  std::ofstream(root_ / "hello.txt") << "impostor";
  EXPECT_EQ(send(p, "/static/hello.txt").body(), GetParam() == containment::beneath
                                                     ? "Hello, static!\n"
                                                     : "impostor");
}

}  // namespace
}  // namespace network_system::http
