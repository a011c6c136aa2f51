#include "integration/support/test_certs.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#ifndef NETWORK_SOURCE_DIR
#error "NETWORK_SOURCE_DIR must name the source tree (tests/CMakeLists.txt sets it)"
#endif

namespace integration {

namespace {

struct cert_dir {
  cert_dir() {
    char pattern[] = "/tmp/network_system_certs.XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      std::cerr << "test_certs: mkdtemp failed\n";
      std::abort();
    }
    path = pattern;
    const std::string command = std::string("bash ") + NETWORK_SOURCE_DIR +
                                "/scripts/gen-test-certs.sh " + path + " >/dev/null";
    if (std::system(command.c_str()) != 0) {
      std::cerr << "test_certs: `" << command << "` failed\n";
      std::abort();
    }
  }
  ~cert_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

}  // namespace

const std::string& test_cert_dir() {
  static const cert_dir dir;
  return dir.path;
}

std::string cert_path(const std::string& name) { return test_cert_dir() + "/" + name; }

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

network_system::core::tls_config server_tls(const std::string& name) {
  network_system::core::tls_config c;
  c.certificate_chain_file = cert_path(name + ".pem");
  c.private_key_file = cert_path(name + ".key");
  return c;
}

network_system::core::tls_config client_tls() {
  network_system::core::tls_config c;
  c.ca_file = cert_path("ca.pem");
  return c;
}

}  // namespace integration
