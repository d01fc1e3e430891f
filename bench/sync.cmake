# The reference tool's top-up loop, the baseline of bench/compare-sync.
add_executable(bench_sync_baseline ${CMAKE_CURRENT_SOURCE_DIR}/sync_baseline.cpp)
target_link_libraries(bench_sync_baseline PRIVATE mm_cbt PkgConfig::NBD)
target_include_directories(bench_sync_baseline PRIVATE ${PROJECT_SOURCE_DIR})
