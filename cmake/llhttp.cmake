# llhttp (Node.js's HTTP/1.1 parser) from Debian's node-llhttp, which ships its generated C
# sources rather than a library. They are compiled here into an OBJECT library whose objects go
# into network_system itself: the installed library then needs nothing from llhttp at link time,
# and no public header includes llhttp.h (src/protocol/http/detail/ does).
#
# LLHTTP_STRICT_MODE=1 selects llhttp's strict state machine (it rejects, for example, a missing
# CRLF after chunk data); the checks llhttp does not make at all live in our parser.

find_path(LLHTTP_INCLUDE_DIR llhttp.h
  PATHS /usr/share/include/llhttp /usr/include/llhttp /usr/include
  DOC "directory of llhttp.h (Debian: node-llhttp)")
find_path(LLHTTP_SOURCE_DIR llhttp.c
  PATHS /usr/share/llhttp
  DOC "directory of llhttp's generated C sources llhttp.c, api.c and http.c (Debian: node-llhttp)")
if(NOT LLHTTP_INCLUDE_DIR OR NOT LLHTTP_SOURCE_DIR)
  message(FATAL_ERROR "network_system: llhttp not found (install the Debian package node-llhttp: "
                      "scripts/install-deps.sh)")
endif()

add_library(network_system_llhttp OBJECT
  ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c)
target_include_directories(network_system_llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
target_compile_definitions(network_system_llhttp PRIVATE LLHTTP_STRICT_MODE=1)
set_target_properties(network_system_llhttp PROPERTIES
  POSITION_INDEPENDENT_CODE ON C_STANDARD 99 C_EXTENSIONS OFF)
