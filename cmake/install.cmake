# Install rules and the CMake package, so that an outside project can write
#
#   find_package(network_system CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE network_system::network_system)
#
# Included by the top-level CMakeLists.txt after the network_system target is defined. The nsys
# tool installs itself into ${CMAKE_INSTALL_BINDIR} (tools/nsys/CMakeLists.txt, when
# NETWORK_BUILD_TOOLS is on).

include(CMakePackageConfigHelpers)

set(NETWORK_SYSTEM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/network_system
    CACHE STRING "Where the CMake package files are installed, relative to the prefix")

install(TARGETS network_system
  EXPORT network_systemTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/network_system
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp" PATTERN "*.ipp")

# A library built with sanitizers needs its consumers to link the sanitizer runtime too.
if(NETWORK_SANITIZE)
  target_link_options(network_system INTERFACE
    $<INSTALL_INTERFACE:-fsanitize=${NETWORK_SANITIZE}>)
endif()

install(EXPORT network_systemTargets
  NAMESPACE network_system::
  FILE network_systemTargets.cmake
  DESTINATION ${NETWORK_SYSTEM_CMAKE_DIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/network_systemConfig.cmake.in
  ${PROJECT_BINARY_DIR}/network_systemConfig.cmake
  INSTALL_DESTINATION ${NETWORK_SYSTEM_CMAKE_DIR})

# 0.x: minor versions may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/network_systemConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)

install(FILES
  ${PROJECT_BINARY_DIR}/network_systemConfig.cmake
  ${PROJECT_BINARY_DIR}/network_systemConfigVersion.cmake
  DESTINATION ${NETWORK_SYSTEM_CMAKE_DIR})
