# cbt/ extent algebra on large sets.
add_executable(bench_cbt ${CMAKE_CURRENT_SOURCE_DIR}/bench_cbt.cpp)
target_link_libraries(bench_cbt PRIVATE mm_cbt benchmark::benchmark)
target_include_directories(bench_cbt PRIVATE ${PROJECT_SOURCE_DIR})
