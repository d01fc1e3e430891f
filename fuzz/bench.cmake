# mm-bench: the measurements file (also read by the daemon's preflight) and the plan's input
# bundle, parsed and planned.
mm_add_fuzzer(fuzz_bench_measurements
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_measurements_fuzz.cpp LIBS mm_bench_plan)
mm_add_fuzzer(fuzz_bench_plan_input
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/bench_plan_input_fuzz.cpp LIBS mm_bench_plan)
