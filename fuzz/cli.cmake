# The migration-manager CLI: YAML the user edits (overrides, networks).
mm_add_fuzzer(fuzz_cli_edit_yaml SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_edit_yaml_fuzz.cpp LIBS mm_cli)
