# Placement scriptlets: parse, resolve and run arbitrary input as a Starlark module and as a
# placement script, under small step and memory budgets.
mm_add_fuzzer(fuzz_starlark SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/starlark_fuzz.cpp LIBS mm_starlark)
