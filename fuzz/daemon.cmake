# The daemon's API request bodies (sources, targets, certificates, instance and network overrides,
# warnings, include expressions) through parsers and router.
mm_add_fuzzer(fuzz_daemon_api SOURCES ${CMAKE_CURRENT_LIST_DIR}/daemon_api_body_fuzz.cpp
              LIBS mm_api)
