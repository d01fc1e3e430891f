# orchestrator/worker: the progress lines and the final report read from mm-transfer's pipes.
mm_add_fuzzer(fuzz_worker_report
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/worker_report_fuzz.cpp LIBS mm_worker)
