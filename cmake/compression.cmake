# Content codings (src/protocol/http/content_coding*.cpp): zlib for gzip and deflate, and
# Google's brotli for br, both from Debian (zlib1g-dev, libbrotli-dev), found with pkg-config.
# They are linked PRIVATE: no public header includes zlib.h or brotli/*.h. A static
# network_system still needs them at the consumer's link, so network_systemConfig.cmake makes
# the same two imported targets again (see cmake/network_systemConfig.cmake.in).

find_package(PkgConfig REQUIRED)
pkg_check_modules(network_system_ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(network_system_BROTLI REQUIRED IMPORTED_TARGET libbrotlienc libbrotlidec)
