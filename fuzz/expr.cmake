# Include expressions: compile and run arbitrary input against a fixed instance record.
mm_add_fuzzer(fuzz_expr SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/expr_fuzz.cpp LIBS mm_expr)
